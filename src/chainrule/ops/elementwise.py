"""Element-wise ops: each forward beside its vector-Jacobian product (∂L/∂input = ∂L/∂out · ∂out/∂input).

Broadcasting is undone once, by the engine (``Node.backprop_step``), so binary ops return
full-shape gradients here.  Arguments reach ``forward`` as NumPy arrays or Python scalars.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op, _Tensor
from .. import dtypes


# ---------------------------------------------------------------------------------------- arithmetic
class Add(Op):
    """out = a + alpha·b"""
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return a + b
        out = a + alpha * b
        dt = (a if isinstance(a, np.ndarray) else np.asarray(b)).dtype
        return out if out.dtype == dt else out.astype(dt)      # (bool + 2·bool stays bool, as PyTorch)

    @staticmethod
    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha)


class Sub(Op):
    """out = a − alpha·b"""
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return a - b if alpha == 1 else a - alpha * b

    @staticmethod
    def backward(ctx, g):
        return g, -g if ctx.alpha == 1 else -ctx.alpha * g


class Mul(Op):
    """out = a·b;  ∂out/∂a = b,  ∂out/∂b = a"""
    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad   # save only what a wanted gradient uses (as PyTorch): x * 2 keeps no x
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g * b if need[0] else None), (g * a if need[1] else None)


class Div(Op):
    """out = a / b;  ∂out/∂a = 1/b,  ∂out/∂b = −a/b², evaluated as −(a/b)/b as PyTorch (b² would overflow
    for |b| > 1.8e19 in float32)"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g / b if need[0] else None), (-g * ((a / b) / b) if need[1] else None)


class Neg(Op):
    """out = −a"""
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


def power(a, b):
    """aᵇ as PyTorch computes it.  A Python exponent of ½ or −½ goes through √ (PyTorch's fast path), so
    (−0)^(−½) = −∞ and (−∞)^(−½) = nan as there; integer powers follow PyTorch's integer rule: a
    negative exponent gives 0 except for bases ±1 (an integer tensor to a negative Python integer
    raises, as PyTorch)."""
    if np.asarray(a).dtype == np.bool_ and np.asarray(b).dtype == np.bool_:
        if isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):   # bool_tensor ** True / False
            return a.copy() if b else np.ones_like(a)
        raise NotImplementedError('"pow" not implemented for \'Bool\'')
    if not isinstance(b, np.ndarray):
        if b == 0.5:
            return np.sqrt(a)
        if b == -0.5:
            return 1 / np.sqrt(a)
        if isinstance(a, np.ndarray) and a.dtype.kind in "biu" and b < 0 and float(b).is_integer():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    if np.asarray(b).dtype.kind in "iu" and np.asarray(a).dtype.kind in "biu" and np.any(np.asarray(b) < 0):
        neg = b < 0
        odd = (b % 2) != 0
        out = np.power(a, np.where(neg, 0, b))           # (the exponent only where it is ≥ 0)
        small = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
        return np.where(neg, small, out).astype(out.dtype, copy=False)
    return np.power(a, b)


class Pow(Op):
    """out = aᵇ;  ∂out/∂a = b·aᵇ⁻¹,  ∂out/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0, as PyTorch)"""
    @staticmethod
    def forward(ctx, a, b):
        out = power(a, b)
        if not isinstance(b, np.ndarray):
            pass                                # x ** 2: PowBackward0
        elif isinstance(a, np.ndarray):
            ctx._name = "PowBackward1"          # x ** y
        else:
            ctx._name = "PowBackward2"          # 2 ** x
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            if np.ndim(b) == 0 and not isinstance(b, np.ndarray):
                ga = g * (b * power(a, b - 1)) if b != 0 else np.zeros_like(g)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ga = g * np.where(b == 0, 0.0, b * np.power(a, b - 1))
        if need[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where((a == 0) & (b >= 0), 0.0, out * np.log(a))
        return ga, gb


class Remainder(Op):
    """out = a mod b with the sign of b (Python's ``%``), computed as PyTorch does: r = fmod(a, b), plus b
    where r ≠ 0 and r, b differ in sign — exact, unlike a − ⌊a/b⌋·b, which loses every digit once a/b
    is large (``-1e9 % 3.7``) and gives nan for b = ±∞.
    ∂out/∂a = 1,  ∂out/∂b = −⌊a/b⌋"""
    @staticmethod
    def forward(ctx, a, b):
        if not isinstance(b, np.ndarray):
            ctx._name = "RemainderBackward0"        # x % 2
        else:
            ctx._name = "RemainderBackward1"        # x % y
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None)
        return remainder_array(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g, (-g * floor_divide_array(a, b) if ctx.needs_input_grad[1] else None)


class Fmod(Op):
    """out = fmod(a, b) = a − trunc(a/b)·b with the sign of a (C's fmod, exact);
    ∂out/∂a = 1,  ∂out/∂b = −trunc(a/b)"""
    @staticmethod
    def forward(ctx, a, b):
        ctx._name = "FmodBackward0" if not isinstance(b, np.ndarray) else "FmodBackward1"
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None)
        if _is_int(a) and _is_int(b):
            _no_int_zero(b)
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g, (-g * np.trunc(a / b) if ctx.needs_input_grad[1] else None)


