"""Comparisons (``== < >=`` …), logical and bitwise operators, and element tests (``isnan``,
``any``): no gradients."""
from __future__ import annotations

import numpy as np

from ..ops import elementwise as E
from ..ops.reduce import normalize_dims
from .common import _data

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class ComparisonMixin:
    """``a < b``, ``a & b``, ``a.isclose(b)``, ``a.any()`` …: boolean or integer results, outside the graph."""

    __slots__ = ()

    def _compare(self, other, fn):
        try:
            return Tensor._make(np.asarray(fn(self._data, _data(other))))
        except ValueError:
            raise E.broadcast_error(fn.__name__, self, other) from None

    def __eq__(self, other):
        if other is None:          # PyTorch: ``t == None`` is plainly False
            return False
        return self._compare(other, np.equal)

    def __ne__(self, other):
        if other is None:
            return True
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __and__(self, other):
        return self._compare(other, np.logical_and if self._data.dtype == np.bool_ else np.bitwise_and)

    def __or__(self, other):
        return self._compare(other, np.logical_or if self._data.dtype == np.bool_ else np.bitwise_or)

    def __xor__(self, other):
        return self._compare(other, np.logical_xor if self._data.dtype == np.bool_ else np.bitwise_xor)

    def __invert__(self):
        return Tensor._make(np.logical_not(self._data) if self._data.dtype == np.bool_ else ~self._data)

    def logical_not(self):
        return Tensor._make(np.logical_not(self._data))

    def equal(self, other) -> bool:
        return self._data.shape == _data(other).shape and bool(np.array_equal(self._data, _data(other)))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return bool(np.allclose(self._data, _data(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    def isnan(self):
        return Tensor._make(np.isnan(self._data))

    def isinf(self):
        return Tensor._make(np.isinf(self._data))

    def isfinite(self):
        return Tensor._make(np.isfinite(self._data))

    def any(self, dim=None, keepdim=False):
        if isinstance(dim, (tuple, list)) and not dim:    # PyTorch: no dims, no reduction
            return Tensor._make(self._data != 0)
        return Tensor._make(np.any(self._data, axis=_axes(dim, self._data.ndim), keepdims=keepdim))

    def all(self, dim=None, keepdim=False):
        if isinstance(dim, (tuple, list)) and not dim:
            return Tensor._make(self._data != 0)
        return Tensor._make(np.all(self._data, axis=_axes(dim, self._data.ndim), keepdims=keepdim))

    def nonzero(self, as_tuple=False):
        # a 0-d tensor is one element (PyTorch: shape (1, 0) or (0, 0); as_tuple: one index of 0 or 1 zeros)
        idx = np.nonzero(self._data.reshape(1)) if self._data.ndim == 0 else np.nonzero(self._data)
        if self._data.ndim == 0 and not as_tuple:
            return Tensor._make(np.zeros((len(idx[0]), 0), dtype=np.int64))
        if as_tuple:
            return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
        return Tensor._make(np.stack(idx, axis=-1).astype(np.int64))

    def count_nonzero(self, dim=None):
        return Tensor._make(np.asarray(np.count_nonzero(self._data, axis=_axes(dim, self._data.ndim)),
                                       dtype=np.int64))

    def logical_and(self, other):
        return Tensor._make(np.logical_and(self._data, _data(other)))

    def logical_or(self, other):
        return Tensor._make(np.logical_or(self._data, _data(other)))

    def logical_xor(self, other):
        return Tensor._make(np.logical_xor(self._data, _data(other)))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        if isinstance(other, Tensor) and other._data.dtype != self._data.dtype:
            raise RuntimeError(f"{_scalar_name(self._data.dtype)} did not match {_scalar_name(other._data.dtype)} "
                               f"(isclose compares tensors of one dtype: convert one with .to())")
        return Tensor._make(np.isclose(self._data, _data(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def _scalar_name(dtype) -> str:
    """PyTorch's scalar-type name of a NumPy dtype (``Float``, ``Long`` …), as its dtype errors say."""
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(np.dtype(dtype).name, str(dtype))


def _axes(dim, ndim: int):
    """``dim`` (None, an int or a list of ints) as NumPy's axis, with PyTorch's range check and errors."""
    if dim is None:
        return None
    return normalize_dims(dim, ndim)
