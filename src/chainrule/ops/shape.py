"""Shape ops: reshape/view, squeeze/unsqueeze, transpose/permute, expand, repeat, cat, stack,
and reading by index (basic slicing, integer arrays, boolean masks) — forward beside backward.

Shape ops move numbers without changing them, so each backward moves the gradient back.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op


class Reshape(Op):
    """out = a with a new shape;  ∂L/∂a = g reshaped back.  ``view=True`` (``x.view``) refuses, as PyTorch,
    a shape that the memory layout cannot give without copying (``x.t().view(-1)``)."""
    _name = "ViewBackward0"
    @staticmethod
    def forward(ctx, a, shape, view=False):
        ctx.shape = a.shape
        if view:
            try:
                return np.reshape(a, shape, copy=False)
            except ValueError:
                raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                                   "dimension spans across two contiguous subspaces). Use .reshape(...) "
                                   "instead.") from None
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


def split_index(index, shape) -> tuple:
    """PyTorch's reading of ``a[index]`` as two NumPy steps: ``(basic, advanced)`` with
    ``a[index] == a[basic][advanced]`` (``advanced`` is None when there are no index arrays).

    PyTorch applies integers, slices, None and ``...`` first (basic indexing: a view) and only then the
    index arrays, over the dimensions that are left; NumPy treats an integer beside an index array as one
    more index array, so ``x[0, :, [0, 1]]`` comes out transposed there.  ``index`` holds ints, slices,
    None, Ellipsis, Python bools and NumPy integer/boolean arrays (``tensor_methods.indexing`` turns
    tensors and lists into those).  Boolean masks become the integer arrays of their ``nonzero()``, a
    Python bool a new dimension of size 1 (True) or 0 (False).  Errors are PyTorch's."""
    items = index if type(index) is tuple else (index,)
    ndim = len(shape)
    used = 0
    for item in items:
        if isinstance(item, np.ndarray) and item.dtype == np.bool_:
            used += item.ndim
        elif not (item is None or item is Ellipsis or isinstance(item, (bool, np.bool_))):
            used += 1
    if used > ndim:
        first = next(i for i in items if i is not Ellipsis)
        if ndim == 0 and isinstance(first, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        if ndim == 0 and isinstance(first, (int, np.integer)) and not isinstance(first, (bool, np.bool_)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, advanced = [], []
    has_arrays = False
    dim = 0
    seen_ellipsis = False
    for item in items:
        if item is Ellipsis:      # (the first one takes the dimensions left; PyTorch lets later ones take none)
            k = 0 if seen_ellipsis else ndim - used
            if not seen_ellipsis:
                basic.append(Ellipsis)
            seen_ellipsis = True
            advanced.extend([slice(None)] * k)
            dim += k
        elif item is None:
            basic.append(None)
            advanced.append(slice(None))
        elif isinstance(item, (bool, np.bool_)) or (isinstance(item, np.ndarray) and item.dtype == np.bool_
                                                    and item.ndim == 0):
            basic.append(None)
            advanced.append(np.arange(1 if item else 0))
            has_arrays = True
        elif isinstance(item, slice):
            if item.step is not None and item.step <= 0:
                raise ValueError("slice step cannot be zero" if item.step == 0 else "step must be greater than zero")
            basic.append(item)
            advanced.append(slice(None))
            dim += 1
        elif isinstance(item, np.ndarray):
            if item.dtype == np.bool_:
                m = item.ndim
                for j in range(m):
                    if item.shape[j] != shape[dim + j]:
                        raise IndexError(f"The shape of the mask {list(item.shape)} at index {j} does not match "
                                         f"the shape of the indexed tensor {list(shape)} at index {dim + j}")
                basic.extend([slice(None)] * m)
                advanced.extend(np.nonzero(item))
                dim += m
            else:
                n = shape[dim]
                if item.size:
                    bad = item[(item >= n) | (item < -n)]
                    if bad.size:
                        raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {n}")
                basic.append(slice(None))
                advanced.append(item)
                dim += 1
            has_arrays = True
        else:                                           # an integer
            n = shape[dim]
            if not -n <= item < n:
                raise IndexError(f"index {int(item)} is out of bounds for dimension {dim} with size {n}")
            basic.append(item)
            dim += 1
    if not has_arrays:
        return tuple(basic), None
    arrays = [i for i in advanced if type(i) is not slice]
    if len(arrays) > 1:
        try:
            np.broadcast_shapes(*(i.shape for i in arrays))
        except ValueError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                             + ", ".join(str(list(i.shape)) for i in arrays)) from None
    return tuple(basic), tuple(advanced)


def check_set_shape(a, basic, advanced, v_shape, v_dtype) -> None:
    """PyTorch's refusal of ``a[index] = v`` with a ``v`` that does not broadcast to ``a[index]``."""
    target = np.shape(a[basic]) if advanced is None else a[basic][advanced].shape
    try:
        if np.broadcast_shapes(tuple(v_shape), target) == tuple(target):
            return
    except ValueError:
        pass
    if advanced is not None:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v_shape)} cannot be broadcast to indexing "
                           f"result of shape {list(target)}")
    if len(v_shape) > len(target):
        kind = {"f8": "Double", "f4": "Float", "i8": "Long", "i4": "Int", "b1": "Bool"}.get(
            np.dtype(v_dtype).str[1:], "")
        raise RuntimeError(f"expand(torch.{kind}Tensor{{{list(v_shape)}}}, size={list(target)}): the number of "
                           f"sizes provided ({len(target)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({len(v_shape)})")
    lead = len(target) - len(v_shape)
    i = next(i for i, n in enumerate(v_shape) if n != 1 and n != target[lead + i])   # (len(v) <= len(target))
    raise RuntimeError(f"The expanded size of the tensor ({target[lead + i]}) must match the existing size "
                       f"({v_shape[i]}) at non-singleton dimension {lead + i}.  Target sizes: {list(target)}.  "
                       f"Tensor sizes: {list(v_shape)}")


