"""Plain text with Unicode math, for a terminal: aligned equation chains, boxed-free tables.

    z₁ = W₁·x₁ + W₂·x₂ + b₁
       = 0.4352 × 1 + 0.3545 × 1 - 0.1419
       = 0.6478

The minus sign is ASCII's hyphen-minus, as numpy, PyTorch and the rest of chainrule print it: a number
copied from the solution (``-0.4452``) parses in Python and is found by ``grep -- -0.4452``.
"""
from __future__ import annotations

import unicodedata

from .. import derivation as D
from . import headings, numbers
from .korean import GlossOnce
from .layout import factor_needs_parens, precedence, scripted, subtrahend_needs_parens, without_minus

MINUS = "-"      # ASCII, never U+2212: numbers that copy into Python
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx,", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,"))
_SUP = dict(zip("0123456789+-=()nTtij[]", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀᵗⁱʲ[]"))


def _script(text: str, table: dict, fallback: str) -> str:
    if all(c in table for c in text):
        return "".join(table[c] for c in text)
    return f"{fallback}{text}" if text.isalnum() else f"{fallback}({text})"


def width(s: str) -> int:
    """Columns a string takes in a terminal (Korean syllables take two, combining marks none)."""
    w = 0
    for c in s:
        if unicodedata.combining(c):
            continue
        w += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return w


class TextMath:
    """Writes an expression tree as a one-line Unicode string."""

    def __init__(self, decimals: int, exact_word: str = "exact"):
        self.decimals = decimals
        self.exact_word = exact_word     # the word beside a hand-rounded result: 0.7196† (exact 0.7197)

    def exact_note(self, e) -> str:
        """`` (exact −0.7197)`` after a result computed by hand that differs from the exact value."""
        return f" ({self.exact_word} {self.num(e.exact)})" if isinstance(e, D.Num) and e.exact is not None else ""

    # precedence: 1 sum, 2 product, 3 unary minus, 4 power, 5 atom
    def prec(self, e) -> int:
        return precedence(e, self.decimals, inline_fractions=True)

    def wrap(self, e, min_prec: int) -> str:
        s = self(e)
        return f"({s})" if self.prec(e) < min_prec else s

    def num(self, value, integer=False) -> str:
        neg, mant, exp = numbers.split(value, self.decimals, integer)
        s = (MINUS if neg else "") + mant
        if exp is not None:
            s += "×10" + _script(str(exp).replace("-", "-"), _SUP, "^")
        return s

    def __call__(self, e) -> str:
        m = getattr(self, "_" + type(e).__name__)
        return m(e)

    def _Sym(self, e: D.Sym) -> str:
        base = e.base
        if e.hat:
            base = {"y": "ŷ"}.get(base, base + "\u0302")
        if e.bold:
            base = base  # terminals have no reliable bold math; the letter is kept
        s = base
        if e.sup:
            s += _script(e.sup, _SUP, "^")
        if isinstance(e.sub, D.Sym):         # a nested subscript: Adam's m_W₅
            s += "_" + self(e.sub)
        elif e.sub:
            s += _script(e.sub, _SUB, "_")
        if e.sample is not None:
            s += f"[{e.sample}]"
        if e.time is not None:
            s += f"({e.time})"
        return s

    def _Num(self, e: D.Num) -> str:
        s = self.num(e.value, e.integer)
        if e.exact is not None:
            s += "†"
        return s

    def _Add(self, e: D.Add) -> str:
        out = ""
        for i, t in enumerate(e.terms):
            rest = without_minus(t, self.decimals) if i else None
            if rest is not None:             # "a − 1.1082 × b", never "a + −1.1082 × b"
                out += f" {MINUS} " + self.wrap(rest, 2)
            else:
                out += (" + " if i else "") + self.wrap(t, 1)
        return out

    def _Sub(self, e: D.Sub) -> str:
        right = self.wrap(e.right, 2)
        if subtrahend_needs_parens(e.right, self.decimals, self.prec(e.right)):
            right = f"({right})"
        return f"{self.wrap(e.left, 1)} {MINUS} {right}"

    def _Mul(self, e: D.Mul) -> str:
        sep = {"dot": "·", "times": " × ", "juxt": ""}[e.op]
        parts = []
        for i, f in enumerate(e.factors):
            s = self(f)
            if isinstance(f, D.Frac) and len(e.factors) > 1:
                s = f"({self.wrap(f.num, 5)}/{self.wrap(f.den, 5)})"
            elif factor_needs_parens(e.op, i, self.prec(f)):
                s = f"({s})"
            parts.append(s)
        return sep.join(parts)

    def _Frac(self, e: D.Frac) -> str:
        return f"{self.wrap(e.num, 2)} / {self.wrap(e.den, 4)}"

    def _Neg(self, e: D.Neg) -> str:
        return MINUS + self.wrap(e.arg, 3)

    def _Paren(self, e: D.Paren) -> str:
        return f"({self(e.arg)})"

    def _Func(self, e: D.Func) -> str:
        return f"{e.name}({', '.join(self(a) for a in e.args)})"

    def _Pow(self, e: D.Pow) -> str:
        if scripted(e.base):                 # (a₂[3])², not a₂[3]²
            return f"({self(e.base)})" + (_script(str(int(e.exp.value)), _SUP, "^")
                                          if isinstance(e.exp, D.Num) and e.exp.integer else f"^{self.wrap(e.exp, 5)}")
        if isinstance(e.exp, D.Num) and e.exp.integer:
            return self.wrap(e.base, 5) + _script(str(int(e.exp.value)), _SUP, "^")
        if isinstance(e.exp, D.Sym) and not e.exp.sub and len(e.exp.base) == 1 and e.exp.base in _SUP:
            return self.wrap(e.base, 5) + _SUP[e.exp.base]
        return f"{self.wrap(e.base, 5)}^{self.wrap(e.exp, 5)}"

    def _Sqrt(self, e: D.Sqrt) -> str:
        return "√" + self.wrap(e.arg, 5)

    def _Abs(self, e: D.Abs) -> str:
        return f"|{self(e.arg)}|"

    def _Partial(self, e: D.Partial) -> str:
        return f"∂{self.wrap(e.of, 5)}/∂{self.wrap(e.wrt, 5)}"

    def _Sum(self, e: D.Sum) -> str:
        return "Σ" + _script(e.index, _SUB, "_") + " " + self.wrap(e.body, 2)

    def _Rel(self, e: D.Rel) -> str:
        return f"[{self(e.left)} {e.op} {self(e.right)}]"

    def _Transpose(self, e: D.Transpose) -> str:
        return self.wrap(e.arg, 5) + "ᵀ"

    def _Hadamard(self, e: D.Hadamard) -> str:
        return f"{self.wrap(e.left, 2)} ⊙ {self.wrap(e.right, 2)}"

    def _Shape(self, e: D.Shape) -> str:
        return "[" + " × ".join(str(d) for d in e.dims) + "]"

    def _Seq(self, e: D.Seq) -> str:
        return ",  ".join(self(i) for i in e.items)

    def _Eq(self, e: D.Eq) -> str:
        return f"{self(e.left)} = {self(e.right)}"

    def _Matrix(self, e: D.Matrix) -> str:
        rows = ["[" + ", ".join(self(x) for x in r) + "]" for r in e.rows]
        return rows[0] if len(rows) == 1 else "[" + ", ".join(rows) + "]"

    def _Mark(self, e: D.Mark) -> str:
        if e.ok:
            return f"{self(e.arg)} ✓"
        return f"{self(e.arg)} ✗ ({self.num(e.other)})"


def fill(messages, key: str, params: dict, math) -> str:
    """A locale sentence with its parameters written in (expressions as Unicode math)."""
    from .korean import particles
    template = messages.get(key)
    template = type(template)(particles(template, params))     # {unit}은(는) → σ₁은, W₂는 (Korean only)
    values = {k: (math(v) if isinstance(v, D.Expr) else v) for k, v in params.items()}
    return template.format_map(values)


def _table(block: D.Table, messages, math) -> list:
    header = [messages.get(k) for k in block.header]
    rows = [[math(c) if isinstance(c, D.Expr) else str(c) for c in r] for r in block.rows]
    widths = [max(width(r[i]) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        return "  " + "   ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths)).rstrip()

    out = []
    if block.title is not None:
        out.append(fill(messages, block.title.key, block.title.params, math))
    out.append(line(header))
    out.append("  " + "   ".join("─" * w for w in widths))
    out.extend(line(r) for r in rows)
    return out


def _equation(block: D.Equation, messages, math) -> list:
    lhs = math(block.lhs)
    pad = " " * width(lhs)
    rows = [math(r) for r in block.rows]
    if rows:
        rows[-1] += math.exact_note(block.rows[-1])
    out = []
    for i, r in enumerate(rows):
        out.append("    " + (lhs if i == 0 else pad) + " = " + r)
    if block.shape is not None:
        out[-1] += "      " + math(block.shape)
    for note in block.notes:
        out.append("      " + fill(messages, note.key, note.params, math))
    return out


def render(derivation: D.Derivation, messages) -> str:
    math = TextMath(derivation.decimals, messages.get("hand.exact"))
    title = messages.get(derivation.title_key).format_map(derivation.title_params)
    out = [title, "═" * width(title), ""]
    for number, section in enumerate(derivation.sections, 1):
        heading = headings.heading(messages, derivation, section)
        if section.level == 2:
            out += [heading, "─" * width(heading), ""]
        else:
            out += [heading, ""]
        for block in section.blocks:
            if isinstance(block, D.Para):
                out.append(fill(messages, block.key, block.params, math))
            elif isinstance(block, D.Equation):
                out.extend(_equation(block, messages, math))
            elif isinstance(block, D.Table):
                out.extend(_table(block, messages, math))
            out.append("")
    if messages.lang == "ko":             # (Activation Function) at its first use only; rules follow the text
        once = GlossOnce()
        for i, line in enumerate(out):
            if line and set(line) <= {"═", "─"} and i:
                out[i] = line[0] * width(out[i - 1])
            else:
                out[i] = once(line)
    return "\n".join(out).rstrip().replace("\u2212", MINUS) + "\n"   # the sentences' minus signs too
