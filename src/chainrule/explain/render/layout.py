"""Layout decisions every renderer makes the same way, read off the expression tree.

* ``without_minus(term, decimals)``: a term of a sum that starts with a minus sign (``−0.1725``,
  ``−1.1082 × 0.4154``, ``−z``), returned without it, so a sum is written ``a − 1.1082 × 0.4154``
  and never ``a + −1.1082 × 0.4154``; None when the term starts with no minus.
* ``tall(expr)``: whether the expression is taller than one line of text (a fraction, ∂/∂, a sum with
  limits, a root).  Parentheses stretch only around tall content; around ``log(ŷ)`` they stay the
  size of the text.
* ``scripted(expr)``: a symbol already carrying a superscript, a sample index or a time
  (``z⁽²⁾₁``, ``a₂[3]``, ``W₅(2)``): a power of it is parenthesised, ``(a₂[3])²``, instead of stacking
  two superscripts.
"""
from __future__ import annotations

from .. import derivation as D
from . import numbers


def without_minus(term, decimals: int):
    if isinstance(term, D.Neg):
        return term.arg
    if isinstance(term, D.Num):
        if numbers.split(term.value, decimals, term.integer)[0]:
            return D.Num(-term.value, None if term.exact is None else -term.exact, term.integer)
        return None
    if isinstance(term, D.Mul) and term.factors:
        first = without_minus(term.factors[0], decimals)
        if first is not None:
            return D.Mul((first,) + tuple(term.factors[1:]), term.op)
    return None


def tall(expr) -> bool:
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, (D.Frac, D.Partial, D.Sum, D.Sqrt)):
            return True
        if isinstance(e, D.Expr):
            for name in getattr(e, "__dataclass_fields__", ()):
                v = getattr(e, name)
                if isinstance(v, tuple):
                    stack.extend(v)
                elif isinstance(v, D.Expr):
                    stack.append(v)
    return False


def scripted(expr) -> bool:
    return isinstance(expr, D.Sym) and bool(expr.sup or expr.sample is not None or expr.time is not None)
