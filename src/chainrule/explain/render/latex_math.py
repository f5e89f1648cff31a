"""Expression trees as LaTeX math (shared by the Markdown and LaTeX renderers).

Only commands that KaTeX and MathJax both know are used (``\\frac``, ``\\partial``, ``\\mathcal``,
``\\cdot``, ``\\times``, ``\\odot``, ``\\top``, ``\\checkmark``, ``\\operatorname``), so every formula
renders on the web as well as under pdflatex.
"""
from __future__ import annotations

import re

from .. import derivation as D
from . import numbers
from .layout import factor_needs_parens, precedence, scripted, subtrahend_needs_parens, tall, without_minus

GREEK = {"σ": r"\sigma", "α": r"\alpha", "β": r"\beta", "ε": r"\varepsilon", "λ": r"\lambda",
         "μ": r"\mu", "τ": r"\tau", "δ": r"\delta", "θ": r"\theta", "γ": r"\gamma", "η": r"\eta",
         "ℓ": r"\ell", "L": r"\mathcal{L}", "Σ": r"\Sigma", "∂": r"\partial", "1": "1"}
FUNCS = {"exp": r"\exp", "log": r"\log", "tanh": r"\tanh", "max": r"\max", "min": r"\min",
         "Φ": r"\Phi", "φ": r"\varphi", "σ": r"\sigma"}


_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", "0123456789+-=()aehijklmnoprstuvx"))
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀᵗⁱʲᶻ", "0123456789+-=()n⊤tijz"))
#: what a character of a sentence is in math mode (the sentences say σ(z) = 1 / (1 + e^(−z)) in Unicode)
MATH_CHARS = {**{k: v for k, v in GREEK.items() if k not in ("L", "1")},
              "φ": r"\varphi", "Φ": r"\Phi", "π": r"\pi", "Δ": r"\Delta", "ρ": r"\rho", "ω": r"\omega",
              "−": "-", "×": r"\times", "·": r"\cdot", "⊙": r"\odot", "√": r"\surd", "‖": r"\|",
              "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "→": r"\to", "←": r"\leftarrow",
              "∞": r"\infty", "½": r"\tfrac{1}{2}", "ŷ": r"\hat{y}", "±": r"\pm", "∈": r"\in", "⊤": r"\top",
              "✓": r"\checkmark", "✗": r"\times", "∑": r"\Sigma", "⋯": r"\cdots", "ᵀ": r"^{\top}"}
_TEXT_CHARS = {"\\": r"\textbackslash{}", "_": r"\_", "#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$",
               "{": r"\{", "}": r"\}", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
               "…": r"\ldots{}", "†": r"\dag{}", "—": "---", "–": "--", "\u00a0": "~", "│": "|", "─": "-",
               "═": "="}


