"""The three ops a recurrent layer's time loop is built from, beside the ones it shares with every
model (``sigmoid``, ``tanh``, ``mul``, ``add``): each forward next to its vector-Jacobian product.

- ``AddMatmul``: out = c + a·b (PyTorch's ``addmm``, node ``AddmmBackward0``) — one time step's gates,
  the input part x⁽ᵗ⁾·W_ihᵀ (+ biases, computed for all steps at once) plus h⁽ᵗ⁻¹⁾·W_hhᵀ;
- ``Split``: a tensor cut into consecutive pieces along a dimension (``SplitBackward0``) — the gates
  (i, f, g, o) of an LSTM, or the time steps of a packed sequence;
- ``Unbind``: a tensor cut into its slices along a dimension (``UnbindBackward0``) — the time steps.

``Split`` and ``Unbind`` give several outputs from one node, so the backward writes the pieces'
gradients into one array instead of one full-size zero array per piece (what ``t[i]`` would cost).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function, Op, _Tensor


class AddMatmul(Op):
    """out = c + a·b  — c: (n, m) (or broadcastable), a: (n, k), b: (k, m);
    ∂L/∂c = g,  ∂L/∂a = g·bᵀ,  ∂L/∂b = aᵀ·g"""
    _name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, c, a, b):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[2] else None, b if need[1] else None)
        out = a @ b
        out += c
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g if need[0] else None), (g @ b.T if need[1] else None), (a.T @ g if need[2] else None)


class Split(Function):
    """outᵢ = a[.., sᵢ:sᵢ₊₁, ..] along ``dim`` for consecutive ``sizes``;
    ∂L/∂a = the pieces' gradients joined along ``dim`` (zeros for a piece that got none)"""
    _name = "SplitBackward0"

    @staticmethod
    def forward(ctx, a, sizes, dim):
        Tensor = _Tensor[0]
        ctx.dim = dim
        bounds = np.cumsum(sizes)[:-1]
        return tuple(Tensor._make(p) for p in np.split(a._data, bounds, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        Tensor = _Tensor[0]
        return Tensor._make(np.concatenate([g._data for g in grads], axis=ctx.dim)), None, None


class Unbind(Function):
    """outᵢ = a[.., i, ..] along ``dim`` (the dimension removed);  ∂L/∂a = the gradients stacked along ``dim``"""
    _name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        Tensor = _Tensor[0]
        ctx.dim = dim
        arr = np.moveaxis(a._data, dim, 0)
        return tuple(Tensor._make(arr[i]) for i in range(arr.shape[0]))

    @staticmethod
    def backward(ctx, *grads):
        Tensor = _Tensor[0]
        return Tensor._make(np.stack([g._data for g in grads], axis=ctx.dim)), None


def split(tensor, sizes, dim: int = 0) -> tuple:
    """``tensor`` cut into pieces of ``sizes`` along ``dim`` (one node, several outputs)."""
    if len(sizes) == 1:
        return (tensor,)
    return Split.apply(tensor, list(sizes), dim)


def unbind(tensor, dim: int = 0) -> tuple:
    """The slices of ``tensor`` along ``dim`` (one node, several outputs)."""
    return Unbind.apply(tensor, dim)


# -- explain rules (see chainrule/explain/rules.py; the time-step names are explain/patterns/recurrent.py) --
AddMatmul.explain = lambda E, n, c, a, b, out: E.rule(E.add(c, E.juxt(a, b)), d=(E.one, b, a),
                                                      vjp=(E.G, E.juxt(E.G, E.T(b)), E.juxt(E.T(a), E.G)))


def _piece_rule(E, n, a, *rest, out):
    """A piece of ``a``: ``a[:, lo:hi]`` (``Split``: the gates of one step) or ``a[t]`` (``Unbind``: a time step)."""
    from dataclasses import replace
    parent = n.edges[0]
    dim, i = getattr(parent, "dim", 0), n.index
    if isinstance(rest[0], (list, tuple)):          # Split(a, sizes, dim)
        lo = int(sum(rest[0][:i]))
        where = f"{lo}:{lo + int(rest[0][i])}"
    else:
        where = str(i)
    return E.rule(replace(a, sample=",".join([":"] * dim + [where])))


Split.explain = _piece_rule
Unbind.explain = _piece_rule
