"""One self-contained HTML file: inline CSS, MathML for every formula, no scripts, no network.

Browsers render MathML Core natively (Firefox, Chrome ≥ 109, Safari), so the page needs nothing
fetched: it can be mailed, archived or opened offline.
"""
from __future__ import annotations

from html import escape

from .. import derivation as D
from . import numbers
from .layout import factor_needs_parens, precedence, scripted, subtrahend_needs_parens, tall, without_minus
from .fill import fill
from .headings import heading
from .korean import gloss_once

CSS = """
details.module{border-left:3px solid #d0d7de;padding-left:.8rem;margin:.6rem 0}
details.module>summary{cursor:pointer;font-weight:600}
div.eq:target{background:#fff8c5}
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans KR",sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;line-height:1.55;color:#1d2329;background:#fff}
h1{font-size:1.6rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
h3{font-size:1.05rem;margin-top:1.4rem}
math{font-family:"STIX Two Math","Latin Modern Math","DejaVu Serif",serif}
math[display=block]{margin:.6rem 0 .6rem 1.2rem;font-size:1.08em;width:fit-content;text-align:left}
mtable{margin-left:0}
mtd:first-child{text-align:right}
mtd:last-child{text-align:left}
.note{font-size:.9em;color:#57606a;margin:.1rem 0 .6rem 1.2rem}
table{border-collapse:collapse;margin:.6rem 0 .6rem 1.2rem}
th,td{padding:.2rem .8rem;border-bottom:1px solid #e5e9ee;text-align:left}
th{background:#f3f5f7}
""".strip()

# Chromium's MathML Core ignores mtable's columnalign="right left", so the '=' chain of an equation
# (the left side right-aligned, the rows left-aligned) is also said in CSS above; the interactive
# page includes this style sheet rather than repeating the rules.
MO_MINUS = "<mo>-</mo>"     # ASCII (MathML draws it as a minus): a value copied from the page parses


