"""Where the largest, smallest or k-th values sit: ``argmax``/``argmin``, ``sort``, ``argsort``, ``topk``."""
from __future__ import annotations

import numpy as np

from ..ops.reduce import normalize_dims
from .common import _MinMax

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class OrderingMixin:
    """``x.argmax(dim)``, ``x.sort(dim)`` → (values, indices), ``x.topk(k)`` → (values, indices)."""

    __slots__ = ()

    def argmax(self, dim=None, keepdim=False):
        return _arg_extreme(self, np.argmax, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _arg_extreme(self, np.argmin, dim, keepdim)

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) along ``dim``; values carry gradients back to where they came from."""
        d = normalize_dims(dim, self._data.ndim)[0] if self._data.ndim else None
        if d is None:
            return _MinMax((self.clone(), Tensor._make(np.zeros((), dtype=np.int64))))
        key = -self._data if descending and self._data.dtype.kind != "b" else self._data
        idx = np.argsort(key, axis=d, kind="stable")
        if descending and self._data.dtype.kind == "b":
            idx = np.flip(np.argsort(self._data, axis=d, kind="stable"), d)
        out = _MinMax((self.gather(d, Tensor._make(idx)), Tensor._make(idx.astype(np.int64))))
        out.kind = "sort"
        return out

    def argsort(self, dim=-1, descending=False, stable=False):
        return self.sort(dim, descending, stable)[1]

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest (or smallest) entries along ``dim``: (values, indices)."""
        values, indices = self.sort(dim, descending=largest)
        d = normalize_dims(dim, self._data.ndim)[0] if self._data.ndim else 0
        if k < 0:
            raise RuntimeError(f"topk: k must not be negative (got {k})")
        if self._data.ndim and k > self._data.shape[d]:
            raise RuntimeError(f"topk: k ({k}) is larger than the size of dimension {d} "
                               f"({self._data.shape[d]}) of a tensor of shape {tuple(self.shape)}")
        out = _MinMax((values.narrow(d, 0, k), indices.narrow(d, 0, k))) if self._data.ndim else \
            _MinMax((values, indices))
        out.kind = "topk"
        return out


def _arg_extreme(t, fn, dim, keepdim):
    if dim is None:
        out = np.asarray(fn(t._data.reshape(-1)), dtype=np.int64)
        return Tensor._make(out.reshape((1,) * t._data.ndim) if keepdim else out)
    axis = normalize_dims(dim, t._data.ndim)[0]
    out = fn(t._data, axis=axis)
    if keepdim:
        out = np.expand_dims(out, axis)
    return Tensor._make(np.asarray(out, dtype=np.int64))
