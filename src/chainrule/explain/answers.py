"""Named values of an explained step, for checking a hand-worked solution (``chainrule check``).

Names accepted (flat numbering; ``d`` or ``∂``; σ or s/sigma/a):  z1, σ1, L (or loss), yhat,
dL/dσ3, dσ3/dz3, dL/dz3, dz3/dW5, dL/dW1, dL/db1, W5(2) (after the step), W5(1) (before).
"""
from __future__ import annotations

import re

import numpy as np

SYNONYMS = (("∂", "d"), ("sigma", "σ"), ("ŷ", "yhat"), ("loss", "L"), ("𝓛", "L"), (" ", ""), ("·", ""))


def normalise(name: str) -> str:
    s = name.strip()
    for a, b in SYNONYMS:
        s = s.replace(a, b)
    s = re.sub(r"(?<![a-zA-Z])s(\d)", r"σ\1", s)
    s = re.sub(r"_(\d)", r"\1", s)
    return s


def quantities(rec) -> list:
    """[(name, exact value)] in the order of the derivation (batch of one only)."""
    if rec.x.shape[0] != 1:
        raise ValueError("chainrule check works on a batch of one sample")
    out = []
    layers = rec.layers
    u0, w0 = [0], [0]
    for L in layers:
        u0.append(u0[-1] + L.weight.shape[0])
        w0.append(w0[-1] + L.weight.size)

    def act(l, j):
        base = "σ" if layers[l].activation.kind == "sigmoid" else "a"
        return f"{base}{u0[l] + j + 1}" if layers[l].activation.kind != "identity" else f"z{u0[l] + j + 1}"
    for l, L in enumerate(layers):
        for j in range(L.weight.shape[0]):
            out.append((f"z{u0[l] + j + 1}", L.z[0, j]))
        if L.activation.kind != "identity":
            for j in range(L.weight.shape[0]):
                out.append((act(l, j), L.a[0, j]))
    out.append(("L", rec.loss))
    for l in range(len(layers) - 1, -1, -1):
        L = layers[l]
        for j in range(L.weight.shape[0]):
            a, z = act(l, j), f"z{u0[l] + j + 1}"
            if a != z:
                out.append((f"dL/d{a}", L.da[0, j]))
                out.append((f"d{a}/d{z}", L.local[0, j]))
            out.append((f"dL/d{z}", L.dz[0, j]))
        for j in range(L.weight.shape[0]):
            for i in range(L.weight.shape[1]):
                w = f"W{w0[l] + j * L.weight.shape[1] + i + 1}"
                inp = (f"x{i + 1}" if l == 0 else act(l - 1, i))
                out.append((f"dz{u0[l] + j + 1}/d{w}", L.inp[0, i]))
                out.append((f"dL/d{w}", L.weight_grad[j, i]))
                out.append((f"{w}({rec.step + 1})", L.weight_after[j, i]))
                out.append((f"{w}({rec.step})", L.weight[j, i]))
        if L.bias is not None:
            for j in range(L.bias.shape[0]):
                b = f"b{u0[l] + j + 1}"
                out.append((f"dL/d{b}", L.bias_grad[j]))
                out.append((f"{b}({rec.step + 1})", L.bias_after[j]))
                out.append((f"{b}({rec.step})", L.bias[j]))
    out.append(("yhat", layers[-1].a[0, 0]))
    return [(n, float(v)) for n, v in out]


def parse_answers(text: str, path: str) -> list:
    """``name = value`` lines (TOML-style comments with #); returns [(line, name, value)]."""
    answers = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("["):
            continue
        if "=" not in line:
            raise ValueError(f"{path}:{lineno}: expected `name = value`, got {line!r}")
        name, _, value = line.rpartition("=")
        name = name.strip().strip('"').strip("'")
        value = value.strip().replace("\u2212", "-")
        try:
            v = float(value)
        except ValueError:
            raise ValueError(f"{path}:{lineno}: the value of {name} must be a number, got {value!r}") from None
        answers.append((lineno, name, value, v))
    if not answers:
        raise ValueError(f"{path}: no `name = value` lines found (e.g. z1 = 0.6478)")
    return answers
