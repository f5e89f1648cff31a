"""PyTorch's CPU sampling algorithms over its mt19937 stream, vectorised with NumPy.

Each function takes a ``Generator`` and returns a NumPy array; the tensor API (``factories``,
``Tensor.uniform_`` …, ``nn.init``, dropout, samplers) calls these and nothing else.  The algorithms
are ATen's (``core/DistributionsHelper.h``, ``core/TransformationHelper.h``,
``native/cpu/DistributionTemplates.h``, ``native/cpu/MultinomialKernel.cpp``, ``native/TensorFactories.cpp``):

    uniform float32/16  x = (r₃₂ & (2²⁴−1))·2⁻²⁴,   v = fma(x, b − a, a) in float32  (one r₃₂ each)
    uniform float64     x = (r₆₄ & (2⁵³−1))·2⁻⁵³,   v = fma(x, b − a, a)           (one r₆₄ each)
    normal, n ≥ 16      n uniforms, then Box–Muller on blocks of 16 (u₁ = 1 − x[0:8], u₂ = x[8:16]):
                        x[j] = √(−2 ln u₁)·cos 2πu₂,  x[j+8] = √(−2 ln u₁)·sin 2πu₂;  if 16 ∤ n,
                        16 more uniforms redo the last 16 elements
    normal, n < 16      pairs of float64 uniforms (u₁, u₂): r = √(−2 log1p(−u₂)), θ = 2πu₁; returns r cos θ
                        and keeps r sin θ for the next draw (the generator's cached sample)
    randint / random_   (r mod range) + low, with r₃₂ when range < 2²⁸, else r₆₄
    bernoulli_(p)       float64 uniform < p;  bernoulli(p tensor): float32 uniform < p (float64 if p is)
    exponential_(λ)     −(1/λ)·log1p(−u), u a float64 uniform
    randperm(n)         r[i] ↔ r[i + (r₃₂ mod (n − i))] for i = 0 … n−2 (n < 2³²/20; above: inside-out, r₆₄)
    multinomial         with replacement: float64 uniform, binary search in the normalised cumsum;
                        without (or one sample): top-k of p / q with q ~ Exp(1)
"""
from __future__ import annotations

import math

import numpy as np

from . import avx_math

_M24 = np.uint64((1 << 24) - 1)
_M53 = np.uint64((1 << 53) - 1)


# ---- uniform -------------------------------------------------------------------------------------
def _unit_float32(gen, n: int) -> np.ndarray:
    """``uniform_real_distribution<float>(0, 1)``: 24 random bits of one 32-bit draw, in [0, 1)."""
    return (gen.random32(n) & _M24).astype(np.float32) * np.float32(2.0 ** -24)


def _unit_float64(gen, n: int) -> np.ndarray:
    """``uniform_real_distribution<double>(0, 1)``: 53 random bits of one 64-bit draw, in [0, 1)."""
    return (gen.random64(n) & _M53).astype(np.float64) * (2.0 ** -53)


def _fma32(a, b, c) -> np.ndarray:
    return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(np.float32)


def _fma64(a, b, c) -> np.ndarray:
    """round(a·b + c) in float64 with one rounding (error-free product and sum, Dekker/Knuth)."""
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    p = a * b
    split = 134217729.0                      # 2²⁷ + 1
    ah = a * split
    ah = ah - (ah - a)
    al = a - ah
    bh = b * split
    bh = bh - (bh - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl          # a·b = p + e exactly
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)                               # p + c = s + t exactly
    with np.errstate(invalid="ignore", over="ignore"):
        out = s + (t + e)
    return np.where(np.isfinite(out), out, a * b + c)


_LIBM_MAX = 1 << 20


