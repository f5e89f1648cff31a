"""Reductions and normalisers: sum, mean, prod, max/min, amax/amin, var/std, norm, logsumexp,
softmax, log_softmax — each forward beside its vector-Jacobian product.

``dim`` is None (reduce everything), an int or a tuple of ints, negative allowed; ``keepdim`` keeps
reduced axes with size 1.  A backward first restores the reduced axes (``_expand``) so the
incoming gradient broadcasts against the input.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .elementwise import sign_array


def normalize_dims(dim, ndim: int):
    """``dim`` as a tuple of non-negative axes (None → all axes)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        dims = dim
    else:
        dims = (dim,)
    n = max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        out.append(d % n if ndim else 0)
    if len(out) > 1 and len(set(out)) != len(out):
        twice = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {twice} appears multiple times in the list of dims {list(dims)}")
    return tuple(out) if ndim else ()


def one_dim(dim, ndim: int):
    """One ``dim`` as a non-negative axis, or None for a 0-d tensor (whose only dims are 0 and −1);
    out-of-range dims raise PyTorch's IndexError either way."""
    axes = normalize_dims(dim, ndim)
    return axes[0] if ndim else None


def check_nonempty(a: np.ndarray, axes, fn: str, error=IndexError) -> None:
    """PyTorch's errors for a max/min-like reduction (no identity element) over nothing: with no dim given
    (``axes`` None) the tensor must not be empty (``error``: IndexError for argmax, RuntimeError for
    amax); with dims, none of them may have size 0."""
    if a.size:
        return
    if axes is None:
        raise error(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0."
                    + (" Specify the reduction dim with the 'dim' argument." if error is RuntimeError else ""))
    for ax in axes:
        if a.shape[ax] == 0:
            raise IndexError(f"{fn}(): Expected reduction dim {ax} to have non-zero size.")


def count_over(shape: tuple, axes: tuple) -> int:
    """How many elements a reduction over ``axes`` combines (the n of a mean or a variance)."""
    n = 1
    for ax in axes:
        n *= shape[ax]
    return n


def _expand(g: np.ndarray, axes: tuple, keepdim: bool) -> np.ndarray:
    """Re-insert reduced axes (as size 1) so ``g`` broadcasts against the reduction's input."""
    if keepdim or not axes:
        return g
    return np.expand_dims(g, axes)


#: PyTorch's CPU sum of a few floats keeps four accumulators (x₀, x₁, x₂, x₃), adds the tail into the
#: first and then the four in order.  float32 adds the tail one by one (((x₀ + x₄) + x₅) + x₆); float64,
#: from 6 entries, sums the tail apart first (x₀ + ((x₄ + x₅) + x₆)).  Both are a left-to-right sum of
#: the summands below, measured bit-equal to ``torch.sum`` up to 7 entries (torch 2.13, x86-64); longer
#: sums take PyTorch's vectorised paths and NumPy's pairwise one, whose orders differ.
_SCALAR_PATH_LIMIT = {np.dtype(np.float32): 7, np.dtype(np.float64): 7}


def _summands_in_torch_order(a: np.ndarray, axes) -> np.ndarray | None:
    """A full reduction's 4–7 entries reordered so that NumPy's left-to-right sum (its loop below 8
    entries) adds them as PyTorch does; None for every other reduction."""
    n = a.size
    if (n < 4 or n > _SCALAR_PATH_LIMIT.get(a.dtype, 0) or (axes is not None and len(set(axes)) != a.ndim)
            or type(a) is not np.ndarray):   # a double-backward stand-in records a plain sum
        return None
    x = np.ravel(a, order="K")
    if a.dtype == np.float64 and n >= 6:
        return np.array([x[0], np.sum(x[4:]), x[1], x[2], x[3]], dtype=a.dtype)
    return x[[0, *range(4, n), 1, 2, 3]]


def _sum_as_torch(a: np.ndarray, axes, keepdim: bool, dtype=None):
    """np.sum(a, axes, keepdims), a small full reduction added in PyTorch's order."""
    summands = _summands_in_torch_order(a, axes)
    if summands is None:
        return np.sum(a, axis=axes, keepdims=keepdim, dtype=dtype)
    out = np.sum(summands, dtype=dtype)
    return np.asarray(out).reshape((1,) * a.ndim) if keepdim else out


class Sum(Op):
    """out = Σᵢ aᵢ;  ∂out/∂aᵢ = 1"""
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, dtype=None):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return _sum_as_torch(a, axes, keepdim, dtype)

    @staticmethod
    def backward(ctx, g):
        return np.broadcast_to(_expand(g, ctx.axes, ctx.keepdim), ctx.shape)