def _is_int(x) -> bool:
    return np.asarray(x).dtype.kind in "biu"


def _no_int_zero(b) -> None:
    """Integer division by zero: PyTorch raises (NumPy would return 0)."""
    if np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


def remainder_array(a, b):
    """a mod b with the sign of b (see ``Remainder``); integers by zero raise as PyTorch."""
    if _is_int(a) and _is_int(b):
        _no_int_zero(b)
        return np.remainder(a, b)
    r = np.fmod(a, b)
    return np.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)


def floor_divide_array(a, b):
    """⌊a/b⌋ as PyTorch's ``floor_divide``/``div(rounding_mode='floor')`` (NumPy's floor_divide is the same
    fmod-based algorithm for floats); integers by zero raise as PyTorch."""
    if _is_int(a) and _is_int(b):
        _no_int_zero(b)
    return np.floor_divide(a, b)


def trunc_divide_array(a, b):
    """a/b rounded toward zero (``div(rounding_mode='trunc')``): trunc(a/b) for floats, exact for integers."""
    if _is_int(a) and _is_int(b):
        _no_int_zero(b)
        q = np.floor_divide(a, b)
        return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
    return np.trunc(a / b)


class DivRounded(Op):
    """out = a/b rounded toward −∞ (rounding_mode='floor') or toward 0 ('trunc'): a step function of both
    inputs, so both gradients are 0 (PyTorch's DivBackward2/3)"""
    @staticmethod
    def forward(ctx, a, b, mode):
        ctx._name = "DivBackward2"
        return floor_divide_array(a, b) if mode == "floor" else trunc_divide_array(a, b)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), np.zeros_like(g)


class NotDifferentiable(Op):
    """out = fn(a, b) for the ops PyTorch records without a derivative (``a // b``, ``2.5 % x``): the result
    requires grad when an input does, its node is ``NotImplemented``, and backward raises PyTorch's
    "derivative for aten::<name> is not implemented"."""
    _name = "NotImplemented"
    @staticmethod
    def forward(ctx, a, b, fn, aten):
        ctx.aten = aten
        return fn(a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"derivative for aten::{ctx.aten} is not implemented")


class Lerp(Op):
    """out = a + w·(b − a) for |w| < ½ and b − (b − a)·(1 − w) otherwise — PyTorch's two-sided formula,
    exact at w = 0 and w = 1 (``lerp(1e8, 1, 1.0)`` is 1, not 0);
    ∂out/∂a = 1 − w,  ∂out/∂b = w,  ∂out/∂w = b − a"""
    @staticmethod
    def forward(ctx, a, b, w):
        tensor_w = isinstance(w, np.ndarray)
        ctx._name = "LerpBackward1" if tensor_w else "LerpBackward0"
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if tensor_w and need[2] else None, b if tensor_w and need[2] else None,
                              w if tensor_w else None)
        ctx.w = None if tensor_w else w
        dtype = a.dtype
        if tensor_w:
            small = np.abs(w) < 0.5
            coeff, base = np.where(small, w, w - 1), np.where(small, a, b)
        else:
            w = dtype.type(w)
            coeff, base = (w, a) if abs(w) < 0.5 else (w - 1, b)
        d = b - a
        if dtype == np.float32:   # PyTorch fuses the multiply-add (one rounding); a float64 product of
            out = np.float64(coeff) * d.astype(np.float64) + base   # float32 values is exact: the same
        else:
            out = coeff * d + base
        return np.asarray(out).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        if w is None:
            w = ctx.w
        need = ctx.needs_input_grad
        ga = g * (1 - w) if need[0] else None
        gb = g * w if need[1] else None
        gw = g * (b - a) if len(need) > 2 and need[2] else None
        return ga, gb, gw