def _libm(name: str, x: np.ndarray) -> np.ndarray:
    """``math.<name>`` (the C library's, which PyTorch's float64 kernels call) element by element for up to
    2²⁰ values (about 60 ns each); NumPy's own SIMD version beyond (within 2 ulp of it: docs/errors.md)."""
    if x.size > _LIBM_MAX:
        return getattr(np, name)(x)
    fn = getattr(math, name)
    return np.fromiter(map(fn, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


def memory_order(a: np.ndarray) -> tuple:
    """The axes of ``a`` from slowest to fastest in memory: the order PyTorch's TensorIterator visits the
    elements of a non-contiguous tensor (a transposed view is filled in its base's row-major order)."""
    return tuple(sorted(range(a.ndim), key=lambda i: -abs(a.strides[i]) if a.shape[i] > 1 else 0))


def fill_like(a: np.ndarray, draw) -> np.ndarray:
    """``draw(shape)`` for ``a``'s shape, its values laid out in PyTorch's visiting order of ``a``."""
    if a.flags.c_contiguous or a.ndim < 2:
        return draw(a.shape)
    order = memory_order(a)
    values = draw(tuple(a.shape[i] for i in order))
    return values.transpose(np.argsort(order))


def empty_like(a: np.ndarray) -> np.ndarray:
    """An uninitialised array laid out as PyTorch's ``empty_like(a)`` (preserve_format): ``a``'s axis order
    when ``a`` is dense (a permutation of a contiguous block), else row-major."""
    if a.ndim >= 2 and not a.flags.c_contiguous:
        order = memory_order(a)
        if np.transpose(a, order).flags.c_contiguous:
            return np.empty(tuple(a.shape[i] for i in order), a.dtype).transpose(np.argsort(order))
    return np.empty(a.shape, a.dtype)


def _count(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def uniform(gen, shape, dtype, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """U[low, high) in ``dtype`` (float16/32 drawn in float32, float64 in float64)."""
    dtype = np.dtype(dtype)
    n = _count(shape)
    if dtype == np.float64:
        v = _fma64(_unit_float64(gen, n), high - low, low) if (low, high) != (0.0, 1.0) else _unit_float64(gen, n)
    elif (low, high) == (0.0, 1.0):
        v = _unit_float32(gen, n)                     # fma(x, 1, 0) = x
    else:
        lo, hi = np.float32(low), np.float32(high)
        v = _fma32(_unit_float32(gen, n), hi - lo, lo)
    out = v.astype(dtype, copy=False)
    to, frm = dtype.type(high), dtype.type(low)
    out[out == to] = frm                  # PyTorch: a value rounded up to `high` becomes `low`
    return out.reshape(shape)


# ---- normal --------------------------------------------------------------------------------------
def _box_muller16_float32(x: np.ndarray, mean, std) -> np.ndarray:
    """PyTorch's AVX2 ``NormalFill16<float>`` on rows of 16 uniforms (float32 throughout)."""
    u1 = np.float32(1) - x[:, :8]
    u2 = x[:, 8:]
    radius = np.sqrt(np.float32(-2) * avx_math.log256(u1))
    sin, cos = avx_math.sincos256(np.float32(2.0 * math.pi) * u2)
    m, s = np.float32(mean), np.float32(std)
    return np.concatenate([_fma32(radius * cos, s, m), _fma32(radius * sin, s, m)], axis=1)


def _box_muller16_float64(x: np.ndarray, mean, std) -> np.ndarray:
    """``NormalFill16<double>``: the scalar loop with libm's log, cos, sin and std::fma."""
    u1 = 1.0 - x[:, :8]
    radius = np.sqrt(-2.0 * _libm("log", u1))
    theta = (2.0 * math.pi) * x[:, 8:]
    cos, sin = _libm("cos", theta), _libm("sin", theta)
    if (mean, std) == (0.0, 1.0):
        return np.concatenate([radius * cos, radius * sin], axis=1)
    return np.concatenate([_fma64(radius * cos, std, mean), _fma64(radius * sin, std, mean)], axis=1)


def _normal_fill(gen, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """``normal_fill``: the path for 16 or more contiguous elements."""
    if dtype == np.float64:
        unit, block = _unit_float64, _box_muller16_float64
    else:
        unit, block = _unit_float32, _box_muller16_float32
    full = (n // 16) * 16
    # float32/float64 draw all n uniforms first; float16 (a float32 buffer) draws only whole blocks
    x = unit(gen, n if dtype != np.float16 else full)
    out = np.empty(n, dtype=np.float64 if dtype == np.float64 else np.float32)
    out[:full] = block(x[:full].reshape(-1, 16), mean, std).reshape(-1)
    if n % 16:
        out[n - 16:] = block(unit(gen, 16).reshape(1, 16), mean, std).reshape(-1)
    return out.astype(dtype, copy=False)


def _normal_serial(gen, n: int, mean: float, std: float) -> np.ndarray:
    """``normal_distribution<double>`` one element after another, sharing the generator's cached sample."""
    out = np.empty(n, dtype=np.float64)
    start = 0
    if n and gen.next_double_normal is not None:
        out[0] = gen.next_double_normal
        gen.next_double_normal = None
        start = 1
    pairs = (n - start + 1) // 2
    if pairs:
        x = _unit_float64(gen, 2 * pairs)
        r = np.sqrt(-2.0 * _libm("log1p", -x[1::2]))
        theta = (2.0 * math.pi) * x[0::2]
        z = np.empty(2 * pairs)
        z[0::2] = r * _libm("cos", theta)
        z[1::2] = r * _libm("sin", theta)
        out[start:] = z[:n - start]
        if (n - start) % 2:
            gen.next_double_normal = float(z[-1])
    if (mean, std) == (0.0, 1.0):
        return out
    return _fma64(out, std, mean)


def normal(gen, shape, dtype, mean: float = 0.0, std: float = 1.0, contiguous: bool = True) -> np.ndarray:
    """N(mean, std²) in ``dtype`` by PyTorch's two paths (≥ 16 contiguous elements: block Box–Muller)."""
    dtype = np.dtype(dtype)
    n = _count(shape)
    if n >= 16 and contiguous:
        return _normal_fill(gen, n, dtype, float(mean), float(std)).reshape(shape)
    return _normal_serial(gen, n, float(mean), float(std)).astype(dtype).reshape(shape)


# ---- integers ------------------------------------------------------------------------------------
def _draws_for_range(gen, n: int, span: int) -> np.ndarray:
    return gen.random64(n) if span >= 1 << 28 else gen.random32(n)


def _digits(dtype: np.dtype) -> int:
    return np.finfo(dtype).nmant + 1


def float_bounds(dtype, low: int, high: int) -> tuple[int, int]:
    """PyTorch's ``update_from`` / ``update_to``: move [low, high) inwards to integers that stay inside it
    after rounding to the float ``dtype`` (only matters beyond 2^mantissa)."""
    d = _digits(np.dtype(dtype))
    t = np.dtype(dtype).type
    up = int(t(low + 1))
    if up < low:
        low = up + (1 << (abs(low + 1).bit_length() - 1 - d + 1))
    down = int(t(high - 1))
    if down >= high:
        high = down - (1 << (abs(high - 1).bit_length() - 1 - d + 1))
    return low, high


def random_from_to(gen, shape, dtype, low: int, high: int) -> np.ndarray:
    """Integers uniform on [low, high): ``(r mod (high − low)) + low`` (``randint``, ``random_(low, high)``)."""
    dtype = np.dtype(dtype)
    low, high = int(low), int(high)
    if dtype.kind == "f" and high - low < 1 << 64:
        low, high = float_bounds(dtype, low, high)
    span = high - low
    n = _count(shape)
    if span >= 1 << 64:          # random_(int64 min, None): the full 64-bit range, r reinterpreted as int64
        v = gen.random64(n).view(np.int64)
    else:
        r = _draws_for_range(gen, n, span)
        v = ((r % np.uint64(span)) + np.uint64(int(low) % (1 << 64))).view(np.int64)   # wraps as int64 does
    return v.astype(dtype).reshape(shape)


def random_full(gen, shape, dtype) -> np.ndarray:
    """``random_()`` with no bounds: [0, max] for integers, [0, 2^mantissa] for floats, 0/1 for bool."""
    dtype = np.dtype(dtype)
    n = _count(shape)
    if dtype == np.bool_:
        return (gen.random32(n) & np.uint64(1)).astype(np.bool_).reshape(shape)
    if dtype == np.float64:
        mod, r = (1 << 53) + 1, gen.random64(n)
    elif dtype == np.int64:
        mod, r = 1 << 63, gen.random64(n)
    elif dtype.kind == "f":
        mod, r = (1 << (np.finfo(dtype).nmant + 1)) + 1, gen.random32(n)
    else:
        mod, r = int(np.iinfo(dtype).max) + 1, gen.random32(n)
    return (r % np.uint64(mod)).astype(dtype).reshape(shape)


def randperm(gen, n: int) -> np.ndarray:
    """PyTorch's CPU ``randperm``: Fisher–Yates swaps driven by one 32-bit draw per position."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if n < (2 ** 32 - 1) // 20:
        r = list(range(n))
        if n > 1:
            i = np.arange(n - 1, dtype=np.uint64)
            targets = ((gen.random32(n - 1) % (np.uint64(n) - i)) + i).tolist()
            for a, b in enumerate(targets):
                r[a], r[b] = r[b], r[a]
        return np.array(r, dtype=np.int64)
    z = (gen.random64(n) % (np.arange(n, dtype=np.uint64) + np.uint64(1))).tolist()
    r = [0] * n
    for i, k in enumerate(z):        # inside-out Fisher–Yates (PyTorch's path for huge n)
        r[i] = r[k]
        r[k] = i
    return np.array(r, dtype=np.int64)


# ---- bernoulli, exponential, multinomial ---------------------------------------------------------
def bernoulli_scalar(gen, shape, dtype, p: float) -> np.ndarray:
    """1 with probability p: float64 uniform < p, one 64-bit draw per element."""
    return (_unit_float64(gen, _count(shape)) < p).astype(dtype).reshape(shape)


def bernoulli_tensor(gen, p: np.ndarray, shape, dtype) -> np.ndarray:
    """1 where a uniform < p (p broadcast to ``shape``): float32 uniforms unless p is float64."""
    p = np.broadcast_to(p, shape)
    n = _count(shape)
    u = _unit_float64(gen, n) if p.dtype == np.float64 else _unit_float32(gen, n)
    return (u.reshape(shape) < p.astype(u.dtype)).astype(dtype)


def exponential(gen, shape, dtype, lambd: float = 1.0) -> np.ndarray:
    """Exp(λ): −(1/λ)·log1p(−u) with u a float64 uniform."""
    u = _unit_float64(gen, _count(shape))
    return ((-1.0 / lambd) * _libm("log1p", -u)).astype(dtype).reshape(shape)


def log_normal(gen, shape, dtype, mean: float = 1.0, std: float = 2.0) -> np.ndarray:
    """exp of ``normal_distribution<double>(mean, std)`` drawn one element at a time (the cached sample too)."""
    return _libm("exp", _normal_serial(gen, _count(shape), float(mean), float(std))).astype(dtype).reshape(shape)


def cauchy(gen, shape, dtype, median: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """median + σ·tan(π(u − ½)), u a float64 uniform."""
    u = _unit_float64(gen, _count(shape))
    return (median + sigma * _libm("tan", math.pi * (u - 0.5))).astype(dtype).reshape(shape)


def geometric(gen, shape, dtype, p: float) -> np.ndarray:
    """⌈ln u / ln(1 − p)⌉, u a float64 uniform: the number of trials up to the first success."""
    u = _unit_float64(gen, _count(shape))
    with np.errstate(divide="ignore"):
        return np.ceil(_libm("log", u) / math.log1p(-p)).astype(dtype).reshape(shape)


def multinomial(gen, probs: np.ndarray, num_samples: int, replacement: bool) -> np.ndarray:
    """Category indices drawn from each row of ``probs`` (1-D or 2-D, non-negative, not normalised)."""
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement or num_samples == 1:
        q = exponential(gen, rows.shape, rows.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            key = rows / q
        order = np.argsort(-key, axis=-1, kind="stable")[:, :num_samples]
        out = order
    else:
        acc = np.float32 if rows.dtype == np.float16 else rows.dtype
        out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
        for i, row in enumerate(rows):
            cum = np.cumsum(row.astype(acc), dtype=acc)
            cum = cum / cum[-1]
            cum[-1] = 1
            out[i] = np.searchsorted(cum.astype(np.float64), _unit_float64(gen, num_samples), side="left")
    return out.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64)
