"""Changing shape without changing the numbers: ``reshape``/``view``, ``permute``, ``expand``, ``split`` …"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..ops import shape as S
from ..ops.reduce import normalize_dims
from .common import _as_view, _named, _shape_arg, mark_pieces

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class ShapeMixin:
    """``x.view(2, -1)``, ``x.transpose(0, 1)``, ``x.expand(4, 3)``, ``x.split(2)`` …; views share memory and
    version counter with ``x``."""

    __slots__ = ()

    def reshape(self, *shape):
        shape = _shape_arg(shape)
        return _as_view(self, S.Reshape.apply(self, _resolve_shape(shape, self._data.size, "reshape", self.shape)))

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (dtypes.dtype,)):
            raise RuntimeError("view(dtype) is not supported; use .to(dtype)")
        new = _resolve_shape(_shape_arg(shape), self._data.size, "view", self.shape)
        return _as_view(self, S.Reshape.apply(self, new, True))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        nd = self._data.ndim
        if nd == 0:
            normalize_dims(start_dim, 0), normalize_dims(end_dim, 0)    # only 0 and -1 name its one place
            return self.reshape(1)
        s, e = normalize_dims(start_dim, nd)[0], normalize_dims(end_dim, nd)[0]
        if s > e:
            raise RuntimeError(f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim "
                               f"({end_dim}) for a tensor of shape {tuple(self.shape)}")
        shape = self._data.shape
        new = shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:]
        return _as_view(self, S.Reshape.apply(self, new))

    def unflatten(self, dim, sizes):
        if self._data.ndim == 0:
            raise RuntimeError(f"unflatten got an unexpected error:\nDimension specified as {dim} but tensor has "
                               f"no dimensions")
        d = normalize_dims(dim, self._data.ndim)[0]
        shape = self._data.shape
        sizes = _resolve_shape(tuple(sizes), shape[d], "unflatten", (shape[d],))
        return _as_view(self, S.Reshape.apply(self, shape[:d] + sizes + shape[d + 1:]))

    def squeeze(self, dim=None):
        shape = self._data.shape
        if dim is None:
            new = tuple(n for n in shape if n != 1)
        elif isinstance(dim, (tuple, list)) and not dim:    # squeeze(()): no dimension named, nothing to do
            new = shape
        else:
            dims = normalize_dims(dim, self._data.ndim)
            new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
        out = _as_view(self, S.Reshape.apply(self, new))
        return _named(out, True, "SqueezeBackward0" if dim is None else "SqueezeBackward1")

    def unsqueeze(self, dim):
        nd = self._data.ndim + 1
        if not -nd <= dim < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
        d = dim % nd
        shape = self._data.shape
        return _named(_as_view(self, S.Reshape.apply(self, shape[:d] + (1,) + shape[d:])), True, "UnsqueezeBackward0")

    def transpose(self, dim0, dim1):
        nd = self._data.ndim
        a, b = normalize_dims(dim0, nd), normalize_dims(dim1, nd)    # (a 0-d tensor takes dims 0 and -1)
        axes = list(range(nd))
        if nd:
            axes[a[0]], axes[b[0]] = axes[b[0]], axes[a[0]]
        return _named(_as_view(self, S.Permute.apply(self, tuple(axes))), True, "TransposeBackward0")

    swapaxes = transpose

    def t(self):
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
        axes = (1, 0) if self._data.ndim == 2 else tuple(range(self._data.ndim))
        return _named(_as_view(self, S.Permute.apply(self, axes)), True, "TBackward0")   # a new view, as PyTorch

    def permute(self, *dims):
        if not dims:
            raise TypeError('permute() missing 1 required positional arguments: "dims" (list every dimension '
                            'in its new order, e.g. x.permute(1, 0))')
        dims = _shape_arg(dims)
        nd = self._data.ndim
        if len(dims) != nd:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                               f"the length of the desired ordering of dimensions i.e. input.dim() = {nd} "
                               f"is not equal to len(dims) = {len(dims)}")
        axes = tuple(normalize_dims(d, nd)[0] for d in dims) if nd else ()
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"permute(): duplicate dims are not allowed (got {list(dims)} for a tensor of "
                               f"shape {tuple(self.shape)}); list every dimension exactly once")
        return _as_view(self, S.Permute.apply(self, axes))

    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        shape = self._data.shape
        if len(sizes) < len(shape):
            raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
                               f"the number of dimensions in the tensor ({len(shape)})")
        lead = len(sizes) - len(shape)
        full = tuple(shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
        for i, n in enumerate(shape):
            if n != 1 and n != full[i + lead]:
                raise RuntimeError(f"expand: the expanded size of the tensor ({full[i + lead]}) must match the "
                                   f"existing size ({n}) at non-singleton dimension {i + lead}. Target sizes: "
                                   f"{list(sizes)}. Tensor sizes: {list(shape)}")
        return _as_view(self, S.Expand.apply(self, full))

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *reps):
        reps = _shape_arg(reps)
        if len(reps) < self._data.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                               "dimensions of tensor")
        return S.Repeat.apply(self, reps)

    def flip(self, *dims):
        if not dims:
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
        dims = _shape_arg(dims)
        # flip(()) names no dimension: nothing is reversed (not every dimension, as sum(dim=()) would read it)
        return S.Flip.apply(self, normalize_dims(dims, self._data.ndim) if dims else ())

    def split(self, split_size, dim=0):
        return split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return chunk(self, chunks, dim)

    def unbind(self, dim=0):
        _needs_dimensions(self, dim)
        d = normalize_dims(dim, self._data.ndim)[0]
        return mark_pieces(tuple(self.select(d, i) for i in range(self._data.shape[d])), "Unbind", self)

    def movedim(self, source, destination):
        nd = self._data.ndim
        src = normalize_dims(source, nd)
        dst = normalize_dims(destination, nd)
        order = [d for d in range(nd) if d not in src]
        for s_, d_ in sorted(zip(dst, src)):
            order.insert(s_, d_)
        return self.permute(tuple(order))

    moveaxis = movedim

    def tile(self, *reps):
        reps = _shape_arg(reps)
        return self.repeat(*((1,) * (self._data.ndim - len(reps)) + reps))


def _resolve_shape(shape, size, op, from_shape):
    """Fill one ``-1`` and check that the element count is kept."""
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (-1) in shape {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s} in {list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
                               f"(from shape {list(from_shape)})")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
                           f"(from shape {list(from_shape)})")
    return shape


def _needs_dimensions(t, dim) -> None:
    """PyTorch's refusal of a dimension of a 0-d tensor for ops that need one to walk along."""
    if t._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


def split(t, split_size_or_sections, dim=0):
    if t._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = normalize_dims(dim, t._data.ndim)[0]
    n = t._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and not (step == 0 and n == 0):
            raise RuntimeError(f"split: split_size must be positive (got {step}; it can only be 0 if the "
                               f"dimension size is 0, but dimension {d} has size {n})")
        sizes = ([min(step, n - i) for i in range(0, n, step)] if step else []) or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(t.narrow(d, start, s))
        start += s
    return mark_pieces(tuple(out), "Split" if isinstance(split_size_or_sections, int) else "SplitWithSizes", t)


def chunk(t, chunks, dim=0):
    if t._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = normalize_dims(dim, t._data.ndim)[0]
    n = t._data.shape[d]
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if n == 0:  # PyTorch hands back `chunks` empty pieces
        return mark_pieces(tuple(t.narrow(d, 0, 0) for _ in range(chunks)), "Split", t)
    return split(t, -(-n // chunks), d)
