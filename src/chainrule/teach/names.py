"""A quantity's name in every spelling people type, reduced to one canonical form.

``canonical`` accepts what the explanation prints and what a keyboard gives: ``dL/dW5``, ``∂L/∂W₅``,
``\\frac{\\partial L}{\\partial W_5}``, ``\\partial L / \\partial W_{5}``, ``W5(2)``, ``W_5(2)``, ``W5_new``,
``sigma1``, ``s1``, ``σ₁``, ``\\sigma_1``, ``W^(1)_12``, ``W⁽¹⁾₁₂``, ``z1[2]``, ``yhat``, ``ŷ``, ``y_hat``,
``\\hat{y}``, ``\\mathcal{L}``.  The rest of the normalisation (sub/superscripts, indexed notation) is
``explain.answers.normalise``.
"""
from __future__ import annotations

import difflib
import re

from ..explain.answers import normalise, pretty

_LATEX = ((r"\mathcal{L}", "L"), (r"\mathcal L", "L"), (r"\partial", "∂"), (r"\sigma", "σ"), (r"\ell", "ℓ"),
          (r"\hat{y}", "ŷ"), (r"\hat y", "ŷ"), (r"\cdot", "·"), (r"\left", ""), (r"\right", ""), (r"\,", ""),
          (r"\!", ""), (r"\mathrm", ""), (r"\text", ""), ("$", ""), ("`", ""), ("**", ""), ("y_hat", "yhat"),
          ("y^", "yhat"), ("∂ ", "∂"))


def canonical(name: str) -> str:
    """``\\frac{\\partial L}{\\partial W_5}`` → ``dL/dW5``; ``W5_new`` stays (the table knows it); see module doc."""
    s = name.strip().strip('"').strip("'").strip()
    for a, b in _LATEX:
        s = s.replace(a, b)
    m = re.fullmatch(r"\\d?frac\s*\{(.*)\}\s*\{(.*)\}", s)
    if m:                                     # \frac{∂L}{∂W_5} → ∂L/∂W_5 (one level of braces inside is fine)
        s = f"{m.group(1)}/{m.group(2)}"
    s = s.replace("\\", "")
    return normalise(s)


def suggestions(name: str, known, n: int = 3) -> list:
    """The known names closest to ``name`` ("did you mean …"), as the explanation prints them."""
    k = _ascii(canonical(name))
    pool = {}
    for q in known:
        for nm in q.names:
            pool.setdefault(_ascii(nm), nm)
    close = difflib.get_close_matches(k, list(pool), n=n * 3, cutoff=0.5)
    out = []
    for c in close:
        p = pretty(pool[c])
        if p not in out:
            out.append(p)
    return out[:n]


def _ascii(name: str) -> str:
    """σ3 → sigma3, ℓ → l, ŷ → yhat: names compared as people type them."""
    return name.replace("σ", "sigma").replace("ℓ", "l").replace("ŷ", "yhat")
