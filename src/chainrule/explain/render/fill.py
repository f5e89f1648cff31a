"""Filling a locale sentence with parameters, escaping the words but not the math."""
from __future__ import annotations

from .. import derivation as D


def fill(template: str, params: dict, math, escape=lambda s: s, inline=lambda s: s) -> str:
    """``template.format(**params)`` where ``Expr`` parameters become ``inline(math(expr))``.

    The sentence's own words go through ``escape`` (HTML or LaTeX special characters); the
    rendered math does not.
    """
    from .korean import particles
    template = type(template)(particles(template, params))     # {unit}은(는) → σ₁은, W₂는 (Korean only)
    tokens = {}
    values = {}
    for k, v in params.items():
        if isinstance(v, D.Expr):
            token = f"\x00{len(tokens)}\x00"
            tokens[token] = inline(math(v))
            values[k] = token
        else:
            values[k] = v
    text = escape(template.format_map(values))
    for token, rendered in tokens.items():
        text = text.replace(token, rendered)
    return text
