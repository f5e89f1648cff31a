"""Named values of an explained step, for checking a hand-worked solution (``chainrule check``).

Names are those the explanation prints, in either notation, ``d`` or ``∂``, σ or s/sigma:

* flat: z1, σ1, a4, p2 (cross-entropy's softmax), L, yhat, dL/dσ3, dσ3/dz3, dL/dz3, dz3/dW5, dL/dW1, dL/db1, W5(2) (after the step),
  W5(1) (before);
* indexed: z^(1)_2, W⁽¹⁾₁₂, dL/dW^(2)_11, W^{(1)}_{12}(2);
* a batch: per-sample values carry the sample in brackets as the explanation does — z1[2], σ3[2],
  ℓ[2] (or l[2]), dℓ[2]/dz3[2], dℓ[2]/dW5 — and dL/dW5 is the batch's gradient.

Every gradient also carries its chain: the factors whose product it is (``dL/dW1 = dL/dσ3 · dσ3/dz3 ·
dz3/dσ1 · dσ1/dz1 · dz1/dW1``), so a wrong answer can be traced to the factor that went wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .derivation import Sym
from .naming import Names

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


@dataclass
class Quantity:
    """A value of the step under every name it has (flat and indexed); gradients with their chain."""
    names: tuple          # canonical names, the flat one first
    value: float
    kind: str             # "value" | "local" | "grad" | "before" | "after"
    chain: list = field(default_factory=list)     # [(names of the factor, value)] for a gradient
    extra: dict = field(default_factory=dict)     # what the diagnosis needs: lr, before, per-sample terms …

    @property
    def name(self) -> str:
        return self.names[0]


def quantities(rec) -> list:
    """Every named value of the step, in the order of the derivation (forward, loss, backward, update)."""
    layers = rec.layers
    N = rec.x.shape[0]
    c = 1.0 / N if rec.loss_fn.reduction == "mean" else 1.0
    sizes = [layers[0].weight.shape[1]] + [L.weight.shape[0] for L in layers]
    kinds = [L.activation.kind for L in layers]
    notations = [Names(sizes, kinds, n, N) for n in ("flat", "indexed")]
    samples = [None] if N == 1 else list(range(N))
    out = []

    def names(fn):
        ks = []
        for nm in notations:
            k = fn(nm)
            if k not in ks:
                ks.append(k)
        return tuple(ks)

    def add(fn, value, kind="value", chain=None, **extra):
        out.append(Quantity(names(fn), float(value), kind, chain or [], extra))
        return out[-1]

    def lsym(nm, n):
        return nm.sample_loss(n) if N > 1 else nm.loss()

    # forward
    for l, L in enumerate(layers):
        for n in samples:
            m = n or 0
            for j in range(L.weight.shape[0]):
                add(lambda nm: key(nm.at(nm.z(l, j), n)), L.z[m, j])
            if L.activation.kind != "identity":
                for j in range(L.weight.shape[0]):
                    add(lambda nm: key(nm.at(nm.a(l, j), n)), L.a[m, j])
    K = sizes[-1]
    for n in samples:
        for k in range(K):
            add(lambda nm: key(nm.at(nm.yhat(k), n)), rec.out[n or 0, k])
    if rec.loss_fn.kind == "cross_entropy":          # the softmax probabilities p1, p2, … (p1[2] per sample)
        probs = rec.loss_fn.softmax(rec.out.astype(np.float64))
        for n in samples:
            for k in range(K):
                add(lambda nm: key(nm.at(nm.prob(k), n)), probs[n or 0, k])
    if N > 1:
        per = rec.loss_fn.per_sample(rec.out.astype(np.float64), rec.y)
        for n in samples:
            add(lambda nm: key(nm.sample_loss(n)), per[n])
    add(lambda nm: "L", rec.loss)

    # backward: per unit ∂ℓ/∂a, ∂a/∂z, ∂ℓ/∂z (per sample), then each parameter's gradient and update
    def chain_to(l, j, n):
        """The factors of ∂ℓ/∂a_j (layer l, sample n) down from the loss, expanded through single units."""
        if l == len(layers) - 1 or sizes[l + 2] != 1:
            return [(names(lambda nm: partial(lsym(nm, n), nm.at(nm.a(l, j), n))), layers[l].da[n or 0, j] / c)]
        up = chain_to(l + 1, 0, n)
        if layers[l + 1].activation.kind != "identity":
            up = up + [(names(lambda nm: partial(nm.at(nm.a(l + 1, 0), n), nm.at(nm.z(l + 1, 0), n))),
                        layers[l + 1].local[n or 0, 0])]
        return up + [(names(lambda nm: partial(nm.at(nm.z(l + 1, 0), n), nm.at(nm.a(l, j), n))),
                      layers[l + 1].weight[0, j])]

    def chain_of(l, j, n, param):
        """The whole chain of ∂ℓ_n/∂θ for θ = W_ji (param = ("W", i)) or b_j (("b",))."""
        L = layers[l]
        ch = chain_to(l, j, n)
        if L.activation.kind != "identity":
            ch = ch + [(names(lambda nm: partial(nm.at(nm.a(l, j), n), nm.at(nm.z(l, j), n))), L.local[n or 0, j])]
        if param[0] == "W":
            i = param[1]
            ch.append((names(lambda nm: partial(nm.at(nm.z(l, j), n), nm.W(l, j, i))), L.inp[n or 0, i]))
        else:
            ch.append((names(lambda nm: partial(nm.at(nm.z(l, j), n), nm.b(l, j))), 1.0))
        return ch

    for l in range(len(layers) - 1, -1, -1):
        L = layers[l]
        for j in range(L.weight.shape[0]):
            for n in samples:
                m = n or 0
                a_is_z = L.activation.kind == "identity"
                if not a_is_z:
                    add(lambda nm: partial(lsym(nm, n), nm.at(nm.a(l, j), n)), L.da[m, j] / c, "grad",
                        chain_to(l, j, n) if l < len(layers) - 1 and sizes[l + 2] == 1 else None)
                    add(lambda nm: partial(nm.at(nm.a(l, j), n), nm.at(nm.z(l, j), n)), L.local[m, j], "local")
                full = chain_to(l, j, n) + ([] if a_is_z else [
                    (names(lambda nm: partial(nm.at(nm.a(l, j), n), nm.at(nm.z(l, j), n))), L.local[m, j])])
                add(lambda nm: partial(lsym(nm, n), nm.at(nm.z(l, j), n)), L.dz[m, j] / c, "grad",
                    full if len(full) > 1 else None)
        params = [(("W", i), j, L.weight[j, i], L.weight_after[j, i], L.weight_grad[j, i], "weight", (j, i))
                  for j in range(L.weight.shape[0]) for i in range(L.weight.shape[1])]
        if L.bias is not None:
            params += [(("b",), j, L.bias[j], L.bias_after[j], L.bias_grad[j], "bias", (j,))
                       for j in range(L.bias.shape[0])]
        for param, j, before, after, grad, pname, idx in params:
            def psym(nm, param=param, j=j):
                return nm.W(l, j, param[1]) if param[0] == "W" else nm.b(l, j)
            for n in samples:
                m = n or 0
                inp = L.inp[m, param[1]] if param[0] == "W" else 1.0
                add(lambda nm: partial(nm.at(nm.z(l, j), n), psym(nm)), inp, "local")
            terms = [float(L.dz[n, j] / c * (L.inp[n, param[1]] if param[0] == "W" else 1.0)) for n in range(N)]
            if N > 1:
                for n in samples:
                    add(lambda nm: partial(nm.sample_loss(n), psym(nm)), terms[n], "grad", chain_of(l, j, n, param))
            add(lambda nm: partial(nm.loss(), psym(nm)), grad, "grad", chain_of(l, j, None, param) if N == 1 else None,
                terms=terms, c=c)
            lr = float(L.opt[pname]["group"]["lr"])
            add(lambda nm: key(nm.when(psym(nm), rec.step + 1)), after, "after", before=float(before), grad=float(grad),
                lr=lr)
            add(lambda nm: key(nm.when(psym(nm), rec.step)), before, "before")
    return out


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
