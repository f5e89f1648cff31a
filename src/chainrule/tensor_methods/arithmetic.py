"""Arithmetic operators (``+ - * / ** @ // %``) and their named forms, with ``matmul``/``maximum``/``minimum``."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..ops import elementwise as E, linalg as L
from .common import _data, _named

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class ArithmeticMixin:
    """``a + b``, ``a @ b``, ``a.add(b, alpha=2)``, ``a // b``, ``a % b`` … each a call into ``chainrule.ops``."""

    __slots__ = ()

    def __add__(self, other):
        return E.binary(E.Add, self, other)

    def __radd__(self, other):
        return E.binary(E.Add, other, self)

    def __sub__(self, other):
        return E.subtract(self, other)

    def __rsub__(self, other):
        return _named(E.subtract(other, self), True, "RsubBackward1")

    def __mul__(self, other):
        return E.binary(E.Mul, self, other)

    def __rmul__(self, other):
        return E.binary(E.Mul, other, self)

    def __truediv__(self, other):
        return E.true_divide(self, other)

    def __rtruediv__(self, other):
        return E.true_divide(other, self)

    def __pow__(self, other):
        return E.binary(E.Pow, self, other)

    def __rpow__(self, other):
        return E.binary(E.Pow, other, self)

    def __neg__(self):
        return E.negate(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def add(self, other, alpha=1):
        if alpha == 1 and type(alpha) is int:
            return E.binary(E.Add, self, other)
        return _add_scaled(self, other, alpha)

    def sub(self, other, alpha=1):
        return E.subtract(self, other, alpha)

    def mul(self, other):
        return self * other

    def div(self, other, *, rounding_mode=None):
        """``a / b``; ``rounding_mode='floor'`` rounds toward −∞, ``'trunc'`` toward 0 (zero gradients)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        return _integer_division(self, other, lambda a, b: E.DivRounded.apply(a, b, rounding_mode), "div_" +
                                 rounding_mode)

    def fmod(self, other):
        """``fmod(a, b)``: the remainder of a/b rounded toward 0 (the sign of ``a``, C's fmod)."""
        return _integer_division(self, other, E.Fmod.apply, "fmod")

    def lerp(self, end, weight):
        """a + w·(end − a), with PyTorch's two-sided formula (exact at w = 1): see ``ops.elementwise.Lerp``."""
        if not isinstance(end, Tensor):
            raise TypeError(f"lerp(): argument 'end' must be Tensor, not {type(end).__name__}")
        if end._data.dtype != self._data.dtype:
            raise RuntimeError(f"expected dtype {dtypes.C_TYPE_NAMES[self.dtype.name]} for `end` but got dtype "
                               f"{dtypes.C_TYPE_NAMES[end.dtype.name]}")
        if self._data.dtype.kind != "f":
            raise NotImplementedError(f'"lerp_kernel_scalar" not implemented for '
                                      f"'{dtypes.SCALAR_TYPE_NAMES[self.dtype.name]}'")
        if isinstance(weight, Tensor):
            weight = weight.to(self.dtype)
        elif not isinstance(weight, (int, float)):
            raise TypeError(f"lerp(): argument 'weight' must be Tensor or Number, not {type(weight).__name__}")
        try:
            return E.Lerp.apply(self, end, weight)
        except ValueError:
            raise E.broadcast_error("lerp", self, end, *([weight] if isinstance(weight, Tensor) else [])) from None

    def pow(self, exponent):
        return self ** exponent

    def neg(self):
        return -self

    multiply, divide, subtract, true_divide, negative = mul, div, sub, div, neg

    def matmul(self, other):
        return matmul(self, other)

    def mm(self, other):
        if self._data.ndim != 2 or _data(other).ndim != 2:
            raise RuntimeError(f"mm: expected 2-D tensors, got {self._data.ndim}-D and {_data(other).ndim}-D")
        return matmul(self, other)

    def bmm(self, other):
        if self._data.ndim != 3 or _data(other).ndim != 3:
            raise RuntimeError(f"bmm: expected 3-D tensors (batch, n, k) and (batch, k, m), got shapes "
                               f"{tuple(self.shape)} and {tuple(np.shape(_data(other)))}")
        if self._data.shape[0] != _data(other).shape[0]:
            raise RuntimeError(f"bmm: batch sizes differ: {tuple(self.shape)} @ {tuple(np.shape(_data(other)))}")
        return _named(matmul(self, other), True, "BmmBackward0")

    def dot(self, other):
        if self._data.ndim != 1 or _data(other).ndim != 1:
            raise RuntimeError("1D tensors expected, but got "
                               f"{self._data.ndim}D and {_data(other).ndim}D tensors")
        return matmul(self, other)

    def __floordiv__(self, other):
        return self.floor_divide(other)

    def __rfloordiv__(self, other):
        return _integer_division(other, self, _no_derivative(E.floor_divide_array, "floor_divide"), "div_floor")

    def floor_divide(self, other):
        """``a // b`` rounded toward −∞.  PyTorch records it without a derivative: the result requires grad
        when an input does, and backward raises "derivative for aten::floor_divide is not implemented"."""
        return _integer_division(self, other, _no_derivative(E.floor_divide_array, "floor_divide"), "div_floor")

    def remainder(self, other):
        """``a % b`` with the sign of ``b`` (Python's rule), exact (see ``ops.elementwise.Remainder``)."""
        return _integer_division(self, other, E.Remainder.apply, "remainder")

    def __mod__(self, other):
        return self.remainder(other)

    def __rmod__(self, other):
        # ``2.5 % x``: PyTorch's remainder(Scalar, Tensor) has no derivative
        return _integer_division(other, self, _no_derivative(E.remainder_array, "remainder"), "remainder")

    def outer(self, other):
        return self.unsqueeze(1) * other.unsqueeze(0)

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)


# ------------------------------------------------------------------ functions the methods rely on
def _add_scaled(a, b, alpha):
    """a + alpha·b in one op, with PyTorch's checks of ``alpha`` against the result's type."""
    a, b = E.promote(a, b)
    kind = (a if isinstance(a, Tensor) else b)._data.dtype.kind
    if kind in "biu" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, bool) and kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    try:
        return E.Add.apply(a, b, alpha)
    except ValueError:
        raise E.broadcast_error("add", a, b) from None


