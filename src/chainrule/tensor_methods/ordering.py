"""Where the largest, smallest or k-th values sit: ``argmax``/``argmin``, ``sort``, ``argsort``, ``topk``."""
from __future__ import annotations

import numpy as np

from ..ops.reduce import one_dim, check_nonempty
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
        """(values, indices) along ``dim``; values carry gradients back to where they came from.  NaN counts
        as the largest value (PyTorch): last ascending, first descending; ties keep their order."""
        d = one_dim(dim, self._data.ndim)
        if d is None:
            return _MinMax((self.clone(), Tensor._make(np.zeros((), dtype=np.int64))))
        idx = sort_indices(self._data, d, descending)
        out = _MinMax((self.gather(d, Tensor._make(idx)), Tensor._make(idx.astype(np.int64))))
        out.kind = "sort"
        return out

    def argsort(self, dim=-1, descending=False, stable=False):
        return self.sort(dim, descending, stable)[1]

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest (or smallest) entries along ``dim``: (values, indices)."""
        d = one_dim(dim, self._data.ndim)
        if self._data.dtype == np.bool_:
            raise RuntimeError("topk does not support bool dtypes on CPU")
        if d is None and k > 1:
            raise RuntimeError("selected index k out of range")
        values, indices = self.sort(dim, descending=largest)
        if k < 0:
            raise RuntimeError(f"topk: k must not be negative (got {k})")
        if self._data.ndim and k > self._data.shape[d]:
            raise RuntimeError(f"topk: k ({k}) is larger than the size of dimension {d} "
                               f"({self._data.shape[d]}) of a tensor of shape {tuple(self.shape)}")
        out = _MinMax((values.narrow(d, 0, k), indices.narrow(d, 0, k))) if self._data.ndim else \
            _MinMax((values, indices))
        out.kind = "topk"
        return out


def sort_indices(a: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable sorting indices along ``d`` in PyTorch's order: NaN is the largest value (NumPy's argsort
    puts it last, right for ascending only); descending sorts the bitwise complement of integers and bools
    (exact, where −a overflows) and −a of floats, with any NaN first."""
    if not descending:
        return np.argsort(a, axis=d, kind="stable")
    if a.dtype.kind != "f":
        return np.argsort(~a, axis=d, kind="stable")
    nan = np.isnan(a)
    if nan.any():
        return np.lexsort((np.where(nan, 0, -a), ~nan), axis=d)
    return np.argsort(-a, axis=d, kind="stable")


def _arg_extreme(t, fn, dim, keepdim):
    name = "argmin" if fn is np.argmin else "argmax"
    if t._data.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        check_nonempty(t._data, None, name)
        out = np.asarray(fn(t._data.reshape(-1)), dtype=np.int64)
        return Tensor._make(out.reshape((1,) * t._data.ndim) if keepdim else out)
    axis = one_dim(dim, t._data.ndim)
    if axis is None:
        return Tensor._make(np.zeros((), dtype=np.int64))
    check_nonempty(t._data, (axis,), name)
    out = fn(t._data, axis=axis)
    if keepdim:
        out = np.expand_dims(out, axis)
    return Tensor._make(np.asarray(out, dtype=np.int64))
