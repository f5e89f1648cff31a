"""Renderers: each turns a ``Derivation`` plus a locale into one output format.

``render(derivation, format, messages)`` picks ``text`` (Unicode math for a terminal), ``markdown``
(LaTeX between ``$$``, as the post), ``latex`` (a whole document) or ``html`` (one self-contained file,
MathML for the math, inline CSS, nothing fetched from the network).
"""
from __future__ import annotations

FORMATS = ("text", "markdown", "latex", "html")


def render(derivation, fmt: str, messages) -> str:
    import importlib
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(f".{fmt}", __name__)
    return module.render(in_words(derivation, messages), messages)


def in_words(derivation, messages):
    """The derivation with every ``Phrase`` table cell written in the messages' language."""
    from dataclasses import replace

    from .. import derivation as D
    if not any(isinstance(c, D.Phrase) for s in derivation.sections for b in s.blocks if isinstance(b, D.Table)
               for r in b.rows for c in r):
        return derivation
    sections = []
    for s in derivation.sections:
        blocks = [replace(b, rows=[[c.text(messages) if isinstance(c, D.Phrase) else c for c in r] for r in b.rows])
                  if isinstance(b, D.Table) else b for b in s.blocks]
        sections.append(replace(s, blocks=blocks))
    return replace(derivation, sections=sections)