def _no_derivative(fn, aten):
    return lambda a, b: E.NotDifferentiable.apply(a, b, fn, aten)


def _integer_division(a, b, apply, kernel: str):
    """``//``, ``%``, ``fmod``, ``div(rounding_mode=…)``: PyTorch's promotion (a Python float with an integer
    tensor gives the default dtype), no bool kernel (as PyTorch), broadcasting errors that name the op."""
    a, b = E.promote(a, b)
    if np.asarray(_data(a)).dtype == np.bool_ and np.asarray(_data(b)).dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'Bool\'')
    try:
        return apply(a, b)
    except ValueError:
        raise E.broadcast_error(kernel.replace("div_floor", "floor_divide"), a, b) from None


def matmul(a, b):
    """``a @ b`` with PyTorch's 1-D/2-D/batched rules and an error that names both shapes."""
    for x in (a, b):
        if not isinstance(x, (Tensor, np.ndarray, list, tuple)):
            raise TypeError(f"matmul: unsupported operand type {type(x).__name__}; both sides must be tensors")
    a = a if isinstance(a, Tensor) else Tensor._make(np.asarray(a))
    b = b if isinstance(b, Tensor) else Tensor._make(np.asarray(b))
    L.check_matmul_shapes(a._data.shape, b._data.shape)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != "
                           f"{b.dtype.name} (matmul of {a.dtype} and {b.dtype}: convert one with .to())")
    try:
        return L.Matmul.apply(a, b)
    except ValueError:
        raise RuntimeError(f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                           f"broadcast") from None


def maximum(a, b):
    return E.binary(E.Maximum, a, b)


def minimum(a, b):
    return E.binary(E.Minimum, a, b)