# ------------------------------------------------------------------------------------------- unary
class Exp(Op):
    """out = eᵃ;  ∂out/∂a = out"""
    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class Log(Op):
    """out = ln a;  ∂out/∂a = 1/a"""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / a


class Log1p(Op):
    """out = ln(1 + a);  ∂out/∂a = 1/(1 + a)"""
    _name = "Log1PBackward0"
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (1 + a)


class Sqrt(Op):
    """out = √a;  ∂out/∂a = 1/(2√a)"""
    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        with np.errstate(divide="ignore"):
            return g / (2 * out)


class Rsqrt(Op):
    """out = 1/√a;  ∂out/∂a = −½·out³"""
    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 1 / np.sqrt(a)
        ctx.save_for_backward(out)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return -0.5 * g * out ** 3


class Abs(Op):
    """out = |a|;  ∂out/∂a = sign(a)  (0 at 0)"""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * sign_array(a)


def sign_array(a: np.ndarray) -> np.ndarray:
    """sign(a) ∈ {−1, 0, 1}, and 0 for NaN as PyTorch (NumPy gives NaN)."""
    out = np.sign(a)
    if a.dtype.kind == "f":
        out = np.where(np.isnan(a), a.dtype.type(0), out)
    return out


class Sign(Op):
    """out = sign(a) (0 at 0 and at NaN, as PyTorch);  gradient 0 everywhere"""
    @staticmethod
    def forward(ctx, a):
        ctx.shape = np.shape(a)
        return sign_array(a)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Sin(Op):
    """out = sin a;  ∂out/∂a = cos a"""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * np.cos(a)


class Cos(Op):
    """out = cos a;  ∂out/∂a = −sin a"""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return -g * np.sin(a)


class Tanh(Op):
    """out = tanh a;  ∂out/∂a = 1 − out²"""
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (1 - out * out)


_erf = np.frompyfunc(__import__("math").erf, 1, 1)


def erf_array(a: np.ndarray) -> np.ndarray:
    """erf(a) = 2/√π ∫₀ᵃ e^(−t²) dt, element by element (Python's math.erf: exact to the last bit)."""
    if type(a) is not np.ndarray and hasattr(a, "traced_unary"):   # create_graph=True (autograd/higher.py)
        return a.traced_unary("erf")
    return np.asarray(_erf(a), dtype=a.dtype)


