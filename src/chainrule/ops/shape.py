"""Shape ops: reshape/view, squeeze/unsqueeze, transpose/permute, expand, repeat, cat, stack,
and reading by index (basic slicing, integer arrays, boolean masks) — forward beside backward.

Shape ops move numbers without changing them, so each backward moves the gradient back.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op


class Reshape(Op):
    """out = a with a new shape;  ∂L/∂a = g reshaped back"""
    _name = "ViewBackward0"
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Op):
    """out = a with axes reordered;  ∂L/∂a = g with the inverse order"""
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, np.argsort(ctx.axes))


class Expand(Op):
    """out = a broadcast to a larger shape (a view);  the engine sums the gradient back"""
    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g


class Repeat(Op):
    """out = a tiled ``reps`` times along each axis;  ∂L/∂a = Σ over the tiles"""
    @staticmethod
    def forward(ctx, a, reps):
        ctx.shape = a.shape
        ctx.reps = reps
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx, g):
        shape = (1,) * (len(ctx.reps) - len(ctx.shape)) + ctx.shape
        split = []
        for r, n in zip(ctx.reps, shape):
            split.extend((r, n))
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(ctx.shape)


class Flip(Op):
    """out = a reversed along ``axes``;  ∂L/∂a = g reversed the same way"""
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.flip(a, axes).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.axes)


class Cat(Op):
    """out = the inputs joined along ``dim``;  each input gets its slice of the gradient"""
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        bounds = np.cumsum(ctx.sizes)[:-1]
        return tuple(np.split(g, bounds, axis=ctx.dim))


class Stack(Op):
    """out = the inputs stacked along a new ``dim``;  each input gets its slice of the gradient"""
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.moveaxis(g, ctx.dim, 0))


class Index(Op):
    """out = a[index] (slices, integers, integer arrays, boolean masks);
    ∂L/∂a = zeros with g scattered back — added up where an index repeats"""
    _name = "SelectBackward0"
    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        if not is_basic_index(index):
            ctx._name = "IndexBackward0"
        elif any(isinstance(i, slice) for i in (index if isinstance(index, tuple) else (index,))):
            ctx._name = "SliceBackward0"
        out = a[index]
        if not isinstance(out, np.ndarray):   # x[0] of a vector: a 0-d view, not a copied NumPy scalar
            out = a[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        return out

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if is_basic_index(ctx.index):   # slices and integers never repeat a place
            out[ctx.index] = g
        else:
            np.add.at(out, ctx.index, g)
        return out


def is_basic_index(index) -> bool:
    """True for indices built only from ints, slices, None and Ellipsis (NumPy's 'basic' indexing)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


class SetItem(Op):
    """out = a with a[index] = v;  ∂L/∂a = g with the overwritten places zeroed, ∂L/∂v = g[index]"""
    _name = "CopySlices"
    @staticmethod
    def forward(ctx, a, index, v):
        ctx.index = index
        ctx.v_shape = np.shape(v)
        out = a.copy()
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, g):
        ga = g.copy()
        ga[ctx.index] = 0
        gv = g[ctx.index]
        return ga, None, gv


def view_positions(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """For each element of ``view`` (an array sharing ``base``'s memory), its flat position in ``base``,
    found from the byte offsets both arrays' strides give — whatever chain of slicing, reshaping and
    transposing made the view."""
    origin = base.__array_interface__["data"][0]
    size = base.itemsize
    b, v = _offsets(base, origin) // size, _offsets(view, origin) // size
    lo = int(b.min()) if b.size else 0
    where = np.full(int(b.max()) - lo + 1 if b.size else 1, -1, dtype=np.int64)
    where[b - lo] = np.arange(base.size, dtype=np.int64).reshape(base.shape)
    return where[v - lo]


def _offsets(a: np.ndarray, origin: int) -> np.ndarray:
    off = np.full(a.shape, a.__array_interface__["data"][0] - origin, dtype=np.int64)
    for k, (n, stride) in enumerate(zip(a.shape, a.strides)):
        shape = [1] * a.ndim
        shape[k] = n
        off += (np.arange(n, dtype=np.int64) * stride).reshape(shape)
    return off


class CopySlices(Op):
    """The base tensor after some of its places were changed in place through a view (``y[0].mul_(2)``,
    ``y.t()[1] = v``): out = base with the places ``positions`` (flat indices, shaped like the view)
    holding the view's new values (the memory already holds them);
    ∂L/∂base_before = g with those places zeroed,  ∂L/∂view = g at those places"""
    _name = "CopySlices"

    @staticmethod
    def forward(ctx, base, positions, view):
        ctx.positions = positions
        return base

    @staticmethod
    def backward(ctx, g):
        ga = np.array(g, copy=True, order="C")
        ga.reshape(-1)[ctx.positions] = 0
        return ga, None, np.asarray(g).reshape(-1)[ctx.positions]


# -- explain rules (see chainrule/explain/rules.py) ----------------------------------------------------
Cat.explain = lambda E, n, *args, out: E.rule(E.func("cat", *args))
Stack.explain = lambda E, n, *args, out: E.rule(E.func("stack", *args))
Index.explain = lambda E, n, a, index, out: E.rule(E.func("slice", a))
Reshape.explain = lambda E, n, a, *_, out: E.rule(E.func("reshape", a))
Permute.explain = lambda E, n, a, *_, out: E.rule(E.T(a) if len(getattr(n, "axes", ())) == 2 else E.func("permute", a))
