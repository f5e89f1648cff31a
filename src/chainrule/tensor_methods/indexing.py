"""Reading and writing parts of a tensor: ``x[i]``, ``x[mask] = v``, ``select``, ``narrow``, ``gather``."""
from __future__ import annotations

import numpy as np

from ..ops import shape as S
from ..ops.reduce import normalize_dims
from .common import _as_view, _data, scalar_of, view_made
from .in_place import _check_no_partial_overlap, _overlap, _refuse_overlap

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class IndexingMixin:
    """``x[1:, idx]``, ``x[mask] = 0``, ``x.narrow(0, 1, 2)``, ``x.gather(1, idx)``; basic indexing gives views."""

    __slots__ = ()

    def __getitem__(self, index):
        basic, advanced = _split(_index_arg(index), self._data.shape)
        out = S.Index.apply(self, basic, advanced, S.index_name(basic, advanced))
        return _as_view(self, out) if advanced is None else out

    def __setitem__(self, index, value):
        idx = _index_arg(index)
        basic, advanced = _split(idx, self._data.shape)
        v = value
        if isinstance(v, (list, tuple, np.ndarray)):
            v = Tensor._make(np.asarray(v, dtype=self._data.dtype))
        if isinstance(v, Tensor):
            lead = 0
            while lead < v._data.ndim and v._data.shape[lead] == 1:
                lead += 1
            if lead:                    # PyTorch drops a value's leading 1s (x[0] = v of shape (1, n))
                v = v.reshape(v._data.shape[lead:])
            if v._vc is self._vc:       # reading memory it writes: PyTorch refuses a partial overlap
                written = self._data[basic]
                if advanced is not None and _overlap(written, v._data):
                    _refuse_overlap()
                elif advanced is None and isinstance(written, np.ndarray):
                    _check_no_partial_overlap(written, v._data, copy=True)
            if v._data.dtype != self._data.dtype:
                # PyTorch converts a one-element value written through masks (masked_fill); index_put does not
                masks_only = all(i.dtype == np.bool_ for i in (idx if type(idx) is tuple else (idx,))
                                 if isinstance(i, np.ndarray))
                if advanced is not None and not (masks_only and v._data.size == 1):
                    S.check_set_shape(self._data, basic, advanced, v._data.shape, v._data.dtype)   # (first)
                    raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                                       f"{_type_name(self._data.dtype)} for the destination and "
                                       f"{_type_name(v._data.dtype)} for the source.")
                v = v.to(self.dtype)
        else:
            v = scalar_of(v, self._data.dtype)
        made = view_made(self) if self._base is not None else None
        if type(made) is tuple:       # a split() piece: PyTorch changes a view of it (and names that view)
            name = S.index_name(basic, advanced, setting=True)
            if name is not None:
                made = (0, name, made[2])
        self._in_place(lambda: S.SetItem.apply(self, basic, advanced, v), "__setitem__", view_kind=made)

    def select(self, dim, index):
        if self._data.ndim == 0:
            raise IndexError("select() cannot be applied to a 0-dim tensor.")
        d = normalize_dims(dim, self._data.ndim)[0]
        return self[(slice(None),) * d + (index,)]

    def narrow(self, dim, start, length):
        if self._data.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        d = normalize_dims(dim, self._data.ndim)[0]
        n = self._data.shape[d]
        if not -n <= start <= n:
            raise IndexError(f"narrow: start out of range (expected to be in range of [{-n}, {n}], but got "
                             f"{start}) for dimension {d} of a tensor of shape {tuple(self.shape)}")
        start = start % n if start < 0 else start
        if length < 0 or start + length > n:
            raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}) "
                               f"of dimension {d} of a tensor of shape {tuple(self.shape)}")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def index_select(self, dim, index):
        d = normalize_dims(dim, self._data.ndim)[0]
        idx = np.asarray(_data(index))
        if idx.dtype.kind not in "iu":
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        if idx.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        n = self._data.shape[d] if self._data.ndim else 1
        if idx.size and n == 0:
            raise RuntimeError("index_select(): self indexing axis dim should be positive")
        if idx.size and (idx.max() >= n or idx.min() < -n):
            raise IndexError("index out of range in self")
        return self[(slice(None),) * d + (idx.reshape(-1),)]

    def gather(self, dim, index):
        return gather(self, dim, index)


def _split(index, shape) -> tuple:
    """``ops.shape.split_index`` of an index already read by ``_index_arg``, naming the shape in its errors."""
    try:
        return S.split_index(index, shape)
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {tuple(shape)})") from None


def _index_arg(index):
    """An index as ``ops.shape.split_index`` reads it, the way PyTorch reads Python's: a 0-d integer tensor
    is an integer (``x[torch.tensor(1)]`` is a view), other tensors and lists become NumPy index arrays
    (uint8 ones are masks; an empty list is an empty integer index), and a list holding slices, None,
    ``...``, tensors or lists means a tuple (``x[[[0, 1], [1, 0]]]`` is ``x[[0, 1], [1, 0]]``)."""
    if type(index) is tuple:
        return tuple(_index_item(i) for i in index)
    if type(index) is list and len(index) < 32 and any(
            i is None or i is Ellipsis or isinstance(i, (slice, list, tuple, Tensor, np.ndarray)) for i in index):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(i):
    if type(i) is int or type(i) is slice or i is None or i is Ellipsis or type(i) is bool:
        return i
    if isinstance(i, Tensor):
        i = i._data
        if i.ndim == 0 and i.dtype.kind in "iu" and i.dtype != np.uint8:
            return int(i)
    elif isinstance(i, (list, tuple)):
        i = np.asarray(i) if len(i) else np.zeros(0, dtype=np.int64)
    elif isinstance(i, np.integer):
        return int(i)
    elif isinstance(i, np.bool_):
        return bool(i)
    elif isinstance(i, int):          # an int subclass (IntEnum …)
        return int(i)
    if isinstance(i, np.ndarray):
        if i.dtype == np.uint8:
            return i.astype(bool)
        if i.dtype.kind in "iub":
            return i
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if hasattr(i, "__index__"):
        return i.__index__()
    raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                     f"indices (got {type(i).__name__})")


def _type_name(np_dtype) -> str:
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool",
            "float16": "Half", "uint8": "Byte"}.get(np_dtype.name, np_dtype.name)


def gather(t, dim, index):
    d = normalize_dims(dim, t._data.ndim)[0]
    idx = index._data
    if idx.ndim != t._data.ndim and not (idx.ndim <= 1 and t._data.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k, (m, n) in enumerate(zip(idx.shape, t._data.shape)):
        if k != d and m > n:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(idx.shape)} to be no "
                               f"larger than self {list(t._data.shape)} apart from dimension {d}")
    n = t._data.shape[d] if t._data.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx[(idx >= n) | (idx < -n)].flat[0])
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return t[tuple(grids)]
