"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``, ``ConvTranspose2d``.

Each holds ``weight`` and ``bias`` and calls its ``nn.functional`` form; attributes, defaults,
initialisation, ``state_dict`` keys and ``print(model)`` are PyTorch's.
"""
from __future__ import annotations

import math

from ... import factories
from ...tensor import Parameter
from .. import functional as F, init
from ..module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """What every convolution layer shares: arguments checked as PyTorch checks them, the weight and bias,
    PyTorch's initialisation and ``extra_repr``."""

    _dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, device=None, dtype=None):
        super().__init__()
        d = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, d)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {{'zeros', 'replicate', 'circular', 'reflect'}}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, d)
        self.stride = _ntuple(stride, d)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, d)
        self.dilation = _ntuple(dilation, d)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, d)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's argument for padding_mode != 'zeros': (left, right) of the last dim first
        if isinstance(self.padding, str):
            pairs = []
            if padding == "same":
                for dl, k in zip(self.dilation, self.kernel_size):
                    total = dl * (k - 1)
                    pairs += [total // 2, total - total // 2]
            else:
                pairs = [0, 0] * d
            self._reversed_padding_repeated_twice = [
                v for i in reversed(range(d)) for v in (pairs[2 * i], pairs[2 * i + 1])]
        else:
            self._reversed_padding_repeated_twice = tuple(p for p in reversed(self.padding) for _ in range(2))
        kw = dict(device=device, dtype=dtype)
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(factories.empty(shape, **kw))
        if bias:
            self.bias = Parameter(factories.empty(out_channels, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """W ~ U(−1/√fan_in, 1/√fan_in) via kaiming_uniform_(a=√5), b ~ U(−1/√fan_in, 1/√fan_in), with
        fan_in = weight.size(1)·Π kernel_size (PyTorch's defaults)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        d = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * d:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input, weight, bias, conv):
        if self.padding_mode != "zeros":
            return conv(F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), weight, bias,
                        self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """y[n, o, i] = b[o] + Σ_{c, p} W[o, c, p] · x[n, c, i·s + p·d − pad] — a kernel slid along one axis.

    Shapes: input (N, C_in, L) or (C_in, L) → (N, C_out, L_out), L_out = ⌊(L + 2·pad − d·(k − 1) − 1)/s⌋ + 1;
    ``weight`` (C_out, C_in/groups, k), ``bias`` (C_out,).  Init: kaiming_uniform_(a=√5) and
    b ~ U(−1/√fan_in, 1/√fan_in), fan_in = C_in/groups·k."""

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias, F.conv1d)


class Conv2d(_ConvNd):
    r"""A 2-d convolution (cross-correlation): every output cell is the kernel-weighted sum of the window under it,

        y[n, o, i, j] = b[o] + Σ_{c, p, q} W[o, c, p, q] · x[n, c, i·s₁ + p·d₁ − pad₁, j·s₂ + q·d₂ − pad₂]

    (with ``groups`` = G, output channel o sees only input channels of its group).  Backward:
    ∂L/∂W[o, c, p, q] = Σ_{n, i, j} g[n, o, i, j]·x[…] (the sum over every place the kernel visited) and
    ∂L/∂x = the full correlation of g with the flipped kernel.

    Shapes: input (N, C_in, H, W) or (C_in, H, W) → (N, C_out, H_out, W_out) with
    H_out = ⌊(H + 2·pad − d·(kH − 1) − 1)/s⌋ + 1; ``weight`` (C_out, C_in/groups, kH, kW), ``bias`` (C_out,).
    ``padding`` may be an int, a pair, 'valid' or 'same'; ``padding_mode`` 'zeros', 'reflect',
    'replicate' or 'circular'.  Init: kaiming_uniform_(a=√5), b ~ U(−1/√fan_in, 1/√fan_in).

    Example::

        >>> conv = nn.Conv2d(1, 6, 5, padding=2)
        >>> conv(torch.ones(64, 1, 28, 28)).shape
        chainrule.Size([64, 6, 28, 28])
    """

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias, F.conv2d)


class Conv3d(_ConvNd):
    """Conv2d with three spatial dims: input (N, C_in, D, H, W), ``weight`` (C_out, C_in/groups, kD, kH, kW)."""

    _dims = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias, F.conv3d)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                 dilation, padding_mode, device, dtype):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {self.__class__.__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size) -> tuple:
        """The output_padding that makes the output ``output_size`` (PyTorch's rule and errors)."""
        if output_size is None:
            return self.output_padding
        d = self._dims
        output_size = list(output_size)
        if len(output_size) == d + 2 or (len(output_size) == d + 1 and input.dim() == d + 1):
            output_size = output_size[-d:]
        if len(output_size) != d:
            raise ValueError(f"ConvTranspose{d}D: for {input.dim()}D input, output_size must have {d} or {d + 2} "
                             f"elements (got {len(output_size)})")
        lows, highs = [], []
        for i in range(d):
            size = input.shape[input.dim() - d + i]
            lows.append((size - 1) * self.stride[i] - 2 * self.padding[i]
                        + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            highs.append(lows[-1] + self.stride[i] - 1)
        if not all(lo <= o <= hi for lo, o, hi in zip(lows, output_size, highs)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {lows} to "
                             f"{highs} (for an input of {list(input.shape[-d:])})")
        return tuple(o - lo for o, lo in zip(output_size, lows))


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint of Conv1d (a learnable upsampling): input (N, C_in, L) → (N, C_out, L_out),
    L_out = (L − 1)·s − 2·pad + d·(k − 1) + output_padding + 1; ``weight`` (C_in, C_out/groups, k)."""

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                                  self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """The adjoint of Conv2d: every input cell adds a W-weighted copy of the kernel to the output,

        full[n, o, i·s + p·d, j·s + q·d] += Σ_c x[n, c, i, j]·W[c, o, p, q],   then ``padding`` cut from each side.

    Shapes: input (N, C_in, H, W) → (N, C_out, H_out, W_out), H_out = (H − 1)·s − 2·pad + d·(kH − 1) +
    output_padding + 1; ``weight`` (C_in, C_out/groups, kH, kW), ``bias`` (C_out,).  ``forward(x, output_size)``
    picks the output_padding that gives that size.  Init as Conv2d's (fan_in = C_out/groups·kH·kW)."""

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                                  self.dilation)
