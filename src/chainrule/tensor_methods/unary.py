"""Element-wise math of one tensor: ``exp``, ``log``, ``tanh``, ``abs``, rounding, ``clamp`` …"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..ops import elementwise as E

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class UnaryMathMixin:
    """``x.exp()``, ``x.sigmoid()``, ``x.round()``, ``x.clamp(min=0)`` …, each one op in ``chainrule.ops.elementwise``."""

    __slots__ = ()

    def floor(self):
        return self.clone() if self._data.dtype.kind in "biu" else E.Rounding.apply(self, np.floor, "FloorBackward0")

    def ceil(self):
        return self.clone() if self._data.dtype.kind in "biu" else E.Rounding.apply(self, np.ceil, "CeilBackward0")

    def trunc(self):
        return self.clone() if self._data.dtype.kind in "biu" else E.Rounding.apply(self, np.trunc, "TruncBackward0")

    def round(self, decimals=0):
        if self._data.dtype.kind in "biu":
            return self.clone()   # a new tensor, as PyTorch (not this one)
        return E.Rounding.apply(self, lambda a: np.round(a, decimals), "RoundBackward0" if not decimals
                                else "RoundBackward1")

    def exp(self):
        return E.floating_unary(E.Exp, self)

    def log(self):
        return E.floating_unary(E.Log, self)

    def log1p(self):
        return E.floating_unary(E.Log1p, self)

    def sqrt(self):
        return E.floating_unary(E.Sqrt, self)

    def rsqrt(self):
        return E.floating_unary(E.Rsqrt, self)

    def sin(self):
        return E.floating_unary(E.Sin, self)

    def cos(self):
        return E.floating_unary(E.Cos, self)

    def tanh(self):
        return E.floating_unary(E.Tanh, self)

    def sigmoid(self):
        return E.floating_unary(E.Sigmoid, self)

    def relu(self):
        return E.Relu.apply(self)

    def log2(self):
        return E.floating_unary(E.UnaryMath, self, "log2")

    def log10(self):
        return E.floating_unary(E.UnaryMath, self, "log10")

    def exp2(self):
        return E.floating_unary(E.UnaryMath, self, "exp2")

    def expm1(self):
        return E.floating_unary(E.UnaryMath, self, "expm1")

    def tan(self):
        return E.floating_unary(E.UnaryMath, self, "tan")

    def asin(self):
        return E.floating_unary(E.UnaryMath, self, "asin")

    def acos(self):
        return E.floating_unary(E.UnaryMath, self, "acos")

    def atan(self):
        return E.floating_unary(E.UnaryMath, self, "atan")

    def sinh(self):
        return E.floating_unary(E.UnaryMath, self, "sinh")

    def cosh(self):
        return E.floating_unary(E.UnaryMath, self, "cosh")

    def erf(self):
        return E.floating_unary(E.UnaryMath, self, "erf")

    arcsin, arccos, arctan = asin, acos, atan

    def abs(self):
        return E.Abs.apply(self)

    absolute = abs

    def sign(self):
        return E.Sign.apply(self)

    def square(self):
        return self * self

    def reciprocal(self):
        return 1.0 / self

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            ts = [self] + [b if isinstance(b, Tensor) else Tensor._make(np.asarray(b, self._data.dtype))
                           for b in (min, max) if b is not None]
            from ..functions import _common
            ts = _common(ts)
            it = iter(ts[1:])
            lo = next(it) if min is not None else None
            hi = next(it) if max is not None else None
            return E.ClampTensor.apply(ts[0], lo, hi)
        a = self
        if self._data.dtype.kind != "f":      # an integer tensor with float bounds: PyTorch's promotion
            target = dtypes.result_type(self._data, *(b for b in (min, max) if b is not None))
            if target != self._data.dtype:
                a = self.to(dtypes.from_numpy_dtype(target))
        return E.Clamp.apply(a, min, max)

    clip = clamp

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)