class MathML:
    def __init__(self, decimals: int, exact_word: str = "exact"):
        self.decimals = decimals
        self.exact_word = exact_word     # the word beside a hand-rounded result: 0.7196† (exact 0.7197)

    def exact_note(self, e) -> str:
        if not isinstance(e, D.Num) or e.exact is None:
            return ""
        return f"<mtext>&#xA0;({escape(self.exact_word)}&#xA0;</mtext>{self.num(e.exact)}<mtext>)</mtext>"

    def prec(self, e) -> int:
        return precedence(e, self.decimals)

    @staticmethod
    def paren(s: str, stretch: bool = True, left="(", right=")") -> str:
        """Fences that grow only around tall content (a fraction); around one line (log(ŷ)) they stay
        the size of the text instead of stretching to the hat's height."""
        a = "" if stretch else ' stretchy="false"'
        return f"<mrow><mo{a}>{left}</mo>{s}<mo{a}>{right}</mo></mrow>"

    def wrap(self, e, min_prec: int) -> str:
        s = self(e)
        return self.paren(s, tall(e)) if self.prec(e) < min_prec else s

    def script(self, sub) -> str:
        """A subscript: a nested symbol (m_{W₅}), a number (<mn>), a letter (<mi>) or text (1,2)."""
        if isinstance(sub, D.Sym):
            return self(sub)
        if sub.isdigit():
            return f"<mn>{sub}</mn>"
        if sub.isalpha():
            return f"<mi>{escape(sub)}</mi>"
        return f"<mtext>{escape(sub)}</mtext>"

    def num(self, value, integer=False) -> str:
        neg, mant, exp = numbers.split(value, self.decimals, integer)
        s = f"<mn>{'-' if neg else ''}{mant}</mn>"      # the sign inside the number: "-0.7197" copies whole
        if exp is not None:
            s = f"<mrow>{s}<mo>×</mo><msup><mn>10</mn><mn>{exp}</mn></msup></mrow>"
        return s

    def __call__(self, e) -> str:
        return getattr(self, "_" + type(e).__name__)(e)

    def _Sym(self, e: D.Sym) -> str:
        if e.base == "L":
            base = "<mi>\U0001D4DB</mi>"
        else:
            base = f"<mi>{escape(e.base)}</mi>"
        if e.hat:
            base = f'<mover accent="true">{base}<mo>^</mo></mover>'
        if e.bold:
            base = base.replace("<mi>", '<mi mathvariant="bold">', 1)
        sup = e.sup
        if e.sample is not None:
            sup += f"[{e.sample}]"
        sub = e.sub
        if sub and sup:
            s = f"<msubsup>{base}{self.script(sub)}<mtext>{escape(sup)}</mtext></msubsup>"
        elif sub:
            s = f"<msub>{base}{self.script(sub)}</msub>"
        elif sup:
            s = f"<msup>{base}<mtext>{escape(sup)}</mtext></msup>"
        else:
            s = base
        if e.time is not None:
            s = f'<mrow>{s}<mo stretchy="false">(</mo><mn>{e.time}</mn><mo stretchy="false">)</mo></mrow>'
        return s

    def _Num(self, e: D.Num) -> str:
        s = self.num(e.value, e.integer)
        if e.exact is not None:
            s = f"<msup>{s}<mo>†</mo></msup>"
        return s

    def _Add(self, e: D.Add) -> str:
        out = ""
        for i, t in enumerate(e.terms):
            rest = without_minus(t, self.decimals) if i else None
            if rest is not None:             # "a − 1.1082 × b", never "a + −1.1082 × b"
                out += MO_MINUS + self.wrap(rest, 2)
            else:
                out += ("<mo>+</mo>" if i else "") + self.wrap(t, 1)
        return f"<mrow>{out}</mrow>"

    def _Sub(self, e: D.Sub) -> str:
        right = self.wrap(e.right, 2)
        if subtrahend_needs_parens(e.right, self.decimals, self.prec(e.right)):
            right = self.paren(right, tall(e.right))
        return f"<mrow>{self.wrap(e.left, 1)}{MO_MINUS}{right}</mrow>"

    def _Mul(self, e: D.Mul) -> str:
        sep = {"dot": "<mo>·</mo>", "times": "<mo>×</mo>", "juxt": "<mo>&#x2062;</mo>"}[e.op]
        parts = []
        for i, f in enumerate(e.factors):
            s = self(f)
            if factor_needs_parens(e.op, i, self.prec(f)):
                s = self.paren(s, tall(f))
            parts.append(s)
        return "<mrow>" + sep.join(parts) + "</mrow>"

    def _Frac(self, e: D.Frac) -> str:
        return f"<mfrac>{self(e.num)}{self(e.den)}</mfrac>"

    def _Neg(self, e: D.Neg) -> str:
        return f"<mrow>{MO_MINUS}{self.wrap(e.arg, 3)}</mrow>"

    def _Paren(self, e: D.Paren) -> str:
        return self.paren(self(e.arg), tall(e.arg))

    def _Func(self, e: D.Func) -> str:
        args = "<mo>,</mo>".join(self(a) for a in e.args)
        return f"<mrow><mi>{escape(e.name)}</mi><mo>&#x2061;</mo>{self.paren(args, any(tall(a) for a in e.args))}</mrow>"

    def _Pow(self, e: D.Pow) -> str:
        base = self.paren(self(e.base), False) if scripted(e.base) else self.wrap(e.base, 5)   # (a₂[3])²
        return f"<msup>{base}{self(e.exp)}</msup>"

    def _Sqrt(self, e: D.Sqrt) -> str:
        return f"<msqrt>{self(e.arg)}</msqrt>"

    def _Abs(self, e: D.Abs) -> str:
        return self.paren(self(e.arg), tall(e.arg), "|", "|")

    def _Partial(self, e: D.Partial) -> str:
        return (f"<mfrac><mrow><mo>∂</mo>{self(e.of)}</mrow>"
                f"<mrow><mo>∂</mo>{self(e.wrt)}</mrow></mfrac>")

    def _Sum(self, e: D.Sum) -> str:
        return (f'<mrow><munder><mo movablelimits="false">∑</mo><mi>{escape(e.index)}</mi></munder>'
                f'{self.wrap(e.body, 2)}</mrow>')

    def _Rel(self, e: D.Rel) -> str:
        return self.paren(f"{self(e.left)}<mo>{escape(e.op)}</mo>{self(e.right)}", tall(e), "[", "]")

    def _Transpose(self, e: D.Transpose) -> str:
        return f"<msup>{self.wrap(e.arg, 5)}<mi>T</mi></msup>"

    def _Hadamard(self, e: D.Hadamard) -> str:
        return f"<mrow>{self.wrap(e.left, 2)}<mo>⊙</mo>{self.wrap(e.right, 2)}</mrow>"

    def _Shape(self, e: D.Shape) -> str:
        return self.paren("<mo>×</mo>".join(f"<mn>{d}</mn>" for d in e.dims), False, "[", "]")

    def _Seq(self, e: D.Seq) -> str:
        return "<mrow>" + '<mo separator="true">,</mo><mspace width="1em"/>'.join(self(i) for i in e.items) + "</mrow>"

    def _Eq(self, e: D.Eq) -> str:
        return f"<mrow>{self(e.left)}<mo>=</mo>{self(e.right)}</mrow>"

    def _Matrix(self, e: D.Matrix) -> str:
        rows = "".join("<mtr>" + "".join(f"<mtd>{self(x)}</mtd>" for x in r) + "</mtr>" for r in e.rows)
        return self.paren(f"<mtable>{rows}</mtable>", len(e.rows) > 1, "[", "]")

    def _Mark(self, e: D.Mark) -> str:
        if e.ok:
            return f"<mrow>{self(e.arg)}<mtext>&#xA0;✓</mtext></mrow>"
        return f"<mrow>{self(e.arg)}<mo>≠</mo>{self.num(e.other)}</mrow>"


