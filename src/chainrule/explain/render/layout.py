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
* ``precedence(expr, decimals, inline_fractions=…)``: how tightly the expression binds (1 sum, 2 product,
  3 unary minus, 4 power, 5 atom); a fraction is an atom when drawn stacked (MathML, LaTeX) and a
  product when written inline ``a/b`` (text).  A negative number binds like a unary minus; one shown
  with an exponent (``1.2×10⁻⁵``) like a product.
* ``factor_needs_parens(op, index, prec)``: whether a product's factor of precedence ``prec`` at
  ``index`` is parenthesised: a sum always, ``−x`` after the first factor (``2 × (−x)``), and anything
  but an atom after the first factor of a juxtaposition (``W(x + b)``).
* ``subtrahend_needs_parens(term, decimals, prec)``: ``a − (−0.5 × b)``, never ``a − −0.5 × b``.
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


def precedence(expr, decimals: int, *, inline_fractions: bool = False) -> int:
    if isinstance(expr, (D.Add, D.Sub, D.Seq, D.Eq, D.Hadamard)):
        return 1
    if isinstance(expr, D.Mul) or (inline_fractions and isinstance(expr, D.Frac)):
        return 2
    if isinstance(expr, D.Neg):
        return 3
    if isinstance(expr, D.Num):
        neg, _, exp = numbers.split(expr.value, decimals, expr.integer)
        return 3 if neg else (2 if exp is not None else 5)
    if isinstance(expr, D.Pow):
        return 4
    return 5


def factor_needs_parens(op: str, index: int, prec: int) -> bool:
    return prec < 2 or (index and prec < 4) or (op == "juxt" and index and prec < 5)


def subtrahend_needs_parens(term, decimals: int, prec: int) -> bool:
    return without_minus(term, decimals) is not None and prec >= 2
