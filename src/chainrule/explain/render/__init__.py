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
    return module.render(derivation, messages)