class Mean(Op):
    """out = (1/n) Σᵢ aᵢ;  ∂out/∂aᵢ = 1/n"""
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.n = n = count_over(a.shape, axes)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _sum_as_torch(a, axes, keepdim) / a.dtype.type(n)

    @staticmethod
    def backward(ctx, g):
        g = _expand(g, ctx.axes, ctx.keepdim) / g.dtype.type(max(ctx.n, 1))
        return np.broadcast_to(g, ctx.shape)


class Prod(Op):
    """out = Πᵢ aᵢ;  ∂out/∂aᵢ = Π_{j≠i} aⱼ, as PyTorch evaluates it: out/aᵢ when no entry is 0, the
    product of the others (exclusive cumulative products, no division) when some are — and, for the
    full product, 0 everywhere when two or more entries are 0."""
    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False):
        out = np.asarray(np.prod(a, axis=axis, keepdims=keepdim))
        ctx.save_for_backward(a, out)   # the output too, as PyTorch: changing it in place is refused
        ctx.axis, ctx.keepdim = axis, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if a.ndim == 0:
            return g
        zeros = np.count_nonzero(a == 0)
        if axis is None:
            if zeros == 0:
                return g * (out / a)
            if zeros > 1:
                return np.zeros(a.shape, dtype=g.dtype)
            return g * _prod_of_others(a.reshape(-1), 0).reshape(a.shape)
        g = _expand(g, (axis,), ctx.keepdim)
        if zeros == 0:
            return g * (_expand(out, (axis,), ctx.keepdim) / a)
        return g * _prod_of_others(a, axis)


def _prod_of_others(a: np.ndarray, axis: int) -> np.ndarray:
    """Π_{j≠i} aⱼ along ``axis``: exclusive cumulative products from the left times from the right.

    Each cumulative product runs in float64 for narrower floats and is rounded once at the end, as
    PyTorch's CPU ``cumprod`` accumulates (so 1e-6 · 5e-42 · −∞ is −∞, not 0 · −∞ = NaN)."""
    acc = np.float64 if a.dtype.kind == "f" and a.dtype.itemsize < 8 else a.dtype
    ones_shape = list(a.shape)
    ones_shape[axis] = 1
    one = np.ones(ones_shape, dtype=acc)
    left = np.cumprod(np.concatenate([one, a.astype(acc)], axis=axis), axis=axis)
    left = np.take(left, range(a.shape[axis]), axis=axis).astype(a.dtype)
    rev = np.flip(a, axis=axis).astype(acc)
    right = np.cumprod(np.concatenate([one, rev], axis=axis), axis=axis)
    right = np.flip(np.take(right, range(a.shape[axis]), axis=axis), axis=axis).astype(a.dtype)
    return left * right


