"""Explain rules: how an op is written in a derivation, declared beside the op in ``ops/*.py``.

An op class may carry ``explain``, a function ``(E, node, *args, out) -> Rule``: ``args`` are the op's
arguments as expressions (a tensor's symbol, a number's ``Num``; other arguments as given), ``out``
the output's symbol, ``node`` the recorded node (its ``ctx`` attributes: ``alpha``, ``axis`` …), and
``E`` this module's ``E`` (expression constructors).  It returns ``E.rule(forward, d=…, vjp=…)``:

* ``forward`` — the output as an expression over the inputs' symbols (``a·b``, ``σ(a)``);
* ``d`` — per argument, the local derivative ∂out/∂arg *element by element* (``b``, ``out(1 − out)``),
  used where the op is element-wise (or its inputs are single numbers);
* ``vjp`` — per argument, the contribution ∂L/∂arg in *matrix form* given ``G`` = ∂L/∂out
  (``G·W``, ``Gᵀ·x``, ``Σₙ G``), used for tensors.

Either may be ``None`` per argument.  An op without a rule is still explained: its forward reads
``NameBackward0(a, b)`` and its local factor is the generic ∂out/∂a with autograd's numbers::

    Mul.explain = lambda E, n, a, b, out: E.rule(E.mul(a, b), d=(b, a))          # ops/elementwise.py

The numbers never come from here: they are the engine's (``OpNode.local``, ``OpNode.contribution``);
the expressions only say what was multiplied, and the builder checks the products against autograd.
"""
from __future__ import annotations

from dataclasses import dataclass, is_dataclass

from . import derivation as D


@dataclass(frozen=True)
class Rule:
    forward: D.Expr | None
    d: tuple = ()
    vjp: tuple = ()


class E:
    """Expression constructors handed to every rule (``E.mul(a, b)``, ``E.func("exp", a)`` …)."""
    one = D.Num(1, integer=True)
    two = D.Num(2, integer=True)
    zero = D.Num(0, integer=True)
    G = D.Sym("G")                  # ∂L/∂out in a vjp
    rule = Rule

    @staticmethod
    def expr_or(a, fallback):
        """``a`` when it is an expression (a tensor argument's symbol), else ``fallback`` (a raw array)."""
        return a if isinstance(a, D.Expr) else fallback

    @staticmethod
    def sym(base, **kw):
        return D.Sym(base, **kw)

    @staticmethod
    def at(sym, t):
        """``sym`` at step ``t``: W₅(2)."""
        from dataclasses import replace
        return replace(sym, time=t)

    @staticmethod
    def plain(sym):
        """The symbol as the subscript of an optimizer state (m_{W₅}): without its time."""
        from dataclasses import replace
        return replace(sym, time=None)

    @staticmethod
    def partial(of, wrt):
        return D.Partial(of, wrt)

    @staticmethod
    def eq(lhs, *rows):
        return D.Equation(lhs, list(rows), role="update")

    @staticmethod
    def num(v):
        v = float(v)
        return D.Num(v, integer=v == round(v))

    @staticmethod
    def add(*terms):
        return D.Add(tuple(terms))

    @staticmethod
    def sub(a, b):
        return D.Sub(a, b)

    @staticmethod
    def mul(*factors):
        return D.Mul(tuple(factors), "dot")

    @staticmethod
    def juxt(*factors):
        return D.Mul(tuple(factors), "juxt")

    @staticmethod
    def div(a, b):
        return D.Frac(a, b)

    @staticmethod
    def neg(a):
        return D.Neg(a)

    @staticmethod
    def paren(a):
        return D.Paren(a)

    @staticmethod
    def pow(a, b):
        return D.Pow(a, b)

    @staticmethod
    def sqrt(a):
        return D.Sqrt(a)

    @staticmethod
    def func(name, *args):
        return D.Func(name, tuple(args))

    @staticmethod
    def rel(a, op, b):
        return D.Rel(a, op, b)

    @staticmethod
    def T(a):
        return D.Transpose(a)

    @staticmethod
    def had(a, b):
        return D.Hadamard(a, b)

    @staticmethod
    def sum(index, body):
        return D.Sum(index, body)

    @staticmethod
    def scaled(alpha, b):
        """``b`` or ``alpha·b`` (PyTorch's ``add(a, b, alpha=…)``)."""
        return b if alpha == 1 else D.Mul((E.num(alpha), b), "dot")


def rule_for(op, arg_exprs, out_sym) -> Rule | None:
    """The op's rule applied to its arguments' expressions, or None (no rule, or the rule failed)."""
    fn = getattr(op.cls, "explain", None)
    if fn is None:
        return None
    try:
        r = fn(E, op.node, *arg_exprs, out=out_sym)
    except Exception:   # noqa: BLE001 - a rule that does not fit this call: the generic form is used
        return None
    if not isinstance(r, Rule) or (r.forward is not None and not _well_formed(r.forward)):
        return None
    return Rule(r.forward, tuple(x if x is None or _well_formed(x) else None for x in r.d),
                tuple(x if x is None or _well_formed(x) else None for x in r.vjp))


def _well_formed(expr) -> bool:
    """Only expression nodes all the way down (a rule handed a raw array would not render)."""
    if not isinstance(expr, D.Expr):
        return False
    for name in expr.__dataclass_fields__:
        v = getattr(expr, name)
        if isinstance(v, tuple):
            if not all(isinstance(x, (D.Expr, str)) and (not isinstance(x, D.Expr) or _well_formed(x)) for x in v):
                return False
        elif isinstance(v, D.Expr) and not _well_formed(v):
            return False
    return True


def generic_forward(op, arg_exprs) -> D.Expr:
    """``MulBackward0(a, b)`` → written as the op's name applied to its tensor arguments."""
    name = op.name[:-len("Backward0")] if op.name.endswith("Backward0") else op.name
    return D.Func(name, tuple(a for a in arg_exprs if isinstance(a, D.Expr)))


def substitute(expr, numbers: dict):
    """``expr`` with every symbol in ``numbers`` (Sym -> Num) replaced; products of numbers use ×."""
    if isinstance(expr, D.Sym):
        return numbers.get(expr, expr)
    if not is_dataclass(expr) or not isinstance(expr, D.Expr):
        return expr
    changes = {}
    for name in expr.__dataclass_fields__:
        v = getattr(expr, name)
        if isinstance(v, tuple):
            nv = tuple(substitute(x, numbers) for x in v)
        elif isinstance(v, D.Expr):
            nv = substitute(v, numbers)
        else:
            continue
        if nv is not v:
            changes[name] = nv
    if isinstance(expr, D.Mul):
        factors = changes.get("factors", expr.factors)
        op = expr.op
        if op == "dot" and all(not isinstance(x, D.Sym) for x in factors):
            op = "times"
        if op == "juxt" and any(isinstance(x, D.Num) for x in factors):
            op = "times"
        return D.Mul(factors, op)
    if not changes:
        return expr
    return type(expr)(**{n: changes.get(n, getattr(expr, n)) for n in expr.__dataclass_fields__})
