"""Never show false arithmetic: a line of numbers must give the result printed after it.

Each number in a derivation is written rounded (``1.0000`` for σ = 0.99999).  ``audit(derivation)``
evaluates every all-number row of every equation *with the numbers as printed* and compares it with the
result printed at the end; where the two disagree at the decimals shown (a saturated sigmoid's
``1 − 1.0000`` is not 0 when σ = 0.99999), the equation gets a note saying that its numbers are rounded
and that the result comes from the exact values — so the reader is never asked to believe
``1.0000 − 0.5000 = 0.0000``.  Rows that are not plain arithmetic (matrices, symbols) are left alone.
"""
from __future__ import annotations

import math

from . import derivation as D
from .render import numbers


class _Skip(Exception):
    pass


def evaluate(e, decimals: int) -> float:
    """The value of an all-number expression, each ``Num`` taken as printed at ``decimals``."""
    if isinstance(e, D.Num):
        if e.integer and e.value == round(e.value):
            return float(e.value)
        neg, mant, exp = numbers.split(e.value, decimals, e.integer)
        if mant in ("nan", "inf"):
            raise _Skip
        v = float(mant) * (10.0 ** exp if exp is not None else 1.0)
        return -v if neg else v
    ev = lambda x: evaluate(x, decimals)   # noqa: E731
    if isinstance(e, D.Add):
        return sum(ev(t) for t in e.terms)
    if isinstance(e, D.Sub):
        return ev(e.left) - ev(e.right)
    if isinstance(e, D.Mul):
        out = 1.0
        for f in e.factors:
            out *= ev(f)
        return out
    if isinstance(e, D.Frac):
        den = ev(e.den)
        if den == 0:                  # the printed numbers divide by zero: they cannot give a finite result
            return math.inf
        return ev(e.num) / den
    if isinstance(e, D.Neg):
        return -ev(e.arg)
    if isinstance(e, D.Paren):
        return ev(e.arg)
    if isinstance(e, D.Pow):
        return ev(e.base) ** ev(e.exp)
    if isinstance(e, D.Sqrt):
        return math.sqrt(ev(e.arg))
    if isinstance(e, D.Func):
        args = [ev(a) for a in e.args]
        f = {"exp": math.exp, "log": math.log, "ln": math.log, "tanh": math.tanh, "sin": math.sin, "cos": math.cos,
             "abs": abs, "σ": lambda v: 1 / (1 + math.exp(-v)), "max": max, "min": min}.get(e.name)
        if f is None:
            raise _Skip
        try:
            return float(f(*args))
        except (ValueError, OverflowError):
            raise _Skip from None
    if isinstance(e, D.Rel):
        a, b = ev(e.left), ev(e.right)
        return float({">": a > b, "<": a < b, "=": a == b, "≥": a >= b, "≤": a <= b}.get(e.op, math.nan))
    raise _Skip


def _numbers_only(e) -> bool:
    if isinstance(e, (D.Sym, D.Matrix, D.Seq, D.Hadamard, D.Transpose, D.Sum, D.Partial, D.Shape)):
        return False
    if isinstance(e, D.Num):
        return True
    if not isinstance(e, D.Expr):
        return False
    for name in getattr(e, "__dataclass_fields__", ()):
        v = getattr(e, name)
        if isinstance(v, tuple):
            if not all(_numbers_only(x) for x in v):
                return False
        elif isinstance(v, D.Expr) and not _numbers_only(v):
            return False
    return True


def misleading(eq: D.Equation, decimals: int) -> bool:
    """Whether some all-number row of ``eq``, evaluated as printed, does not give its printed result."""
    if not eq.rows or not isinstance(eq.rows[-1], D.Num) or eq.rows[-1].exact is not None:
        return False
    result = eq.rows[-1]
    try:
        shown = evaluate(result, decimals)
    except _Skip:
        return False
    for row in eq.rows[:-1]:
        if not _numbers_only(row) or isinstance(row, D.Num):
            continue
        try:
            v = evaluate(row, decimals)
        except (_Skip, ZeroDivisionError, OverflowError):
            continue
        n = len(D.numbers_in(row))
        tiny = 0 < abs(shown) < 0.5 * 10.0 ** -decimals      # printed with significant digits (6.1441×10⁻⁶)
        slack = 10.0 ** -decimals * max(1, n) * (abs(shown) if tiny else max(1.0, abs(shown)))
        if not math.isfinite(v) or abs(v - shown) > slack:
            return True
    return False


def audit(derivation: D.Derivation) -> D.Derivation:
    """Add ``note.rounded`` under every equation whose printed numbers do not give its printed result."""
    if derivation.hand:            # --hand carries rounded values on purpose and marks each difference
        return derivation
    for s in derivation.sections:
        for b in s.blocks:
            if isinstance(b, D.Equation) and misleading(b, derivation.decimals):
                b.notes.append(D.Para("note.rounded", {"decimals": derivation.decimals}))
    return derivation
