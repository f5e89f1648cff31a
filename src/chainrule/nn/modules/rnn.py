r"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (whole sequences, stacked and bidirectional) and the
one-step ``RNNCell``, ``LSTMCell``, ``GRUCell`` — PyTorch's parameters, gate order, shapes and init.

One time step, per layer and direction (x⁽ᵗ⁾ the layer's input, h⁽ᵗ⁻¹⁾ its previous state):

    RNN:   h⁽ᵗ⁾ = tanh(x⁽ᵗ⁾·W_ihᵀ + b_ih + h⁽ᵗ⁻¹⁾·W_hhᵀ + b_hh)      (or relu)
    LSTM:  [i f g o] = x⁽ᵗ⁾·W_ihᵀ + b_ih + h⁽ᵗ⁻¹⁾·W_hhᵀ + b_hh   (four blocks of hidden_size columns)
           i = σ(i), f = σ(f), g = tanh(g), o = σ(o)
           c⁽ᵗ⁾ = f ⊙ c⁽ᵗ⁻¹⁾ + i ⊙ g,   h⁽ᵗ⁾ = o ⊙ tanh(c⁽ᵗ⁾)        (· W_hrᵀ with proj_size)
    GRU:   [r z n]ᵢ = x⁽ᵗ⁾·W_ihᵀ + b_ih,  [r z n]ₕ = h⁽ᵗ⁻¹⁾·W_hhᵀ + b_hh
           r = σ(rᵢ + rₕ), z = σ(zᵢ + zₕ),  n = tanh(nᵢ + r ⊙ nₕ)
           h⁽ᵗ⁾ = (1 − z) ⊙ n + z ⊙ h⁽ᵗ⁻¹⁾   (computed as n + z ⊙ (h⁽ᵗ⁻¹⁾ − n), as PyTorch does)

How it runs: the input part x·W_ihᵀ (+ biases) is one matrix product over all time steps; then each
step is a handful of recorded ops (``addmm``, ``split`` into gates, ``sigmoid``/``tanh``, ``mul``,
``add``), so the graph is the network unrolled in time — backward through it is back-propagation
through time, ∂L/∂W_hh = Σₜ (∂L/∂gates⁽ᵗ⁾)ᵀ·h⁽ᵗ⁻¹⁾ — and each step shows up as a repeated call.

Parameters (``state_dict`` keys, PyTorch's order), for layer k and the reverse direction ``_reverse``:
``weight_ih_l{k}`` (G·H, in), ``weight_hh_l{k}`` (G·H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G·H,),
``weight_hr_l{k}`` (P, H) with ``proj_size`` P; G = 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n).
All are drawn from U(−1/√H, 1/√H), in that order.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ... import factories
from ...functions import cat, stack
from ...ops import recurrent as R
from ...tensor import Tensor, Parameter
from .. import functional as F, init
from ..module import Module
from ..utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


# ------------------------------------------------------------------------------------ one time step
def _rnn_step(gi, h, w_hh_t, relu: bool):
    """h' = act(gi + h·W_hhᵀ), ``gi`` = x·W_ihᵀ + b_ih + b_hh."""
    pre = R.AddMatmul.apply(gi, h, w_hh_t)
    return F.relu(pre) if relu else pre.tanh()


def _lstm_step(gi, h, c, w_hh_t, w_hr, hidden: int):
    """gates = gi + h·W_hhᵀ → i, f, g, o;  c' = f⊙c + i⊙g,  h' = o⊙tanh(c') (· W_hrᵀ)."""
    gates = R.AddMatmul.apply(gi, h, w_hh_t)
    i, f, g, o = R.split(gates, (hidden,) * 4, 1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c = f * c + i * g
    h = o * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(gi, h, w_hh, b_hh, hidden: int):
    """r = σ(rᵢ + rₕ), z = σ(zᵢ + zₕ), n = tanh(nᵢ + r⊙nₕ), h' = n + z⊙(h − n)."""
    gh = F.linear(h, w_hh, b_hh)
    ir, iz, in_ = R.split(gi, (hidden,) * 3, 1)
    hr, hz, hn = R.split(gh, (hidden,) * 3, 1)
    r = (ir + hr).sigmoid()
    z = (iz + hz).sigmoid()
    n = (in_ + r * hn).tanh()
    return n + z * (h - n)


def _tuple_shape(shape) -> tuple:
    return tuple(int(s) for s in shape)


# --------------------------------------------------------------------------------------- RNNBase
class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and direction, their
    init, the argument checks, and the loop over layers, directions and time steps."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=3)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(factories.empty(shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size), in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op (PyTorch's packs the weights for cuDNN)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------------------------ checks
    def check_input(self, input: Tensor, batch_sizes) -> None:
        w = self._flat_weights[0]
        if input._data.dtype != w._data.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). "
                             f"Convert input: input.to({w.dtype}), or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected: tuple, msg: str = "Expected hidden size {}, got {}") -> None:
        if _tuple_shape(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    # ------------------------------------------------------------------------------------ forward
    def _zeros(self, batch: int, size: int, like: Tensor) -> Tensor:
        d = 2 if self.bidirectional else 1
        return Tensor._make(np.zeros((self.num_layers * d, batch, size), dtype=like._data.dtype))

    def _unpack_input(self, input, hx):
        """(time-major input, hx, batch_sizes as a NumPy array or None, sorted/unsorted indices, unbatched?)"""
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            return data, hx, batch_sizes._data.astype(np.int64), sorted_indices, unsorted_indices, False
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: input must be a Tensor or a PackedSequence, not "
                            f"{type(input).__name__}")
        if input.dim() not in (2, 3):
            tail = " tensor" if self.mode.startswith("RNN") else ""
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D{tail} "
                             f"instead")
        unbatched = input.dim() == 2
        if unbatched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        return input, hx, None, None, None, unbatched

    def _batch(self, x, batch_sizes) -> int:
        if batch_sizes is not None:
            return int(batch_sizes[0])
        return x.size(0) if self.batch_first else x.size(1)

    def _time_major(self, x, batch_sizes):
        return x.transpose(0, 1) if self.batch_first and batch_sizes is None else x

    def _run(self, x: Tensor, hx: Tensor, cx, batch_sizes):
        """All layers and directions over time-major ``x`` (T, B, in) or packed data (N, in)."""
        if batch_sizes is None and x.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        d = 2 if self.bidirectional else 1
        h0s = R.unbind(hx, 0)
        c0s = R.unbind(cx, 0) if cx is not None else None
        h_n, c_n = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outs = []
            for direction in range(d):
                k = layer * d + direction
                out, h, c = self._direction(layer_input, layer, direction == 1, h0s[k],
                                            None if c0s is None else c0s[k], batch_sizes)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_input = outs[0] if d == 1 else cat(outs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, stack(h_n), (stack(c_n) if cx is not None else None)

    def _direction(self, x, layer: int, reverse: bool, h0, c0, batch_sizes):
        """One layer in one direction: (outputs, last h, last c) — the time loop."""
        suffix = "_reverse" if reverse else ""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
        w_hr = getattr(self, f"weight_hr_l{layer}{suffix}") if self.proj_size > 0 else None
        mode, hidden = self.mode, self.hidden_size
        gi = F.linear(x, w_ih, b_ih)                  # x·W_ihᵀ + b_ih for every time step at once
        if b_hh is not None and mode != "GRU":        # (GRU's b_hh sits inside r ⊙ (…), per step)
            gi = gi + b_hh
        steps = R.unbind(gi, 0) if batch_sizes is None else R.split(gi, batch_sizes.tolist(), 0)
        w_hh_t = w_hh.t() if mode != "GRU" else None
        n_steps = len(steps)
        h, c = h0, c0
        if batch_sizes is not None and reverse and int(batch_sizes[-1]) < h0.shape[0]:
            h = h0[:int(batch_sizes[-1])]            # the reverse pass starts with the shortest batch
            c = c0[:int(batch_sizes[-1])] if c0 is not None else None
        ended_h, ended_c = [], []
        outs = [None] * n_steps
        for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
            if batch_sizes is not None:
                bs, rows = int(batch_sizes[t]), h.shape[0]
                if bs < rows:        # forward pass: the last rows' sequences have ended
                    ended_h.append(h[bs:])
                    h = h[:bs]
                    if c is not None:
                        ended_c.append(c[bs:])
                        c = c[:bs]
                elif bs > rows:      # reverse pass: more sequences start here
                    h = cat([h, h0[rows:bs]])
                    if c is not None:
                        c = cat([c, c0[rows:bs]])
            if mode == "LSTM":
                h, c = _lstm_step(steps[t], h, c, w_hh_t, w_hr, hidden)
            elif mode == "GRU":
                h = _gru_step(steps[t], h, w_hh, b_hh, hidden)
            else:
                h = _rnn_step(steps[t], h, w_hh_t, mode == "RNN_RELU")
            outs[t] = h
        if ended_h:
            h = cat([h] + ended_h[::-1])
            if c is not None:
                c = cat([c] + ended_c[::-1])
        out = stack(outs) if batch_sizes is None else cat(outs)
        return out, h, c

    def _finish(self, output, hidden, packed_from, batch_sizes, sorted_indices, unsorted_indices, unbatched):
        """Outputs in the caller's layout: repacked, batch-first or unbatched, states unsorted."""
        def unsort(t):
            return t if unsorted_indices is None else t.index_select(1, unsorted_indices)
        hidden = tuple(unsort(t) for t in hidden)
        if packed_from is not None:
            output = PackedSequence(output, packed_from.batch_sizes, sorted_indices, unsorted_indices)
        else:
            if self.batch_first:
                output = output.transpose(0, 1)
            if unbatched:
                output = output.squeeze(0 if self.batch_first else 1)
                hidden = tuple(t.squeeze(1) for t in hidden)
        return output, (hidden if len(hidden) > 1 else hidden[0])


class RNN(RNNBase):
    r"""An Elman RNN: h⁽ᵗ⁾ = tanh(x⁽ᵗ⁾·W_ihᵀ + b_ih + h⁽ᵗ⁻¹⁾·W_hhᵀ + b_hh) (``nonlinearity='relu'``: max(·, 0)),
    stacked ``num_layers`` deep (layer k > 0 reads layer k − 1's outputs; dropout between layers in training).

    Shapes (L = sequence length, N = batch, D = 2 if bidirectional else 1):
    input (L, N, in) — (N, L, in) with ``batch_first`` — or unbatched (L, in), or a ``PackedSequence``;
    h_0 (D·num_layers, N, hidden) (zeros if omitted) → output (L, N, D·hidden) (the last layer's h⁽ᵗ⁾ for
    every t, both directions side by side), h_n (D·num_layers, N, hidden).

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(torch.randn(5, 3, 10), torch.zeros(2, 3, 20))
        >>> output.shape, hn.shape
        (chainrule.Size([5, 3, 20]), chainrule.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.__dict__["nonlinearity"] = args[3]
            args = args[:3] + args[4:]
        else:
            self.__dict__["nonlinearity"] = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        packed = input if isinstance(input, PackedSequence) else None
        x, hx, batch_sizes, sorted_indices, unsorted_indices, unbatched = self._unpack_input(input, hx)
        if packed is None:
            if hx is not None:
                if unbatched and hx.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
                if not unbatched and hx.dim() != 3:
                    raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
                if unbatched:
                    hx = hx.unsqueeze(1)
        elif hx is not None and sorted_indices is not None:
            hx = hx.index_select(1, sorted_indices)
        batch = self._batch(x, batch_sizes)
        if hx is None:
            hx = self._zeros(batch, self.hidden_size, x)
        self.check_forward_args(x, hx, batch_sizes)
        output, h_n, _ = self._run(self._time_major(x, batch_sizes), hx, None, batch_sizes)
        return self._finish(output, (h_n,), packed, batch_sizes, sorted_indices, unsorted_indices, unbatched)


class LSTM(RNNBase):
    r"""Long short-term memory, PyTorch's gate order (i, f, g, o) along the rows of W_ih, W_hh:

        i = σ(x·W_iiᵀ + b_ii + h·W_hiᵀ + b_hi)    input gate
        f = σ(x·W_ifᵀ + b_if + h·W_hfᵀ + b_hf)    forget gate
        g = tanh(x·W_igᵀ + b_ig + h·W_hgᵀ + b_hg) cell candidate
        o = σ(x·W_ioᵀ + b_io + h·W_hoᵀ + b_ho)    output gate
        c⁽ᵗ⁾ = f ⊙ c⁽ᵗ⁻¹⁾ + i ⊙ g,   h⁽ᵗ⁾ = o ⊙ tanh(c⁽ᵗ⁾)   (then h⁽ᵗ⁾·W_hrᵀ when proj_size > 0)

    Shapes: input as ``RNN``; (h_0, c_0) with h_0 (D·num_layers, N, H_out), c_0 (D·num_layers, N, hidden),
    H_out = proj_size or hidden → output (L, N, D·H_out), (h_n, c_n) shaped like (h_0, c_0).

    Example::

        >>> lstm = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = lstm(torch.randn(5, 3, 10))
        >>> output.shape, hn.shape, cn.shape
        (chainrule.Size([5, 3, 20]), chainrule.Size([2, 3, 20]), chainrule.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def forward(self, input, hx=None):
        packed = input if isinstance(input, PackedSequence) else None
        x, hx, batch_sizes, sorted_indices, unsorted_indices, unbatched = self._unpack_input(input, hx)
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2
                                   and all(isinstance(t, Tensor) for t in hx)):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) of two Tensors, got {type(hx).__name__}")
        batch = self._batch(x, batch_sizes)
        if hx is None:
            hx = (self._zeros(batch, self.proj_size or self.hidden_size, x), self._zeros(batch, self.hidden_size, x))
        elif packed is None:
            want = 2 if unbatched else 3
            if hx[0].dim() != want or hx[1].dim() != want:
                kind = "unbatched 2-D" if unbatched else "batched 3-D"
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            if unbatched:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        elif sorted_indices is not None:
            hx = (hx[0].index_select(1, sorted_indices), hx[1].index_select(1, sorted_indices))
        self.check_forward_args(x, hx, batch_sizes)
        output, h_n, c_n = self._run(self._time_major(x, batch_sizes), hx[0], hx[1], batch_sizes)
        return self._finish(output, (h_n, c_n), packed, batch_sizes, sorted_indices, unsorted_indices, unbatched)


