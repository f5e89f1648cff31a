"""Reductions along dimensions: ``sum``, ``mean``, ``max``/``min``, ``var``/``std``, ``norm``,
``softmax``, ``cumsum`` …"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..ops import reduce as R
from ..ops.reduce import normalize_dims, one_dim, check_nonempty
from .arithmetic import maximum, minimum
from .common import _MinMax, _named

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class ReductionMixin:
    """``x.sum(dim, keepdim)``, ``x.max(dim)`` → (values, indices), ``x.softmax(dim)`` …, each one op in
    ``chainrule.ops.reduce``."""

    __slots__ = ()

    def cumsum(self, dim, dtype=None):
        a = self if dtype is None else self.to(dtype)
        if a._data.dtype.kind in "biu":
            a = a.to(dtypes.int64)
        axis = one_dim(dim, a._data.ndim)
        if axis is None:
            return a.clone()
        return R.Cumsum.apply(a, axis)

    def sum(self, dim=None, keepdim=False, dtype=None):
        a = self
        if dtype is not None:
            a = a.to(dtype)
        elif self._data.dtype.kind in "biu":
            a = a.to(dtypes.int64)
        return _named(R.Sum.apply(a, normalize_dims(dim, self._data.ndim), keepdim), dim, "SumBackward1")

    def mean(self, dim=None, keepdim=False, dtype=None):
        a = self if dtype is None else self.to(dtype)
        if a._data.dtype.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {a.dtype.name.capitalize()}")
        return _named(R.Mean.apply(a, normalize_dims(dim, self._data.ndim), keepdim), dim, "MeanBackward1")

    def prod(self, dim=None, keepdim=False, dtype=None):
        a = self if dtype is None else self.to(dtype)
        if dim is None:
            return R.Prod.apply(a, None, False)
        return _named(R.Prod.apply(a, one_dim(dim, self._data.ndim), keepdim), dim, "ProdBackward1")

    def _extreme(self, dim, keepdim, take_min):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{'min' if take_min else 'max'}(): Expected reduction dim to be specified "
                                   f"for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
            return _named(R.Amax.apply(self, None, False, take_min), True, "MinBackward1" if take_min else "MaxBackward1")
        if isinstance(dim, Tensor):  # torch.max(a, b) — the element-wise form
            return minimum(self, dim) if take_min else maximum(self, dim)
        axis = one_dim(dim, self._data.ndim)
        if axis is not None:
            check_nonempty(self._data, (axis,), "min" if take_min else "max")
        if axis is None:
            values = self.clone()
            return _MinMax((values, Tensor._make(np.zeros((), dtype=np.int64))))
        values = _named(R.MaxAlongDim.apply(self, axis, keepdim, take_min), True,
                        "MinBackward0" if take_min else "MaxBackward0")
        idx = (np.argmin if take_min else np.argmax)(self._data, axis=axis)
        if keepdim:
            idx = np.expand_dims(idx, axis)
        out = _MinMax((values, Tensor._make(idx.astype(np.int64))))
        out.kind = "min" if take_min else "max"
        return out

    def max(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, False)

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, True)

    def amax(self, dim=(), keepdim=False):
        axes = normalize_dims(dim, self._data.ndim)
        check_nonempty(self._data, None if _no_dims(dim) else axes, "amax", RuntimeError)
        return R.Amax.apply(self, axes, keepdim, False)

    def amin(self, dim=(), keepdim=False):
        axes = normalize_dims(dim, self._data.ndim)
        check_nonempty(self._data, None if _no_dims(dim) else axes, "amin", RuntimeError)
        return _named(R.Amax.apply(self, axes, keepdim, True), True, "AminBackward0")

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        _std_var_float(self)
        correction = _correction(unbiased, correction)
        return R.Var.apply(self, normalize_dims(dim, self._data.ndim), correction, keepdim)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        _std_var_float(self)
        correction = _correction(unbiased, correction)
        return R.Std.apply(self, normalize_dims(dim, self._data.ndim), correction, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        if dtype is not None:
            return self.to(dtype).norm(p, dim, keepdim)
        if self._data.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                               f"{dtypes.SCALAR_TYPE_NAMES[self.dtype.name]}")
        if p in ("fro", None):
            p = 2.0
        if p == "nuc" or isinstance(p, str):
            raise RuntimeError(f"norm: p='{p}' is not supported; use p=1, 2, inf or a number")
        axes = normalize_dims(dim, self._data.ndim)
        if not self._data.size and float(p) == float("inf"):
            empty = [ax for ax in axes if self._data.shape[ax] == 0]
            if dim is None or not empty:
                raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                                   "operation does not have an identity")
            raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the dimension {empty[0]}because "   # (sic)
                               f"this dimension is empty and the operation does not have an identity")
        return R.Norm.apply(self, float(p), axes, keepdim)

    def logsumexp(self, dim, keepdim=False):
        a = self if self._data.dtype.kind == "f" else self.to(dtypes.get_default_dtype())   # (as PyTorch)
        return R.LogSumExp.apply(a, normalize_dims(dim, self._data.ndim), keepdim)

    def softmax(self, dim, dtype=None):
        a = _softmax_input(self, dtype, "softmax_lastdim_kernel_impl")
        return R.Softmax.apply(a, _one_dim(dim, self._data.ndim))

    def log_softmax(self, dim, dtype=None):
        a = _softmax_input(self, dtype, "log_softmax_lastdim_kernel_impl")
        return R.LogSoftmax.apply(a, _one_dim(dim, self._data.ndim))


def _std_var_float(t) -> None:
    if t._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")


def _softmax_input(t, dtype, kernel: str):
    """softmax/log_softmax have no integer kernel in PyTorch: convert with ``dtype=`` (or ``.float()``)."""
    a = t if dtype is None else t.to(dtype)
    if a._data.dtype.kind != "f" and a._data.size:         # (an empty integer tensor has nothing to compute)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{dtypes.SCALAR_TYPE_NAMES[a.dtype.name]}\' '
                                  f"(pass dtype=chainrule.float32, or convert with .float())")
    return a


def _no_dims(dim) -> bool:
    return dim is None or (isinstance(dim, (tuple, list)) and not dim)


def _one_dim(dim, ndim):
    if dim is None:
        raise TypeError("softmax()/log_softmax() need an explicit dim")
    return one_dim(dim, ndim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0