def _math_chars(s: str) -> str:
    """A piece of a sentence (``−z²/2``, ``σ₁``) in math mode: Unicode scripts as ``_{…}``/``^{…}``."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        for table, mark in ((_SUB, "_"), (_SUP, "^")):
            if c in table:
                j = i
                while j < len(s) and s[j] in table:
                    j += 1
                out.append(mark + "{" + "".join(MATH_CHARS.get(table[ch], table[ch]) for ch in s[i:j]) + "}")
                i = j
                break
        else:
            if c == "\u0302":                  # a combining hat (v̂): over the letter before it
                prev = out.pop() if out else ""
                out.append(r"\hat{" + prev + "}")
            elif c in MATH_CHARS:
                v = MATH_CHARS[c]
                out.append(v + (" " if v[-1].isalpha() else ""))
            elif c in "#%&$_{}":
                out.append("\\" + c)
            elif c == "\\":
                out.append(r"\backslash ")
            else:
                out.append(c)
            i += 1
    return "".join(out)


def _is_math(c: str) -> bool:
    return c in MATH_CHARS or c in _SUB or c in _SUP or c == "\u0302"


_POWER = re.compile(r"\^\(([^()]*(?:\([^()]*\)[^()]*)*)\)")    # e^(−z), e^(−z²/2): an exponent in parentheses


def _escape_text(s: str) -> str:
    """A sentence for LaTeX's text mode, pdflatex included: its special characters escaped, and its
    Unicode math (σ₁, ∂L/∂W, −, e^(−z)) set as math (``$\\sigma$$_{1}$``, ``e$^{-z}$``), so that no
    character outside what ``inputenc`` knows reaches the text font; Hangul is left to kotex."""
    out, k = [], 0
    for m in _POWER.finditer(s):
        out.append(_text_run(s[k:m.start()]))
        out.append("$^{" + _math_chars(m.group(1)) + "}$")
        k = m.end()
    out.append(_text_run(s[k:]))
    return _ADJACENT.sub("", "".join(out))        # $\\surd$$\\hat{v}$ → $\\surd\\hat{v}$: never a stray $$


_ADJACENT = re.compile(r"(?<!\\)\$\$")


def _text_run(s: str) -> str:
    out, math = [], []
    for c in s:
        if _is_math(c):
            if c == "\u0302" and not math and out and len(out[-1]) == 1 and out[-1].isalpha():
                math.append(out.pop())          # v̂: the letter goes under its hat, into the math
            math.append(c)
            continue
        if math:
            out.append("$" + _math_chars("".join(math)) + "$")
            math = []
        out.append(_TEXT_CHARS.get(c, c))
    if math:
        out.append("$" + _math_chars("".join(math)) + "$")
    return "".join(out)


class LatexMath:
    def __init__(self, decimals: int, exact_word: str = "exact"):
        self.decimals = decimals
        self.exact_word = exact_word     # the word beside a hand-rounded result: 0.7196^† (exact 0.7197)

    def exact_note(self, e) -> str:
        if not isinstance(e, D.Num) or e.exact is None:
            return ""
        return rf"\ (\text{{{_escape_text(self.exact_word)}}}\ {self.num(e.exact)})"

    def prec(self, e) -> int:
        return precedence(e, self.decimals)

    @staticmethod
    def fence(s: str, stretch: bool, left="(", right=")") -> str:
        """Parentheses that grow only around tall content (a fraction); plain ones around one line."""
        return rf"\left{left}{s}\right{right}" if stretch else f"{left}{s}{right}"

    def wrap(self, e, min_prec: int) -> str:
        s = self(e)
        return self.fence(s, tall(e)) if self.prec(e) < min_prec else s

    def num(self, value, integer=False) -> str:
        neg, mant, exp = numbers.split(value, self.decimals, integer)
        s = ("-" if neg else "") + mant
        if exp is not None:
            s += rf"\times 10^{{{exp}}}"
        return s

    def __call__(self, e) -> str:
        return getattr(self, "_" + type(e).__name__)(e)

    def _Sym(self, e: D.Sym) -> str:
        base = GREEK.get(e.base, e.base if len(e.base) == 1 else rf"\mathrm{{{e.base}}}")
        if e.hat:
            base = rf"\hat{{{base}}}"
        if e.bold:
            base = rf"\mathbf{{{base}}}" if e.base.isascii() else rf"\boldsymbol{{{base}}}"
        sup = e.sup.replace("T", r"\top")
        if e.sample is not None:
            sup += f"[{e.sample}]"
        s = "{" + base + "}"
        if isinstance(e.sub, D.Sym):         # a nested subscript: Adam's m_{W_5}
            s += "_{" + self(e.sub) + "}"
        elif e.sub:
            s += "_{" + e.sub + "}"
        if sup:
            s += "^{" + sup + "}"
        if e.time is not None:
            s += f"({e.time})"
        return s

    def _Num(self, e: D.Num) -> str:
        s = self.num(e.value, e.integer)
        if e.exact is not None:      # braced, so 5.8945×10^{-7} takes the dagger without a double superscript
            s = "{" + s + r"}^{\dagger}" if "^" in s else s + r"^{\dagger}"
        return s

    def _Add(self, e: D.Add) -> str:
        out = ""
        for i, t in enumerate(e.terms):
            rest = without_minus(t, self.decimals) if i else None
            if rest is not None:             # "a - 1.1082 \times b", never "a + -1.1082 \times b"
                out += " - " + self.wrap(rest, 2)
            else:
                out += (" + " if i else "") + self.wrap(t, 1)
        return out

    def _Sub(self, e: D.Sub) -> str:
        right = self.wrap(e.right, 2)
        if subtrahend_needs_parens(e.right, self.decimals, self.prec(e.right)):
            right = self.fence(right, tall(e.right))
        return f"{self.wrap(e.left, 1)} - {right}"

    def _Mul(self, e: D.Mul) -> str:
        sep = {"dot": r" \cdot ", "times": r" \times ", "juxt": " "}[e.op]
        parts = []
        for i, f in enumerate(e.factors):
            s = self(f)
            if factor_needs_parens(e.op, i, self.prec(f)):
                s = self.fence(s, tall(f))
            parts.append(s)
        return sep.join(parts)

    def _Frac(self, e: D.Frac) -> str:
        return rf"\frac{{{self(e.num)}}}{{{self(e.den)}}}"

    def _Neg(self, e: D.Neg) -> str:
        return "-" + self.wrap(e.arg, 3)

    def _Paren(self, e: D.Paren) -> str:
        return self.fence(self(e.arg), tall(e.arg))

    def _Func(self, e: D.Func) -> str:
        base, prime = (e.name[:-1], "'") if e.name.endswith("′") else (e.name, "")
        name = FUNCS.get(base, rf"\operatorname{{{base}}}") + prime
        name = name.replace("σ", r"\sigma")
        args = ", ".join(self(a) for a in e.args)
        return name + self.fence(args, any(tall(a) for a in e.args))

    def _Pow(self, e: D.Pow) -> str:
        base = self.fence(self(e.base), False) if scripted(e.base) else self.wrap(e.base, 5)   # (a_2^{[3]})^2
        return f"{{{base}}}^{{{self(e.exp)}}}"

    def _Sqrt(self, e: D.Sqrt) -> str:
        return rf"\sqrt{{{self(e.arg)}}}"

    def _Abs(self, e: D.Abs) -> str:
        return self.fence(self(e.arg), tall(e.arg), "|", "|")

    def _Partial(self, e: D.Partial) -> str:
        return rf"\frac{{\partial {self(e.of)}}}{{\partial {self(e.wrt)}}}"

    def _Sum(self, e: D.Sum) -> str:
        return rf"\sum_{{{e.index}}} {self.wrap(e.body, 2)}"

    def _Rel(self, e: D.Rel) -> str:
        op = {">": ">", "<": "<", "≥": r"\geq", "≤": r"\leq", "=": "="}.get(e.op, e.op)
        return self.fence(f"{self(e.left)} {op} {self(e.right)}", tall(e), "[", "]")

    def _Transpose(self, e: D.Transpose) -> str:
        return f"{{{self.wrap(e.arg, 5)}}}^{{\\top}}"

    def _Hadamard(self, e: D.Hadamard) -> str:
        return rf"{self.wrap(e.left, 2)} \odot {self.wrap(e.right, 2)}"

    def _Shape(self, e: D.Shape) -> str:
        return "[" + r" \times ".join(str(d) for d in e.dims) + "]"

    def _Seq(self, e: D.Seq) -> str:
        return r",\ \ ".join(self(i) for i in e.items)

    def _Eq(self, e: D.Eq) -> str:
        return f"{self(e.left)} = {self(e.right)}"

    def _Matrix(self, e: D.Matrix) -> str:
        body = r" \\ ".join(" & ".join(self(x) for x in r) for r in e.rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"

    def _Mark(self, e: D.Mark) -> str:
        if e.ok:
            return rf"{self(e.arg)}\ \checkmark"
        return rf"{self(e.arg)}\ \neq\ {self.num(e.other)}"


def aligned(block: D.Equation, math: LatexMath) -> list:
    """The rows of an ``aligned`` environment: ``lhs &= row0 \\\\ &= row1 …``."""
    lhs = math(block.lhs)
    rows = []
    for i, r in enumerate(block.rows):
        rows.append((lhs if i == 0 else "") + " &= " + math(r) + (math.exact_note(r) if i == len(block.rows) - 1 else ""))
    if block.shape is not None:
        rows[-1] += r" \qquad " + math(block.shape)
    return rows
