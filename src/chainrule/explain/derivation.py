"""The language-neutral model of a worked solution: math expressions and the blocks around them.

A ``Solution`` is a list of ``Section``s; a section holds blocks:

* ``Para(key, params)``      — a sentence from the locale file (``key``), ``params`` filled in
  (an ``Expr`` parameter is typeset as inline math by each renderer);
* ``Equation(lhs, rows)``    — an aligned chain ``lhs = rows[0] = rows[1] = …`` (the post's
  ``\\begin{aligned} z_1 &= W_1x_1 + W_2x_2 + b_1 \\\\ &= 0.4352\\times1 + … \\end{aligned}``);
* ``Table(header, rows)``    — header keys from the locale, cells are ``Expr`` or plain text.

Expressions are small immutable trees (``Sym``, ``Num``, ``Add``, ``Mul``, ``Frac``, ``Partial`` …);
the text, LaTeX and MathML renderers each walk them.  Nothing here knows a language or a format,
and nothing here computes: every ``Num`` carries a value the recorder took from the engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Expr:
    """Base of all expression nodes."""

    __slots__ = ()


@dataclass(frozen=True)
class Sym(Expr):
    """A named quantity: ``base`` with optional subscript, superscript, sample index and time.

    ``Sym("W", sub="5", time=2)`` is the post's W₅(2); ``Sym("z", sub="1", sup="(2)")`` is z⁽²⁾₁;
    ``sample=3`` marks the value for the 3rd sample of a batch (z₁[3]); ``hat`` puts a hat on it (ŷ).
    ``sub`` may itself be a ``Sym``: Adam's first moment of W₇ is ``Sym("m", sub=Sym("W", sub="7"))``, m_{W₇}.
    """
    base: str
    sub: "str | Sym" = ""
    sup: str = ""
    hat: bool = False
    sample: int | None = None
    time: int | None = None
    bold: bool = False
    ref: int | None = field(default=None, compare=False)   # the StepGraph value it names (Value.id)
    elem: tuple | None = field(default=None, compare=False)  # which element of that value: (row, column) of W₅


@dataclass(frozen=True)
class Num(Expr):
    """A number from the run.  ``exact`` is set (and differs) only when ``value`` was rounded by hand.

    ``integer`` numbers (inputs, constants such as 1) print without decimals, as the post does.
    """
    value: float
    exact: float | None = None
    integer: bool = False


@dataclass(frozen=True)
class Add(Expr):
    """``a + b + …``; a negative number or ``Neg`` term is written with a minus sign."""
    terms: tuple


@dataclass(frozen=True)
class Sub(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Mul(Expr):
    """A product. ``op``: ``"dot"`` (·, symbols), ``"times"`` (×, numbers), ``"juxt"`` (σ₃(1 − σ₃))."""
    factors: tuple
    op: str = "dot"


@dataclass(frozen=True)
class Frac(Expr):
    num: Expr
    den: Expr


@dataclass(frozen=True)
class Neg(Expr):
    arg: Expr


@dataclass(frozen=True)
class Paren(Expr):
    arg: Expr


@dataclass(frozen=True)
class Func(Expr):
    """A named function applied to arguments: ``exp``, ``log``, ``tanh``, ``max``, ``sign`` …"""
    name: str
    args: tuple


@dataclass(frozen=True)
class Pow(Expr):
    base: Expr
    exp: Expr


@dataclass(frozen=True)
class Sqrt(Expr):
    arg: Expr


@dataclass(frozen=True)
class Abs(Expr):
    arg: Expr


@dataclass(frozen=True)
class Partial(Expr):
    """``∂of/∂wrt``."""
    of: Expr
    wrt: Expr


@dataclass(frozen=True)
class Sum(Expr):
    """``Σ_index body`` (``index`` is a short string such as ``"n"`` or ``"k"``)."""
    index: str
    body: Expr


@dataclass(frozen=True)
class Rel(Expr):
    """An Iverson bracket ``[left op right]`` (1 when true, else 0): ReLU's derivative ``[z > 0]``."""
    left: Expr
    op: str
    right: Expr


@dataclass(frozen=True)
class Transpose(Expr):
    arg: Expr


@dataclass(frozen=True)
class Hadamard(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Shape(Expr):
    """A shape annotation such as ``[2 × 4]``, set beside a matrix equation."""
    dims: tuple


@dataclass(frozen=True)
class Seq(Expr):
    """Expressions side by side separated by a comma (``x₁ = 1, x₂ = 1, y = 0``)."""
    items: tuple


@dataclass(frozen=True)
class Eq(Expr):
    """``left = right`` inside one expression (used in ``Seq`` lists and table cells)."""
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Mark(Expr):
    """A number followed by a verification mark: ``ok`` (✓) or the other value and the difference."""
    arg: Expr
    ok: bool
    other: float | None = None


# -- blocks ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Phrase:
    """A table cell in words: the locale message ``key`` with ``params`` (renderers get it as text)."""
    key: str
    params: tuple = ()          # (name, value) pairs

    def text(self, messages) -> str:
        return messages.get(self.key).format_map(dict(self.params))


@dataclass
class Para:
    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Matrix(Expr):
    """A small tensor written out: ``rows`` is a tuple of rows, each a tuple of ``Num`` (a vector is one row)."""
    rows: tuple


#: what an equation is for: "forward", "loss", "local" (∂out/∂in), "gradient" (∂L/∂v), "update", or "" (other)
ROLES = ("forward", "loss", "local", "gradient", "update", "")


@dataclass
class Equation:
    lhs: Expr
    rows: list
    shape: Shape | None = None
    notes: list = field(default_factory=list)   # Para items printed under the equation
    role: str = ""                              # one of ROLES


@dataclass
class Table:
    header: list            # locale keys
    rows: list              # each a list of cells: Expr or str
    title: Any = None       # Para or None


@dataclass
class Section:
    key: str                # heading key in the locale
    blocks: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    level: int = 2


@dataclass
class Derivation:
    """Everything a renderer needs: the sections, the decimals and the title's parameters."""
    sections: list
    decimals: int = 4
    title_params: dict = field(default_factory=dict)
    hand: bool = False
    title_key: str = "title"


def numbers_in(expr) -> list:
    """Every ``Num`` in an expression (used by tests and by ``chainrule check``)."""
    out = []
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Num):
            out.append(e)
        elif isinstance(e, Expr):
            for name in getattr(e, "__dataclass_fields__", ()):
                v = getattr(e, name)
                if isinstance(v, tuple):
                    stack.extend(x for r in v for x in (r if isinstance(r, tuple) else (r,)))
                elif isinstance(v, Expr):
                    stack.append(v)
    return out
