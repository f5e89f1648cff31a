"""A complete LaTeX document that compiles with ``pdflatex``, ``lualatex`` and ``xelatex``.

Equations are ``align*`` environments with the post's alignment on ``=``.  The sentences' Unicode math
(``σ₁``, ``∂L/∂W``, ``e^(−z)``) is set as math, so pdflatex meets no character its ``inputenc`` lacks.
Korean loads ``kotex``, which under ``lualatex`` (the engine to use for Korean: ``lualatex sol.tex``) is
``luatexko`` with the Nanum Myeongjo font (UnBatang where Nanum is absent), under ``xelatex`` ``xetexko``
and under pdflatex ko.TeX's own UnBatang.
"""
from __future__ import annotations

from .. import derivation as D
from .fill import fill
from .headings import heading
from .korean import gloss_once
from .latex_math import LatexMath, _escape_text, aligned


def render(derivation: D.Derivation, messages) -> str:
    math = LatexMath(derivation.decimals, messages.get("hand.exact"))
    inline = lambda s: f"${s}$"  # noqa: E731
    esc = _escape_text
    lang = messages.lang
    out = [r"\documentclass[11pt]{article}",
           r"\usepackage{iftex}",
           r"\ifPDFTeX",
           r"  \usepackage[utf8]{inputenc}",
           r"  \usepackage[T1]{fontenc}",
           r"\fi",
           r"\usepackage{amsmath,amssymb}",
           r"\usepackage[margin=2cm]{geometry}"]
    if lang == "ko":
        out += [r"\usepackage{kotex}",
                r"\ifPDFTeX\else",
                r"  \IfFontExistsTF{NanumMyeongjo}{\setmainhangulfont{NanumMyeongjo}}"
                r"{\IfFontExistsTF{UnBatang}{\setmainhangulfont{UnBatang}}{}}",
                r"\fi"]
    title = esc(messages.get(derivation.title_key).format_map(derivation.title_params))
    out += [r"\title{" + title + "}", r"\date{}", r"\begin{document}", r"\maketitle", ""]
    for section in derivation.sections:
        cmd = r"\section*" if section.level <= 2 else r"\subsection*"
        out += [cmd + "{" + esc(heading(messages, derivation, section)) + "}", ""]
        for block in section.blocks:
            if isinstance(block, D.Para):
                out.append(fill(messages.get(block.key), block.params, math, escape=esc, inline=inline))
            elif isinstance(block, D.Equation):
                out.append(r"\begin{align*}")
                out.append(" \\\\\n".join(aligned(block, math)))
                out.append(r"\end{align*}")
                for note in block.notes:
                    out.append(r"\noindent{\small " + fill(messages.get(note.key), note.params, math,
                                                            escape=esc, inline=inline) + "}")
            elif isinstance(block, D.Table):
                if block.title is not None:
                    out.append(fill(messages.get(block.title.key), block.title.params, math, escape=esc,
                                    inline=inline))
                    out.append("")
                out.append(r"\begin{center}\begin{tabular}{" + "l" * len(block.header) + "}")
                out.append(" & ".join(esc(messages.get(k)) for k in block.header) + r" \\ \hline")
                for r in block.rows:
                    out.append(" & ".join(inline(math(c)) if isinstance(c, D.Expr) else esc(str(c)) for c in r)
                               + r" \\")
                out.append(r"\end{tabular}\end{center}")
            out.append("")
    out.append(r"\end{document}")
    text = "\n".join(out) + "\n"
    return gloss_once(text) if lang == "ko" else text