def index_name(basic, advanced, setting: bool = False) -> str:
    """PyTorch's name for the view (or copy) ``a[basic][advanced]`` makes: the last view op applied
    (``SelectBackward0`` for an integer, ``SliceBackward0``, ``UnsqueezeBackward0`` for None,
    ``AliasBackward0`` for ``x[...]``), or ``IndexBackward0`` once index arrays take part.  ``setting``:
    for ``a[index] = v``, where a slice over a whole dimension makes no view (None when none is made)."""
    if advanced is not None and not setting:
        return "IndexBackward0"
    name = None
    for item in basic:
        if item is None:
            name = "Unsqueeze"
        elif isinstance(item, slice):
            if not setting or item != slice(None):
                name = "Slice"
        elif item is not Ellipsis:
            name = "Select"
    if setting:
        return name
    return (name or "Alias") + "Backward0"


class Index(Op):
    """out = a[basic][advanced] (``split_index``: integers, slices, None first, then index arrays);
    ∂L/∂a = zeros with g put back in place — added up where an index array repeats a place"""
    _name = "SelectBackward0"
    @staticmethod
    def forward(ctx, a, basic, advanced=None, name=None):
        ctx.shape, ctx.basic, ctx.advanced = a.shape, basic, advanced
        if name is not None:
            ctx._name = name
        out = a[basic]
        if type(out) is not np.ndarray:   # x[0] of a vector: a 0-d view, not a copied NumPy scalar
            out = a[basic + (Ellipsis,)]
        if advanced is None:
            return out
        return np.ascontiguousarray(out[advanced])   # row by row, as PyTorch lays an index result out

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.advanced is None:          # slices and integers never repeat a place
            out[ctx.basic] = g
        else:
            np.add.at(out[ctx.basic], ctx.advanced, g)
        return out


class SetItem(Op):
    """out = a with a[basic][advanced] = v;  ∂L/∂a = g with the overwritten places zeroed,
    ∂L/∂v = g at those places (summed back to v's shape)"""
    _name = "CopySlices"
    @staticmethod
    def forward(ctx, a, basic, advanced, v):
        ctx.basic, ctx.advanced, ctx.v_ndim = basic, advanced, np.ndim(v)
        out = a.copy()
        try:
            if advanced is None:
                out[basic] = v
            else:
                out[basic][advanced] = v
        except ValueError:
            check_set_shape(a, basic, advanced, np.shape(v), np.asarray(v).dtype)
            raise
        return out

    @staticmethod
    def backward(ctx, g):
        ga = g.copy()
        if ctx.advanced is None:
            ga[ctx.basic] = 0
            gv = g[ctx.basic]
        else:
            ga[ctx.basic][ctx.advanced] = 0
            gv = g[ctx.basic][ctx.advanced]
        gv = np.asarray(gv)
        if gv.ndim < ctx.v_ndim:     # v had leading 1s that the assignment dropped (x[0] = v of shape (1, n))
            gv = gv.reshape((1,) * (ctx.v_ndim - gv.ndim) + gv.shape)
        return ga, None, None, gv


class Fill(Op):
    """out = a with every element set to ``value`` (``fill_``, ``zero_``): written, not computed, so inf or
    NaN in ``a`` leave no trace;  ∂L/∂a = 0,  ∂L/∂value = Σ g (when value is a 0-d tensor)"""
    @staticmethod
    def forward(ctx, a, value):
        return np.full(a.shape, value, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), g.sum()


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
class AsStrided(Op):
    """A view read again from its base after the base (or another view of it) changed in place, so that
    it carries the base's new history (PyTorch's ``AsStridedBackward0``): out = the base's elements at
    ``positions`` (flat indices, shaped like the view; the view's memory already holds them);
    ∂L/∂base = zeros with g put at those places — added up where an expanded view repeats one"""
    _name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, base, positions, repeats=False):
        ctx.shape, ctx.positions, ctx.repeats = base.shape, positions, repeats
        return base

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.repeats:
            np.add.at(out.reshape(-1), ctx.positions, g)
        else:
            out.reshape(-1)[ctx.positions] = g
        return out


class RefusedView(Op):
    """A view whose base changed in place with grad mode on, but which PyTorch refuses to re-base (it was
    taken under ``no_grad``, or it is a piece of ``split``/``unbind``): using the view in an op that records
    raises PyTorch's message (``Tensor._edge``), as does a gradient reaching it."""
    _name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, base, message):
        ctx.message = message
        return base

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(ctx.message)
