"""Reading and writing parts of a tensor: ``x[i]``, ``x[mask] = v``, ``select``, ``narrow``, ``gather``."""
from __future__ import annotations

import numpy as np

from ..ops import shape as S
from ..ops.reduce import normalize_dims
from .common import _as_view, _data

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class IndexingMixin:
    """``x[1:, idx]``, ``x[mask] = 0``, ``x.narrow(0, 1, 2)``, ``x.gather(1, idx)``; basic indexing gives views."""

    __slots__ = ()

    def __getitem__(self, index):
        idx = _index_arg(index)
        try:
            out = S.Index.apply(self, idx)
        except IndexError as e:
            raise IndexError(f"{e} (indexing a tensor of shape {tuple(self.shape)})") from None
        return _as_view(self, out) if S.is_basic_index(idx) else out

    def __setitem__(self, index, value):
        idx = _index_arg(index)
        v = value
        if isinstance(v, (list, tuple, np.ndarray)):
            v = Tensor._make(np.asarray(v, dtype=self._data.dtype))
        if isinstance(v, Tensor) and v._data.dtype != self._data.dtype:
            v = v.to(self.dtype)
        if not isinstance(v, Tensor):
            v = self._data.dtype.type(v)
        self._in_place(lambda: S.SetItem.apply(self, idx, v), "__setitem__")

    def select(self, dim, index):
        d = normalize_dims(dim, self._data.ndim)[0]
        return self[(slice(None),) * d + (index,)]

    def narrow(self, dim, start, length):
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
        return self[(slice(None),) * d + (_data(index),)]

    def gather(self, dim, index):
        return gather(self, dim, index)


def _index_arg(index):
    """Tensors inside an index become NumPy arrays (integer arrays or boolean masks)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def gather(t, dim, index):
    d = normalize_dims(dim, t._data.ndim)[0]
    idx = index._data
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return t[tuple(grids)]