class Amax(Op):
    """out = max over axes;  the gradient is shared evenly among the entries equal to it (PyTorch's amax
    rule).  ``axes`` None is ``max()``/``min()`` of everything, where a NaN maximum shares the gradient
    among the NaN entries (PyTorch's evenly_distribute_backward; amax's rule gives NaN everywhere)."""
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, take_min=False):
        out = (np.amin if take_min else np.amax)(a, axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if ctx.axes is None and a.dtype.kind == "f" and np.isnan(out).all():
            mask = np.isnan(a)
        else:
            mask = (a == out)
        count = mask.sum(axis=ctx.axes, keepdims=True)
        if ctx.axes is None:     # max()/min(): PyTorch selects (a NaN gradient reaches only the chosen entries)
            return np.where(mask, g / count.astype(g.dtype), g.dtype.type(0))
        return _expand(g, ctx.axes, ctx.keepdim) * mask / count.astype(g.dtype)   # amax/amin: multiplies


class MaxAlongDim(Op):
    """values = max (or min) along one dim; the gradient goes to the index that was selected"""
    @staticmethod
    def forward(ctx, a, axis, keepdim=False, take_min=False):
        idx = (np.argmin if take_min else np.argmax)(a, axis=axis)
        idx_k = np.expand_dims(idx, axis)
        ctx.shape, ctx.axis, ctx.keepdim, ctx.idx = a.shape, axis, keepdim, idx_k
        values = np.take_along_axis(a, idx_k, axis=axis)
        return values if keepdim else np.squeeze(values, axis=axis)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(out, ctx.idx, _expand(g, (ctx.axis,), ctx.keepdim), axis=ctx.axis)
        return out


def _centered(a: np.ndarray, axes: tuple):
    """(a − ā) as PyTorch's var/std see it: the mean in the input's dtype, the deviations (and their
    squares, by the caller) in float64 — so float32 values near 1e30 do not overflow when squared."""
    if a.size:
        mean = _sum_as_torch(a, axes, True) / a.dtype.type(count_over(a.shape, axes))
    else:             # NumPy's mean of nothing warns "Mean of empty slice"; PyTorch's is a silent nan
        mean = np.full(np.sum(a, axis=axes, keepdims=True).shape, np.nan, dtype=a.dtype)
    if a.dtype == np.float64:
        return a - mean
    return a.astype(np.float64) - mean.astype(np.float64)


class Var(Op):
    """out = Σ(aᵢ − ā)² / (n − correction);  ∂out/∂aᵢ = 2(aᵢ − ā)/(n − correction)"""
    @staticmethod
    def forward(ctx, a, axes, correction=1, keepdim=False):
        n = count_over(a.shape, axes)
        c64 = _centered(a, axes)
        ctx.save_for_backward(c64.astype(a.dtype, copy=False))
        ctx.axes, ctx.keepdim, ctx.denom = axes, keepdim, max(n - correction, 0)
        if ctx.denom == 0 and len(axes) == a.ndim:   # PyTorch's rule for no degrees of freedom: NaN where
            ctx.tie = (a == a.mean(axis=axes, keepdims=True) if a.size     # a equals its mean (∞·0), else ∞
                       else np.zeros(a.shape, dtype=bool))                  # (NumPy's mean of nothing warns)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (np.sum(c64 * c64, axis=axes, keepdims=keepdim) / ctx.denom).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        centered, = ctx.saved_tensors
        g = _expand(g, ctx.axes, ctx.keepdim)
        if "tie" in ctx.__dict__:
            return g * np.where(ctx.tie, np.nan, np.inf).astype(g.dtype)
        # PyTorch's order, (2/(n − correction))·g·(a − ā): 2·(a − ā) alone overflows float32 near 3e38
        return (g * g.dtype.type(2.0 / ctx.denom)) * centered if ctx.denom else g * (2 * centered / g.dtype.type(0))


class Std(Op):
    """out = √var(a);  ∂out/∂aᵢ = (aᵢ − ā) / ((n − correction)·out), and 0 where out = 0 (PyTorch's rule:
    a constant input has a zero, not NaN, gradient)"""
    @staticmethod
    def forward(ctx, a, axes, correction=1, keepdim=False):
        n = count_over(a.shape, axes)
        c64 = _centered(a, axes)
        ctx.axes, ctx.keepdim, ctx.denom = axes, keepdim, max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.sum(c64 * c64, axis=axes, keepdims=True) / ctx.denom
        out = np.sqrt(var).astype(a.dtype, copy=False)
        ctx.save_for_backward(c64.astype(a.dtype, copy=False), out)
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        centered, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(out == 0, 0, _expand(g, ctx.axes, ctx.keepdim) / (g.dtype.type(ctx.denom) * out))
        return (centered * scale).astype(g.dtype, copy=False)


class Norm(Op):
    """out = (Σ|aᵢ|ᵖ)^(1/p);  for p = 2: ∂out/∂aᵢ = aᵢ/out (0 where out = 0, as PyTorch)"""
    _name = "LinalgVectorNormBackward0"
    @staticmethod
    def forward(ctx, a, p=2.0, axes=None, keepdim=False):
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        absa = np.abs(a)
        if count_over(a.shape, axes) == 1 and p != 0:
            out = absa                 # one value: its norm is |a| (no overflow squaring it, as PyTorch)
        elif p == 0:                     # the "L0 norm": how many entries are non-zero (zero gradient)
            out = np.sum(a != 0, axis=axes, keepdims=True).astype(a.dtype)
        elif p == float("inf"):
            out = np.amax(absa, axis=axes, keepdims=True)
        elif p == 1:
            out = np.sum(absa, axis=axes, keepdims=True)
        elif p == 2:
            out = np.sqrt(np.sum(a * a, axis=axes, keepdims=True))
        else:
            out = np.sum(absa ** p, axis=axes, keepdims=True) ** (1.0 / p)
        out = out.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        p = ctx.p
        g = _expand(g, ctx.axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                local = np.zeros_like(a)
            elif p == float("inf"):      # PyTorch: the entries equal to the norm, or NaN, share it
                absa = np.abs(a)
                mask = (absa == out) | np.isnan(absa)
                local = sign_array(a) * mask / mask.sum(axis=ctx.axes, keepdims=True)
            elif p == 1:
                local = sign_array(a)
            elif p == 2:
                local = np.where(out == 0, 0.0, a / out)
            else:
                local = np.where(out == 0, 0.0, np.sign(a) * np.abs(a) ** (p - 1) / out ** (p - 1))
        return g * local.astype(g.dtype, copy=False)


def logsumexp_array(a: np.ndarray, axes, keepdims: bool = True) -> np.ndarray:
    """log Σ eᵃ, shifted by the maximum so that nothing overflows (−∞ over an empty dim, as PyTorch)."""
    if not a.size:
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(a, axis=axes, keepdims=True))   # log 0 = −∞
        return out if keepdims else np.squeeze(out, axis=axes)
    m = np.amax(a, axis=axes, keepdims=True)
    finite = np.isfinite(m)
    if finite.all():      # Σ e^(a−m) ≥ 1: nothing can overflow or hit log(0)
        out = np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
    else:                 # rows that are all −inf (→ −inf) or hold +inf/NaN (→ inf/NaN), as PyTorch
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.where(finite, m, 0)
            out = np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axes)


