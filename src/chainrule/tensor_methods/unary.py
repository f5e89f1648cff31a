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
        return _rounded(self, np.floor, "FloorBackward0", "floor_vml_cpu")

    def ceil(self):
        return _rounded(self, np.ceil, "CeilBackward0", "ceil_vml_cpu")

    def trunc(self):
        return _rounded(self, np.trunc, "TruncBackward0", "trunc_vml_cpu")

    def round(self, decimals=0):
        if decimals and self._data.dtype.kind in "biu":
            raise NotImplementedError(f'"round_cpu" not implemented for \'{dtypes.SCALAR_TYPE_NAMES[self.dtype.name]}\'')
        return _rounded(self, lambda a: np.round(a, decimals), "RoundBackward0" if not decimals else "RoundBackward1",
                        "round_vml_cpu")

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
        if self._data.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
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
        if self._data.dtype == np.bool_:
            raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
        return E.Abs.apply(self)

    absolute = abs

    def sign(self):
        if self._data.dtype == np.bool_:        # sign of a bool is itself (a copy), as PyTorch
            return Tensor._make(self._data.copy())
        return E.Sign.apply(self)

    def square(self):
        if self._data.dtype == np.bool_:        # PyTorch: pow(x, 2), and bool ** int is int64
            return self.to(dtypes.int64) * self.to(dtypes.int64)
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
            try:
                return E.ClampTensor.apply(ts[0], lo, hi)
            except ValueError:
                raise E.broadcast_error("clamp", *(t for t in ts)) from None
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


def _rounded(t, fn, node: str, kernel: str):
    """floor/ceil/round/trunc: a step function (zero gradient); of an integer tensor a copy (PyTorch returns
    a new tensor, so an in-place change of the result leaves the input alone); no bool kernel."""
    kind = t._data.dtype.kind
    if kind == "b":
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    if kind in "iu":
        return Tensor._make(t._data.copy())
    return E.Rounding.apply(t, fn, node)