class GRU(RNNBase):
    r"""Gated recurrent unit, PyTorch's gate order (r, z, n):

        r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)            reset gate
        z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)            update gate
        n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))    candidate
        h⁽ᵗ⁾ = (1 − z) ⊙ n + z ⊙ h⁽ᵗ⁻¹⁾

    Shapes as ``RNN``.

    Example::

        >>> gru = nn.GRU(10, 20, 2)
        >>> output, hn = gru(torch.randn(5, 3, 10))
        >>> output.shape, hn.shape
        (chainrule.Size([5, 3, 20]), chainrule.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    forward = RNN.forward


# ----------------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """What the one-step cells share: ``weight_ih`` (G·H, in), ``weight_hh`` (G·H, H), ``bias_ih``,
    ``bias_hh`` (G·H,), all ~ U(−1/√H, 1/√H), and the input checks."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(factories.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(factories.empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(factories.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(factories.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, hx, n_states: int):
        """Batch the input (1-D → 1 row), default the state(s) to zeros, check sizes as PyTorch does."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, not {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        states = None if hx is None else (tuple(hx) if n_states == 2 else (hx,))
        if states is not None:
            for idx, value in enumerate(states):
                if value.dim() not in (1, 2):
                    what = f"hx[{idx}]" if n_states == 2 else "hidden"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {value.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if states is None:
            zeros = Tensor._make(np.zeros((input.size(0), self.hidden_size), dtype=input._data.dtype))
            states = (zeros,) * n_states
        elif not batched:
            states = tuple(s.unsqueeze(0) for s in states)
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        for idx, s in enumerate(states):
            if input.size(0) != s.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{idx} batch size "
                                   f"{s.size(0)}")
            if s.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{idx} has inconsistent hidden_size: got {s.size(1)}, expected "
                                   f"{self.hidden_size}")
        return input, states, batched

    def _input_part(self, input, fold_b_hh: bool = True):
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        if fold_b_hh and self.bias_hh is not None:
            gi = gi + self.bias_hh
        return gi


class RNNCell(RNNCellBase):
    """One step of ``RNN``: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu).

    Shapes: input (N, in) or (in,), hx (N, hidden) or (hidden,) (zeros if omitted) → h' (N, hidden)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        input, (h,), batched = self._prepare(input, hx, 1)
        out = _rnn_step(self._input_part(input), h, self.weight_hh.t(), self.nonlinearity == "relu")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One step of ``LSTM`` (gates i, f, g, o): returns (h', c').

    Shapes: input (N, in) or (in,), hx = (h, c) each (N, hidden) or (hidden,) (zeros if omitted)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h, c), batched = self._prepare(input, hx, 2)
        h, c = _lstm_step(self._input_part(input), h, c, self.weight_hh.t(), None, self.hidden_size)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One step of ``GRU`` (gates r, z, n): h' = (1 − z) ⊙ n + z ⊙ h.

    Shapes: input (N, in) or (in,), hx (N, hidden) or (hidden,) (zeros if omitted) → h' (N, hidden)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h,), batched = self._prepare(input, hx, 1)
        out = _gru_step(self._input_part(input, fold_b_hh=False), h, self.weight_hh, self.bias_hh,
                        self.hidden_size)
        return out if batched else out.squeeze(0)
