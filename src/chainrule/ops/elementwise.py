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
        return a + b if alpha == 1 else a + alpha * b

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
    """out = a / b;  ∂out/∂a = 1/b,  ∂out/∂b = −a/b²"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g / b if need[0] else None), (-g * a / (b * b) if need[1] else None)


class Neg(Op):
    """out = −a"""
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Op):
    """out = aᵇ;  ∂out/∂a = b·aᵇ⁻¹,  ∂out/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0, as PyTorch)"""
    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
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
                ga = g * (b * np.power(a, b - 1)) if b != 0 else np.zeros_like(g)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ga = g * np.where(b == 0, 0.0, b * np.power(a, b - 1))
        if need[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where((a == 0) & (b >= 0), 0.0, out * np.log(a))
        return ga, gb


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
        return g * np.sign(a)


class Sign(Op):
    """out = sign(a);  gradient 0 everywhere"""
    @staticmethod
    def forward(ctx, a):
        ctx.shape = np.shape(a)
        return np.sign(a)

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
    return np.asarray(_erf(a), dtype=a.dtype)


class UnaryMath(Op):
    """out = f(a) for the less common element-wise functions; ∂out/∂a from the table ``UNARY_MATH``
    (each entry: forward, derivative from (a, out)); the node is named after the function."""
    @staticmethod
    def forward(ctx, a, name):
        f, _ = UNARY_MATH[name]
        ctx.fname = name
        ctx._name = UNARY_NAMES[name]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(f(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * UNARY_MATH[ctx.fname][1](a, out).astype(g.dtype, copy=False)


UNARY_MATH = {
    "log2": (np.log2, lambda a, o: 1 / (a * np.log(2.0))),          # d log₂a = 1/(a ln 2)
    "log10": (np.log10, lambda a, o: 1 / (a * np.log(10.0))),       # d log₁₀a = 1/(a ln 10)
    "exp2": (np.exp2, lambda a, o: o * np.log(2.0)),                # d 2ᵃ = 2ᵃ ln 2
    "expm1": (np.expm1, lambda a, o: o + 1),                        # d (eᵃ − 1) = eᵃ
    "tan": (np.tan, lambda a, o: 1 + o * o),                        # d tan a = 1 + tan²a
    "asin": (np.arcsin, lambda a, o: 1 / np.sqrt(1 - a * a)),       # d asin a = 1/√(1 − a²)
    "acos": (np.arccos, lambda a, o: -1 / np.sqrt(1 - a * a)),      # d acos a = −1/√(1 − a²)
    "atan": (np.arctan, lambda a, o: 1 / (1 + a * a)),              # d atan a = 1/(1 + a²)
    "sinh": (np.sinh, lambda a, o: np.cosh(a)),                     # d sinh a = cosh a
    "cosh": (np.cosh, lambda a, o: np.sinh(a)),                     # d cosh a = sinh a
    "erf": (erf_array, lambda a, o: 2 / np.sqrt(np.pi) * np.exp(-a * a)),   # d erf a = 2/√π e^(−a²)
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
    """out = max(a, 0);  ∂out/∂a = 1 where a > 0, else 0"""
    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (out > 0)


def clamp_array(a: np.ndarray, lo, hi) -> np.ndarray:
    """min(max(a, lo), hi) as a new array of ``a``'s dtype (either bound may be None, a number or an array)."""
    out = a
    if lo is not None:
        out = np.maximum(out, lo)
    if hi is not None:
        out = np.minimum(out, hi)
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
        return g * mask


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
    """out = max(a, b);  the gradient goes to the larger input, split evenly on ties"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Minimum(Op):
    """out = min(a, b);  the gradient goes to the smaller input, split evenly on ties"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


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
