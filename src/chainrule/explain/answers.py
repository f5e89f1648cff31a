"""The spellings of an explained step's names, for checking a hand-worked solution (``chainrule check``,
whose reading and marking live in ``chainrule.teach``): every spelling below normalises to one key.

Names are those the explanation prints, in either notation, ``d`` or ``∂``, σ or s/sigma:

* flat: z1, σ1, a4, p2 (cross-entropy's softmax), L, yhat, dL/dσ3, dσ3/dz3, dL/dz3, dz3/dW5, dL/dW1, dL/db1, W5(2) (after the step),
  W5(1) (before);
* indexed: z^(1)_2, W⁽¹⁾₁₂, dL/dW^(2)_11, W^{(1)}_{12}(2);
* a batch: per-sample values carry the sample in brackets as the explanation does — z1[2], σ3[2],
  ℓ[2] (or l[2]), dℓ[2]/dz3[2], dℓ[2]/dW5 — and dL/dW5 is the batch's gradient.
"""
from __future__ import annotations

import re

from .derivation import Sym

SYNONYMS = (("∂", "d"), ("sigma", "σ"), ("ŷ", "yhat"), ("\u0177", "yhat"), ("𝓛", "L"), (" ", ""), ("·", ""),
            ("{", ""), ("}", ""), ("\u2212", "-"))
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def normalise(name: str) -> str:
    """The canonical form of a quantity's name: ``∂L/∂W⁽¹⁾₁₂`` → ``dL/dW^(1)12``, ``z_1[2]`` → ``z1[2]``."""
    s = name.strip()
    for a, b in SYNONYMS:
        s = s.replace(a, b)
    s = re.sub(r"^loss(?=$|\[)", "L", s)
    s = re.sub(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾", lambda m: "^(" + m.group(1).translate(_SUP) + ")", s)
    s = re.sub(r"[₀₁₂₃₄₅₆₇₈₉][₀₁₂₃₄₅₆₇₈₉,]*", lambda m: "_" + m.group(0).translate(_SUB), s)
    s = re.sub(r"\^(\d+)", r"^(\1)", s)                          # W^1_12 → W^(1)_12
    s = re.sub(r"(?<![a-zA-Z])s(?=_?\d|\^)", "σ", s)              # s1 → σ1
    s = re.sub(r"(?<![a-ce-zA-Z])[lL](?=\[)", "ℓ", s)              # l[2], L[2], dl[2]/… (a sample's loss) → ℓ[2]
    s = re.sub(r"_(\d[\d,]*)\^(\(\d+\))", r"^\2_\1", s)          # W_12^(1) → W^(1)_12
    s = re.sub(r"_(?=\d)", "", s)                                # z_1 → z1, W^(1)_12 → W^(1)12
    s = re.sub(r"(\^\(\d+\))(\d(?:,\d)+)(?!\d)", lambda m: m.group(1) + m.group(2).replace(",", ""), s)
    return s


def pretty(name: str) -> str:
    """A canonical name as the explanation prints indexed symbols: ``dL/dW^(1)12`` → ``dL/dW⁽¹⁾₁₂``."""
    sup, sub = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"), str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    return re.sub(r"\^\((\d+)\)(\d[\d,]*)",
                  lambda m: "⁽" + m.group(1).translate(sup) + "⁾" + m.group(2).translate(sub), name)


def key(sym: Sym) -> str:
    """The canonical name of a symbol of the explanation (``Sym("W", sub="12", sup="(1)", time=2)`` → W^(1)12(2))."""
    base = "yhat" if sym.hat and sym.base == "y" else sym.base
    s = base + (f"^{sym.sup}" if sym.sup else "") + str(sym.sub)
    if sym.sample is not None:
        s += f"[{sym.sample}]"
    if sym.time is not None:
        s += f"({sym.time})"
    return normalise(s)


def partial(of: Sym, wrt: Sym) -> str:
    return f"d{key(of)}/d{key(wrt)}"