def _inline(s: str) -> str:
    return f"<math>{s}</math>"


def _equation(block: D.Equation, math: MathML) -> str:
    lhs = math(block.lhs)
    rows = []
    for i, r in enumerate(block.rows):
        extra = ""
        if block.shape is not None and i == len(block.rows) - 1:
            extra = '<mspace width="2em"/>' + math(block.shape)
        note = math.exact_note(r) if i == len(block.rows) - 1 else ""
        rows.append(f"<mtr><mtd>{lhs if i == 0 else ''}</mtd><mtd><mo>=</mo>{math(r)}{note}{extra}</mtd></mtr>")
    return ('<math display="block"><mtable columnalign="right left" columnspacing="0.2em">'
            + "".join(rows) + "</mtable></math>")


#: paragraphs that head a module call's operations (or the operations outside any module) in the graph form
MODULE_KEYS = ("graph.module", "graph.outside")


def _anchor(block: D.Equation, taken: set) -> str | None:
    """An id for the first equation of each value: ``v3`` where value 3 is computed (forward, loss), ``g3``
    where its gradient ∂L/∂v is — taken from the value the left side names (``Sym.ref``), so the graph
    view can link each node to its equations."""
    lhs, kind = block.lhs, "v"
    if isinstance(lhs, D.Partial) and block.role == "gradient":
        lhs, kind = lhs.wrt, "g"
    elif block.role not in ("forward", "loss"):
        return None
    if not isinstance(lhs, D.Sym) or lhs.ref is None or lhs.sample is not None:
        return None
    anchor = f"{kind}{lhs.ref}"
    if anchor in taken:
        return None
    taken.add(anchor)
    return anchor


def render(derivation: D.Derivation, messages) -> str:
    math = MathML(derivation.decimals, messages.get("hand.exact"))
    title = messages.get(derivation.title_key).format_map(derivation.title_params)
    out = ["<!DOCTYPE html>", f'<html lang="{escape(messages.lang)}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
           f"<h1>{escape(title)}</h1>"]
    ids = set()
    for section in derivation.sections:
        tag = "h2" if section.level <= 2 else "h3"
        out.append(f"<{tag}>{escape(heading(messages, derivation, section))}</{tag}>")
        module_open = False
        for block in section.blocks:
            if isinstance(block, D.Para) and block.key in MODULE_KEYS:
                # the graph form's drill-down: each module call's operations fold under its heading
                if module_open:
                    out.append("</details>")
                    module_open = False
                text = fill(messages.get(block.key), block.params, math, escape=escape, inline=_inline)
                if block.key == "graph.module":
                    out.append(f'<details class="module" open><summary>{text}</summary>')
                    module_open = True
                else:
                    out.append(f"<p>{text}</p>")
            elif isinstance(block, D.Para):
                out.append("<p>" + fill(messages.get(block.key), block.params, math, escape=escape,
                                        inline=_inline) + "</p>")
            elif isinstance(block, D.Equation):
                anchor = _anchor(block, ids)
                out.append(f'<div class="eq" id="{anchor}">{_equation(block, math)}</div>' if anchor
                           else _equation(block, math))
                for note in block.notes:
                    out.append('<p class="note">' + fill(messages.get(note.key), note.params, math,
                                                         escape=escape, inline=_inline) + "</p>")
            elif isinstance(block, D.Table):
                if block.title is not None:
                    out.append("<p>" + fill(messages.get(block.title.key), block.title.params, math,
                                            escape=escape, inline=_inline) + "</p>")
                out.append("<table><thead><tr>" + "".join(f"<th>{escape(messages.get(k))}</th>"
                                                          for k in block.header) + "</tr></thead><tbody>")
                for r in block.rows:
                    out.append("<tr>" + "".join(
                        f"<td>{_inline(math(c)) if isinstance(c, D.Expr) else escape(str(c))}</td>" for c in r)
                        + "</tr>")
                out.append("</tbody></table>")
        if module_open:
            out.append("</details>")
    out += ["</body>", "</html>"]
    text = "\n".join(out).replace("\u2212", "-") + "\n"
    return gloss_once(text) if messages.lang == "ko" else text     # the sentences' minus signs too: text that copies
