"""How a number is written: fixed decimals as the post (``0.6478``), integers bare (``× 1``).

A value too small to show at the chosen decimals (``0 < |v| < ½·10⁻ᴰ``) is written with ``D``
significant digits in scientific form instead of an uninformative ``0.0000``.
"""
from __future__ import annotations

import math

import numpy as np


def split(value: float, decimals: int, integer: bool = False):
    """Return ``(negative, mantissa, exponent)``; ``exponent`` is None for fixed notation.

    >>> split(-0.71973, 4)
    (True, '0.7197', None)
    >>> split(3.14159e-6, 4)
    (False, '3.1416', -6)
    """
    v = float(value)
    if math.isnan(v):
        return False, "nan", None
    if math.isinf(v):
        return v < 0, "inf", None
    if integer and v == round(v):
        return v < 0, str(abs(int(round(v)))), None
    if v != 0 and abs(v) < 0.5 * 10.0 ** (-decimals):
        exp = math.floor(math.log10(abs(v)))
        mant = _scaled(abs(v), -exp)
        text = f"{mant:.{decimals}f}"
        if text.startswith("10"):
            exp += 1
            text = f"{mant / 10:.{decimals}f}"
        return v < 0, text, exp
    text = f"{abs(v):.{decimals}f}"
    negative = v < 0 and text.strip("0.") != ""
    return negative, text, None


def rounded(value: float, decimals: int) -> float:
    """The value as a person writes it down at ``decimals`` places (half away from zero)."""
    q = 10.0 ** decimals
    v = float(value)
    return math.copysign(math.floor(abs(v) * q + 0.5), v) / q if abs(v) * q < 1e15 else v


def carried(value: float, decimals: int) -> float:
    """The value a person carries on after writing it down: ``decimals`` places, or — for a number too
    small for them, which is written in scientific form — ``decimals`` significant digits
    (Adam's v = 3.1416×10⁻⁶ is carried as 3.1416×10⁻⁶, not as 0.0000)."""
    v = float(value)
    if v != 0 and math.isfinite(v) and abs(v) < 0.5 * 10.0 ** (-decimals):
        exp = math.floor(math.log10(abs(v)))
        mantissa = _scaled(v, -exp)
        return float(f"{rounded(mantissa, decimals):.{decimals}f}e{exp}")
    return rounded(v, decimals)


def carried_array(values, decimals: int) -> np.ndarray:
    """``carried`` of every element at once (the hand values of a whole layer): ``rounded``'s half-away-
    from-zero rounding done in NumPy, and ``carried``'s scientific form for the few elements too small
    for the decimals.

    >>> carried_array([0.71973, -0.00012, 3.14159e-6], 4).tolist()
    [0.7197, -0.0001, 3.1416e-06]
    """
    a = np.array(values, dtype=np.float64)
    q = 10.0 ** decimals
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.abs(a) * q
        out = np.where(scaled < 1e15, np.copysign(np.floor(scaled + 0.5), a) / q, a)
        small = (a != 0) & np.isfinite(a) & (np.abs(a) < 0.5 * 10.0 ** (-decimals))
    if small.any():
        out[small] = [carried(v, decimals) for v in a[small]]
    return out


def _scaled(v: float, k: int) -> float:
    """``v·10ᵏ`` without the ``10.0 ** k`` that over- or underflows for a subnormal ``v`` (k > 308)."""
    from decimal import Decimal
    return float(Decimal(v).scaleb(k))


def plain(value: float, decimals: int, integer: bool = False) -> str:
    """ASCII text of a number: ``-0.7197``, ``3.1416e-06``."""
    neg, mant, exp = split(value, decimals, integer)
    s = ("-" if neg else "") + mant
    return s if exp is None else f"{s}e{exp:+03d}"
