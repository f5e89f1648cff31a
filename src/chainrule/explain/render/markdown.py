"""Markdown with LaTeX math, as the post is written: ``$$\\begin{aligned} … \\end{aligned}$$``.

Inline math is ``$…$``; tables are pipe tables.  Every formula parses in KaTeX and MathJax.
"""
from __future__ import annotations

from .. import derivation as D
from .fill import fill
from .headings import heading
from .korean import gloss_once
from .latex_math import LatexMath, aligned


def _cell(c, math) -> str:
    return f"${math(c)}$" if isinstance(c, D.Expr) else str(c).replace("|", r"\|")


def render(derivation: D.Derivation, messages) -> str:
    math = LatexMath(derivation.decimals, messages.get("hand.exact"))
    inline = lambda s: f"${s}$"  # noqa: E731
    out = ["# " + messages.get(derivation.title_key).format_map(derivation.title_params), ""]
    for section in derivation.sections:
        out += ["#" * (section.level + 0) + " " + heading(messages, derivation, section), ""]
        for block in section.blocks:
            if isinstance(block, D.Para):
                out.append(fill(messages.get(block.key), block.params, math, inline=inline))
            elif isinstance(block, D.Equation):
                out.append("$$")
                out.append(r"\begin{aligned}")
                out.append(" \\\\\n".join(aligned(block, math)))
                out.append(r"\end{aligned}")
                out.append("$$")
                for note in block.notes:
                    out.append("")
                    out.append("> " + fill(messages.get(note.key), note.params, math, inline=inline))
            elif isinstance(block, D.Table):
                if block.title is not None:
                    out.append(fill(messages.get(block.title.key), block.title.params, math, inline=inline))
                    out.append("")
                out.append("| " + " | ".join(messages.get(k) for k in block.header) + " |")
                out.append("|" + "---|" * len(block.header))
                for r in block.rows:
                    out.append("| " + " | ".join(_cell(c, math) for c in r) + " |")
            out.append("")
    text = "\n".join(out).rstrip() + "\n"
    return gloss_once(text) if messages.lang == "ko" else text
