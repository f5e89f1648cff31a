"""float32 ``log`` and ``sin``/``cos`` exactly as PyTorch's x86 ``randn`` computes them.

PyTorch's CPU ``normal_`` on 16 or more float32 elements runs Box–Muller through ``log256_ps`` and
``sincos256_ps`` of ``ATen/native/cpu/avx_mathfun.h`` (Cephes polynomials in single precision; the AVX2
kernel, which PyTorch also uses on AVX-512 machines).  Compiled with FMA, GCC fuses each ``a·b + c``
into one rounding; the fused pairs below are the ones that reproduce PyTorch bit for bit (checked
against ``torch.randn`` on 10⁵ values: every value equal).  ``fma(a, b, c)`` is evaluated as
``float32(float64(a)·b + c)``: the product of two floats is exact in float64, so only the final sum
rounds twice — a 2⁻²⁹-rare event, never met in the tests.
"""
from __future__ import annotations

import numpy as np

f32 = np.float32


def _fma(a, b, c) -> np.ndarray:
    """round(a·b + c) to float32, the product exact."""
    return (np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64) + np.asarray(c, np.float64)
            ).astype(np.float32)


_LOG_P = [f32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                           1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                           3.3333331174E-1)]


def log256(x: np.ndarray) -> np.ndarray:
    """ln x for positive normal float32 x: x = m·2ᵉ with m ∈ [√½, √2), ln x = e·ln2 + P(m − 1)."""
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(np.float32) + f32(1)
    m = ((bits & ~0x7F800000) | f32(0.5).view(np.int32)).view(np.float32)      # m ∈ [0.5, 1)
    small = m < f32(0.707106781186547524)
    e = e - small.astype(np.float32)
    m = (m - f32(1)) + np.where(small, m, f32(0))
    z = m * m
    y = np.full_like(m, _LOG_P[0])
    for c in _LOG_P[1:]:
        y = _fma(y, m, c)
    y = y * m
    y = _fma(y, z, e * f32(-2.12194440e-4))
    y = _fma(z, f32(-0.5), y)
    return _fma(e, f32(0.693359375), m + y)


_DP = (f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8))


def sincos256(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin x, cos x) for float32 x: reduce by j·π/4 (Cody–Waite, three parts), two minimax polynomials."""
    x = np.asarray(x, dtype=np.float32)
    sign_sin = np.signbit(x)
    ax = np.abs(x)
    j = (ax * f32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    sign_sin = sign_sin ^ ((j & 4) != 0)
    sign_cos = (~(j - 2) & 4) != 0
    poly = (j & 2) == 0
    r = ax
    for d in _DP:
        r = _fma(y, d, r)
    z = r * r
    c = _fma(f32(2.443315711809948E-005), z, f32(-1.388731625493765E-003))
    c = _fma(c, z, f32(4.166664568298827E-002))
    c = _fma(c * z, z, -(z * f32(0.5))) + f32(1)
    s = _fma(f32(-1.9515295891E-4), z, f32(8.3321608736E-3))
    s = _fma(s, z, f32(-1.6666654611E-1))
    s = _fma(s * z, r, r)
    sin = np.where(poly, s, c)
    cos = np.where(poly, c, s)
    return np.where(sign_sin, -sin, sin), np.where(sign_cos, -cos, cos)