class UnaryMath(Op):
    """out = f(a) for the less common element-wise functions; ∂out/∂a from the table ``UNARY_MATH``
    (each entry: forward, derivative, and whether the derivative reads the input ``a`` or the output
    ``o``); the node is named after the function and saves only what its derivative reads, as PyTorch —
    so an in-place change of ``sinh(x)``'s output does not refuse its backward."""
    @staticmethod
    def forward(ctx, a, name):
        f, _, reads = UNARY_MATH[name]
        ctx.fname = name
        ctx._name = UNARY_NAMES[name]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(f(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a if reads == "a" else out)
        return out

    @staticmethod
    def backward(ctx, g):
        v, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * UNARY_MATH[ctx.fname][1](v).astype(g.dtype, copy=False)


UNARY_MATH = {
    "log2": (np.log2, lambda a: 1 / (a * np.log(2.0)), "a"),            # d log₂a = 1/(a ln 2)
    "log10": (np.log10, lambda a: 1 / (a * np.log(10.0)), "a"),         # d log₁₀a = 1/(a ln 10)
    "exp2": (np.exp2, lambda o: o * np.log(2.0), "o"),                  # d 2ᵃ = 2ᵃ ln 2
    "expm1": (np.expm1, lambda o: o + 1, "o"),                          # d (eᵃ − 1) = eᵃ
    "tan": (np.tan, lambda o: 1 + o * o, "o"),                          # d tan a = 1 + tan²a
    "asin": (np.arcsin, lambda a: 1 / np.sqrt(1 - a * a), "a"),         # d asin a = 1/√(1 − a²)
    "acos": (np.arccos, lambda a: -1 / np.sqrt(1 - a * a), "a"),        # d acos a = −1/√(1 − a²)
    "atan": (np.arctan, lambda a: 1 / (1 + a * a), "a"),                # d atan a = 1/(1 + a²)
    "sinh": (np.sinh, lambda a: np.cosh(a), "a"),                       # d sinh a = cosh a
    "cosh": (np.cosh, lambda a: np.sinh(a), "a"),                       # d cosh a = sinh a
    "erf": (erf_array, lambda a: 2 / np.sqrt(np.pi) * np.exp(-a * a), "a"),   # d erf a = 2/√π e^(−a²)
}
UNARY_NAMES = {"log2": "Log2Backward0", "log10": "Log10Backward0", "exp2": "Exp2Backward0",
               "expm1": "Expm1Backward0", "tan": "TanBackward0", "asin": "AsinBackward0", "acos": "AcosBackward0",
               "atan": "AtanBackward0", "sinh": "SinhBackward0", "cosh": "CoshBackward0", "erf": "ErfBackward0"}

def sigmoid_array(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1/(1 + e⁻ᵃ), computed without overflow for any |a|: with e = e^(−|a|) ∈ (0, 1],
    σ(a) = r = 1/(1 + e) for a ≥ 0 and e·r for a < 0 (one exponential, each branch one operation,
    worked in place: four arrays' worth of temporaries fewer than evaluating both quotients)."""
    if a.ndim == 0:                          # (ufuncs return scalars for 0-d input: no ``out=``)
        return sigmoid_array(a.reshape(1)).reshape(())
    e = np.abs(a)
    np.negative(e, out=e)
    np.exp(e, out=e)
    r = e + 1
    np.reciprocal(r, out=r)
    np.multiply(e, r, out=e)                 # σ for a < 0
    np.copyto(e, r, where=a >= 0)            # σ for a ≥ 0
    return e


class Sigmoid(Op):
    """out = σ(a) = 1/(1 + e⁻ᵃ);  ∂out/∂a = σ(a)(1 − σ(a)) = out(1 − out)"""
    @staticmethod
    def forward(ctx, a):
        out = sigmoid_array(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out * (1 - out)


class Relu(Op):
    """out = max(a, 0);  ∂out/∂a = 0 where out ≤ 0, else 1 (NaN passes, as PyTorch's threshold_backward).
    The gradient is selected, not multiplied by a 0/1 mask: ∞·0 would be NaN (``relu(x).sqrt()`` at 0)."""
    @staticmethod
    def forward(ctx, a):
        out = np.maximum(0, a)       # (on a tie NumPy returns the second argument: relu(−0.0) = −0.0 as PyTorch)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return np.where(out <= 0, np.zeros((), dtype=g.dtype), g)


def clamp_array(a: np.ndarray, lo, hi) -> np.ndarray:
    """min(max(a, lo), hi) as a new array of ``a``'s dtype (either bound may be None, a number or an array)."""
    out = a
    if lo is not None:           # (the input second: NumPy returns the second argument on a tie, PyTorch
        out = np.maximum(lo, out)    # the input, so clamp(−0.0, min=0) stays −0.0 as there)
    if hi is not None:
        out = np.minimum(hi, out)
    return np.array(out, dtype=a.dtype, copy=True) if out is a else out.astype(a.dtype, copy=False)


class Clamp(Op):
    """out = min(max(a, lo), hi);  ∂out/∂a = 1 where lo ≤ a ≤ hi, else 0 (PyTorch's convention)"""
    _name = "ClampBackward1"
    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        return clamp_array(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        mask = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            mask &= a >= ctx.lo
        if ctx.hi is not None:
            mask &= a <= ctx.hi
        return np.where(mask, g, np.zeros((), dtype=g.dtype))    # select: ∞·0 would be NaN


class ClampTensor(Op):
    """out = min(max(a, lo), hi) with tensor bounds;  the gradient goes to ``a`` where lo ≤ a ≤ hi,
    to ``lo`` where a < lo (and lo < hi), to ``hi`` where a > hi or hi < lo — PyTorch's rule, so a
    tie at a bound gives the whole gradient to ``a``."""
    _name = "ClampBackward0"
    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.save_for_backward(a, lo, hi)
        return clamp_array(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        ga = glo = ghi = None
        if need[0]:
            mask = True
            if lo is not None:
                mask = a >= lo
            if hi is not None:
                mask = mask & (a <= hi)
            ga = np.where(mask, g, zero)
        if lo is not None and len(need) > 1 and need[1]:
            glo = np.where((a < lo) & (lo < hi) if hi is not None else a < lo, g, zero)
        if hi is not None and len(need) > 2 and need[2]:
            ghi = np.where((a > hi) | (hi < lo) if lo is not None else a > hi, g, zero)
        return ga, glo, ghi


class Maximum(Op):
    """out = max(a, b);  the gradient goes to the larger input, half to each on ties, all to both where
    either is NaN (PyTorch's rule: ``where(a == b, g/2, g)`` zeroed where the input is the smaller one)"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(b, a)      # (ties give the first input, as PyTorch: NumPy gives its second argument)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _extreme_grads(ctx, g, a, b, a < b, a > b)


class Minimum(Op):
    """out = min(a, b);  the gradient goes to the smaller input, half to each on ties (PyTorch's rule)"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(b, a)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _extreme_grads(ctx, g, a, b, a > b, a < b)


def _extreme_grads(ctx, g, a, b, a_loses, b_loses):
    """Selected, not multiplied by a share: ∞·0 would be NaN."""
    zero = np.zeros((), dtype=g.dtype)
    shared = np.where(a == b, g / 2, g)
    need = ctx.needs_input_grad
    return (np.where(a_loses, zero, shared) if need[0] else None,
            np.where(b_loses, zero, shared) if need[1] else None)


class Where(Op):
    """out = a where cond else b;  the gradient follows the same choice"""
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        cond, = ctx.saved_tensors
        zero = np.zeros((), dtype=g.dtype)
        return None, np.where(cond, g, zero), np.where(cond, zero, g)


class Rounding(Op):
    """out = floor/ceil/round/trunc(a);  a step function: the gradient is 0 almost everywhere (as PyTorch)"""
    @staticmethod
    def forward(ctx, a, fn, name):
        ctx._name = name
        return fn(a)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Cast(Op):
    """out = a converted to another dtype;  the gradient is converted back"""
    _name = "ToCopyBackward0"
    @staticmethod
    def forward(ctx, a, np_dtype):
        return a.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None


class Clone(Op):
    """out = a copy of a;  ∂out/∂a = 1"""
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# ---------------------------------------------------------------------------------- helpers for API
def promote(a, b):
    """Cast two operands (Tensors or Python scalars) to PyTorch's common dtype."""
    Tensor = _Tensor[0]
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        da, db = a._data.dtype, b._data.dtype
        if da == db:
            return a, b
        target = dtypes.result_type(a._data, b._data)
    elif ta:
        da = a._data.dtype
        if da.kind == "f" and (type(b) is float or type(b) is int):   # fast path (np.float64 is a float
            return a, b                                                 # subclass but not weak: below)
        b = _scalar(b)
        target = dtypes.result_type(a._data, b._data if isinstance(b, Tensor) else b)
    elif tb:
        db = b._data.dtype
        if db.kind == "f" and (type(a) is float or type(a) is int):
            return a, b
        a = _scalar(a)
        target = dtypes.result_type(a._data if isinstance(a, Tensor) else a, b._data)
    else:
        raise TypeError("expected at least one Tensor operand")
    return _cast(a, target), _cast(b, target)


def _scalar(x):
    Tensor = _Tensor[0]
    if isinstance(x, (int, float, bool, np.number, np.bool_)):
        return x.item() if isinstance(x, (np.number, np.bool_)) else x
    if isinstance(x, np.ndarray):
        return Tensor._make(x)
    if isinstance(x, (list, tuple)):
        return Tensor._make(np.asarray(x))
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def _cast(x, target: np.dtype):
    Tensor = _Tensor[0]
    if isinstance(x, Tensor):
        return x if x._data.dtype == target else Cast.apply(x, target)
    return x


def binary(op, a, b):
    """Apply a binary op after PyTorch's type promotion."""
    a, b = promote(a, b)
    try:
        return op.apply(a, b)
    except ValueError:
        raise broadcast_error(op.__name__.lower(), a, b) from None


def _clash(a: tuple, b: tuple):
    """PyTorch reports the right-most dimension where two shapes disagree, in output coordinates."""
    nd = max(len(a), len(b))
    for i in range(1, nd + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return nd - i, x, y
    return None


def broadcast_error(op_name: str, *operands) -> RuntimeError:
    """The error for operands whose shapes do not broadcast: names the op, both shapes and the dimension."""
    shapes = [tuple(np.shape(x._data if hasattr(x, "_data") else x)) for x in operands]
    dim, na, nb = 0, 0, 0
    pairs = [(p, q) for i, p in enumerate(shapes) for q in shapes[i + 1:]]
    for a, b in pairs:
        clash = _clash(a, b)
        if clash:
            dim, na, nb = clash
            break
    listed = " and ".join(str(s) for s in shapes)
    return RuntimeError(f"{op_name}: shapes {listed} cannot be broadcast together: the size of tensor a ({na}) "
                        f"must match the size of tensor b ({nb}) at non-singleton dimension {dim}")


def subtract(a, b, alpha=1):
    """``a − alpha·b``; PyTorch refuses a bool operand (``~mask`` inverts a mask)."""
    Tensor = _Tensor[0]
    for x in (a, b):
        if isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype == np.bool_):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    a, b = promote(a, b)
    try:
        return Sub.apply(a, b) if alpha == 1 else Sub.apply(a, b, alpha)
    except ValueError:
        raise broadcast_error("sub", a, b) from None


def negate(a):
    if a._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(a)


def true_divide(a, b):
    """``a / b`` always gives a floating result, as in PyTorch."""
    a, b = promote(a, b)
    Tensor = _Tensor[0]
    t = a if isinstance(a, Tensor) else b
    if t._data.dtype.kind != "f":
        target = dtypes.get_default_dtype().np
        a, b = _cast(a, target), _cast(b, target)
        if not isinstance(a, Tensor):
            a = float(a)
        if not isinstance(b, Tensor):
            b = float(b)
    try:
        return Div.apply(a, b)
    except ValueError:
        raise broadcast_error("div", a, b) from None


def floating_unary(op, a, *args, **kwargs):
    """Unary math ops (exp, log, sin, …) promote integer tensors to the default float dtype."""
    if a._data.dtype.kind != "f":
        a = Cast.apply(a, dtypes.get_default_dtype().np)
    return op.apply(a, *args, **kwargs)


# -- explain rules ------------------------------------------------------------------------------------
# How ``chainrule explain`` writes each op: ``E.rule(forward, d=∂out/∂input per input)`` over the
# inputs' symbols (see chainrule/explain/rules.py; the numbers are always autograd's own).
Add.explain = lambda E, n, a, b, *_, out: E.rule(E.add(a, E.scaled(n.alpha, b)), d=(E.one, E.num(n.alpha)))
Sub.explain = lambda E, n, a, b, *_, out: E.rule(E.sub(a, E.scaled(n.alpha, b)), d=(E.one, E.num(-n.alpha)))
Mul.explain = lambda E, n, a, b, out: E.rule(E.mul(a, b), d=(b, a))
Div.explain = lambda E, n, a, b, out: E.rule(E.div(a, b), d=(E.div(E.one, b), E.neg(E.div(a, E.pow(b, E.two)))))
Neg.explain = lambda E, n, a, out: E.rule(E.neg(a), d=(E.num(-1),))
Pow.explain = lambda E, n, a, b, out: E.rule(E.pow(a, b), d=(E.mul(b, E.pow(a, E.sub(b, E.one))),
                                                           E.mul(out, E.func("ln", a))))
Exp.explain = lambda E, n, a, out: E.rule(E.func("exp", a), d=(out,))
Log.explain = lambda E, n, a, out: E.rule(E.func("ln", a), d=(E.div(E.one, a),))
Log1p.explain = lambda E, n, a, out: E.rule(E.func("ln", E.add(E.one, a)), d=(E.div(E.one, E.add(E.one, a)),))
Sqrt.explain = lambda E, n, a, out: E.rule(E.sqrt(a), d=(E.div(E.one, E.mul(E.two, out)),))
Abs.explain = lambda E, n, a, out: E.rule(E.func("abs", a), d=(E.func("sign", a),))
Sin.explain = lambda E, n, a, out: E.rule(E.func("sin", a), d=(E.func("cos", a),))
Cos.explain = lambda E, n, a, out: E.rule(E.func("cos", a), d=(E.neg(E.func("sin", a)),))
Tanh.explain = lambda E, n, a, out: E.rule(E.func("tanh", a), d=(E.sub(E.one, E.pow(out, E.two)),))
Sigmoid.explain = lambda E, n, a, out: E.rule(E.func("σ", a), d=(E.juxt(out, E.paren(E.sub(E.one, out))),))
Relu.explain = lambda E, n, a, out: E.rule(E.func("max", E.zero, a), d=(E.rel(a, ">", E.zero),))
Maximum.explain = lambda E, n, a, b, out: E.rule(E.func("max", a, b), d=(E.rel(a, ">", b), E.rel(b, ">", a)))
Minimum.explain = lambda E, n, a, b, out: E.rule(E.func("min", a, b), d=(E.rel(a, "<", b), E.rel(b, "<", a)))
Clone.explain = lambda E, n, a, *_, out: E.rule(a, d=(E.one,))