class LogSumExp(Op):
    """out = log Σᵢ e^{aᵢ};  ∂out/∂aᵢ = softmax(a)ᵢ"""
    _name = "LogsumexpBackward0"
    @staticmethod
    def forward(ctx, a, axes, keepdim=False):
        with np.errstate(divide="ignore"):
            out = logsumexp_array(a, axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return _expand(g, ctx.axes, ctx.keepdim) * np.exp(a - out)


class Softmax(Op):
    """out = e^{aᵢ} / Σⱼ e^{aⱼ};  ∂L/∂a = out ⊙ (g − Σ g ⊙ out)"""
    @staticmethod
    def forward(ctx, a, axis):
        if not a.size:                 # over (or beside) an empty dim: nothing to normalise
            out = a.copy()
            ctx.save_for_backward(out)
            ctx.axis = axis
            return out
        m = np.amax(a, axis=axis, keepdims=True)
        if np.isfinite(m).all():       # the max element gives e⁰ = 1: the sum is ≥ 1, nothing overflows
            e = np.exp(a - m)
            out = e / np.sum(e, axis=axis, keepdims=True)
        else:                          # a row that is all −inf or holds +inf/NaN gives NaN, as PyTorch
            with np.errstate(invalid="ignore", divide="ignore"):
                e = np.exp(a - m)
                out = e / np.sum(e, axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return out * (g - np.sum(g * out, axis=ctx.axis, keepdims=True))


class LogSoftmax(Op):
    """out = aᵢ − log Σⱼ e^{aⱼ};  ∂L/∂a = g − softmax(a) · Σ g"""
    @staticmethod
    def forward(ctx, a, axis):
        # (a − m) − log Σ e^(a−m), not a − logsumexp(a): the small log term survives in float32
        # (ufunc reductions, not np.amax/np.sum: their Python wrappers cost more than a small batch's work)
        if not a.size:
            out = a.copy()
            ctx.save_for_backward(out)
            ctx.axis = axis
            return out
        m = np.maximum.reduce(a, axis=axis, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            shifted = a - m        # a row holding +∞ or NaN, or all −∞, is NaN throughout, as PyTorch
            out = shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g - np.exp(out) * np.add.reduce(g, axis=ctx.axis, keepdims=True)


class Cumsum(Op):
    """outᵢ = Σ_{j≤i} aⱼ along ``axis``;  ∂L/∂aⱼ = Σ_{i≥j} gᵢ (a cumulative sum from the other end)"""
    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return np.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, g):
        ax = ctx.axis
        return np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)


# -- explain rules (see chainrule/explain/rules.py) ----------------------------------------------------
Sum.explain = lambda E, n, a, *_, out: E.rule(E.sum("k", a), d=(E.one,), vjp=(E.G,))
Mean.explain = lambda E, n, a, *_, out: E.rule(E.mul(E.div(E.one, E.num(n.n)), E.sum("k", a)),
                                             d=(E.div(E.one, E.num(n.n)),), vjp=(E.div(E.G, E.num(n.n)),))
Amax.explain = lambda E, n, a, *_, out: E.rule(E.func("max", a), d=(E.rel(a, "=", out),))
Softmax.explain = lambda E, n, a, *_, out: E.rule(E.func("softmax", a), vjp=(E.had(out, E.paren(E.sub(E.G, E.sum("j", E.had(E.G, out))))),))
LogSoftmax.explain = lambda E, n, a, *_, out: E.rule(E.sub(a, E.func("log", E.sum("j", E.func("exp", a)))),
                                                   vjp=(E.sub(E.G, E.mul(E.func("softmax", a), E.sum("j", E.G))),))
LogSumExp.explain = lambda E, n, a, *_, out: E.rule(E.func("log", E.sum("k", E.func("exp", a))), d=(E.func("softmax", a),))
