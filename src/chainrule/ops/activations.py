"""Activation functions: each forward beside its vector-Jacobian product, written to stay finite and
warning-free for any input magnitude (exponentials only ever see non-positive arguments or values
clamped below a threshold).  Sigmoid, Tanh and ReLU live in ``elementwise.py``; softmax and
log-softmax in ``reduce.py``.  The gradient formulas are PyTorch's, case for case.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Op


class LeakyRelu(Op):
    """out = a if a > 0 else slope·a;  ∂out/∂a = 1 if a > 0 else slope"""
    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = negative_slope
        return np.where(a > 0, a, a * negative_slope).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return np.where(a > 0, g, g * ctx.slope).astype(g.dtype, copy=False)


def in_vector_chunks(a: np.ndarray) -> np.ndarray:
    """Which elements PyTorch's CPU kernels treat with their vector rule: whole chunks of two 32-byte vectors
    (16 float32, 8 float64) from the start; the tail that is left gets the scalar rule.  The two differ
    at NaN for some backward kernels (elu, hardtanh), so the gradient there depends on the position."""
    chunk = 2 * (32 // a.itemsize)
    return np.arange(a.size).reshape(a.shape) < (a.size // chunk) * chunk


class Elu(Op):
    """out = α(eᵃ − 1) if a ≤ 0 else a;  ∂out/∂a = α·eᵃ if a ≤ 0 else 1 (so 1 at NaN: PyTorch's scalar
    rule; its vector rule gives NaN there, see ``in_vector_chunks``)"""
    @staticmethod
    def forward(ctx, a, alpha=1.0):
        ctx.save_for_backward(a)
        ctx.alpha = alpha
        neg = np.minimum(a, 0)                    # eᵃ only for a ≤ 0: never overflows
        return np.where(a > 0, a, alpha * np.expm1(neg)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        neg = np.minimum(a, 0)
        out = np.where(a <= 0, g * (ctx.alpha * np.exp(neg)), g).astype(g.dtype, copy=False)
        nan = np.isnan(a)
        if nan.any():
            out = np.where(nan & in_vector_chunks(a), g.dtype.type(np.nan), out)
        return out


_erf = np.frompyfunc(math.erf, 1, 1)


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf, element-wise, to double precision (``math.erf``; NumPy has none)."""
    if type(x) is not np.ndarray and hasattr(x, "traced_unary"):   # create_graph=True (autograd/higher.py)
        return x.astype(np.float64).traced_unary("erf")
    return np.asarray(_erf(np.asarray(x, dtype=np.float64)), dtype=np.float64)   # (0-d: a Python float)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Gelu(Op):
    """approximate='none':  out = a·Φ(a) = ½a(1 + erf(a/√2));  ∂out/∂a = Φ(a) + a·φ(a)
    approximate='tanh':  out = ½a(1 + tanh(√(2/π)(a + 0.044715a³)))  (derivative by the product rule)"""
    @staticmethod
    def forward(ctx, a, approximate="none"):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        x = a.astype(np.float64)
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
            out = 0.5 * x * (1 + np.tanh(inner))
        else:
            out = 0.5 * x * (1 + erf_array(x / math.sqrt(2.0)))
        return out.astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        x = a.astype(np.float64)
        if ctx.approximate == "tanh":
            x_sq = x * x
            if a.dtype == np.float32:    # PyTorch squares in float32: inf beyond 1.8e19, and then 0·inf = nan
                x_sq = np.where(np.isinf(x_sq.astype(np.float32)), np.inf, x_sq)
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x_sq * x))
            local = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x_sq)
        else:
            cdf = 0.5 * (1 + erf_array(x / math.sqrt(2.0)))
            pdf = _INV_SQRT_2PI * np.exp(-0.5 * np.minimum(x * x, 1e300))
            local = cdf + x * pdf
        return (g * local).astype(g.dtype)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class Silu(Op):
    """out = a·σ(a);  ∂out/∂a = σ(a)(1 + a(1 − σ(a)))"""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * _sigmoid(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        s = _sigmoid(a)
        return g * (s * (1 + a * (1 - s)))


class Softplus(Op):
    """out = (1/β)·ln(1 + e^{βa}), or a where βa > threshold;  ∂out/∂a = e^{βa}/(e^{βa} + 1) (1 above it)"""
    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        z = a * beta
        soft = np.log1p(np.exp(np.minimum(z, threshold))) / beta   # the clamp only hides the unused branch
        return np.where(z > threshold, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        z = a * ctx.beta
        e = np.exp(np.minimum(z, ctx.threshold))
        return np.where(z > ctx.threshold, g, g * (e / (e + 1))).astype(g.dtype, copy=False)


class LogSigmoid(Op):
    """out = ln σ(a) = min(a, 0) − ln(1 + e^{−|a|});  ∂out/∂a = 1 − σ(a) = σ(−a)"""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return (np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        z = np.exp(-np.abs(a))
        neg = a < 0
        local = np.where(neg, 1.0, 0.0).astype(a.dtype) - np.where(neg, 1.0, -1.0).astype(a.dtype) * (z / (1 + z))
        return g * local


class Hardtanh(Op):
    """out = clamp(a, min_val, max_val);  ∂out/∂a = 0 where a ≤ min_val or a ≥ max_val, else 1 (so 1 at NaN:
    PyTorch's scalar rule; its vector rule gives 0 there, see ``in_vector_chunks``)"""
    @staticmethod
    def forward(ctx, a, min_val=-1.0, max_val=1.0):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = min_val, max_val
        return np.minimum(max_val, np.maximum(min_val, a)).astype(a.dtype, copy=False)   # (ties keep a: −0.0)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        out = np.where((a <= ctx.lo) | (a >= ctx.hi), np.zeros((), dtype=g.dtype), g)
        nan = np.isnan(a)
        if nan.any():   # PyTorch's vector rule (grad where min < a < max) gives 0 at NaN: see in_vector_chunks
            out = np.where(nan & in_vector_chunks(a), np.zeros((), dtype=g.dtype), out)
        return out


# -- explain rules (see chainrule/explain/rules.py): out over the input's symbol, ∂out/∂a per element -------
# (a rule returning None leaves the op to the generic form: Softplus with β ≠ 1 is not written as ln(1 + eᵃ))
Softplus.explain = lambda E, n, a, *_, out: E.rule(
    E.func("ln", E.add(E.one, E.func("exp", a))),                      # out = ln(1 + eᵃ)
    d=(E.div(E.one, E.add(E.one, E.func("exp", E.neg(a)))),)) if n.beta == 1 else None   # ∂out/∂a = 1/(1 + e⁻ᵃ)
Silu.explain = lambda E, n, a, out: E.rule(E.mul(a, E.func("σ", a)),
                                         d=(E.juxt(E.func("σ", a), E.paren(E.add(E.one, E.juxt(a, E.paren(E.sub(E.one, E.func("σ", a))))))),))
LogSigmoid.explain = lambda E, n, a, out: E.rule(E.func("ln", E.func("σ", a)), d=(E.sub(E.one, E.func("σ", a)),))
# out = max(s·a, a) for a slope s ≤ 1 (PyTorch's default 0.01); ∂out/∂a = [a > 0] + s·[a ≤ 0]
LeakyRelu.explain = lambda E, n, a, *_, out: E.rule(
    E.func("max", E.mul(E.num(n.slope), a), a),
    d=(E.add(E.rel(a, ">", E.zero), E.mul(E.num(n.slope), E.rel(a, "≤", E.zero))),)) if 0 <= n.slope <= 1 else None
