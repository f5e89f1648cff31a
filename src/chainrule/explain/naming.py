"""Names of the quantities in a derivation, in the post's flat numbering or in indexed notation.

Flat (default, as the post): weights numbered across the network in order, row by row —
W1 = layer 1 weight[0][0], W2 = weight[0][1], W3 = weight[1][0], … then layer 2's W5, W6 …;
biases, weighted sums and activations numbered per unit across layers (b1, b2 | b3; z1, z2 | z3);
inputs x1…, target y, prediction ŷ.  So ``z1 = W1·x1 + W2·x2 + b1``.

Indexed (``--notation indexed``): W⁽ˡ⁾ⱼᵢ (layer l, row j = unit, column i = input), b⁽ˡ⁾ⱼ, z⁽ˡ⁾ⱼ.

Given ``refs`` (``StepRecord.refs()``: the StepGraph ids of x, ŷ, L and of each layer's weight, bias,
z and a), every symbol carries the value it names (``Sym.ref``) and its element (``Sym.elem``): W₅ of
the lecture is ``ref`` = layer2.0.weight's id, ``elem`` = (0, 0).  Readers (the interactive page,
``check``) use those, never the digits of the subscript.

The activation output is σ for a sigmoid (as the post) and a for any other function
(a = tanh(z), a = max(0, z), …); a layer without activation is its own output z.
"""
from __future__ import annotations

from dataclasses import replace

from .derivation import Sym

NOTATIONS = ("flat", "indexed")


class Names:
    def __init__(self, sizes, activations, notation: str = "flat", batch: int = 1, refs: dict | None = None):
        """``sizes``: [n_in, n_1, …, n_L]; ``activations``: one kind per layer ("identity" for none);
        ``refs``: the StepGraph ids the symbols name (see the module docstring), or None."""
        self.refs = refs or {}
        if notation not in NOTATIONS:
            raise ValueError(f"unknown notation {notation!r}: expected flat or indexed")
        self.sizes = list(sizes)
        self.activations = list(activations)
        self.notation = notation
        self.batch = batch
        self.L = len(sizes) - 1
        self._w0 = [0]
        self._u0 = [0]
        for l in range(self.L):
            self._w0.append(self._w0[-1] + sizes[l] * sizes[l + 1])
            self._u0.append(self._u0[-1] + sizes[l + 1])

    # -- helpers -----------------------------------------------------------------------------------
    def _idx(self, *ix) -> str:
        parts = [str(i + 1) for i in ix]
        return ("," if any(len(p) > 1 for p in parts) else "").join(parts)

    def _layer(self, l: int) -> str:
        return f"({l + 1})"

    def _ref(self, l, what):
        layers = self.refs.get("layers")
        return layers[l].get(what) if layers and l < len(layers) else None

    def at(self, sym: Sym, n) -> Sym:
        """The value of ``sym`` for sample ``n`` (0-based) of a batch; unchanged for a batch of one."""
        if n is None or self.batch == 1:
            return sym
        return replace(sym, sample=n + 1)

    def when(self, sym: Sym, t: int) -> Sym:
        return replace(sym, time=t)

    # -- the network's quantities -------------------------------------------------------------------
    def x(self, i: int) -> Sym:
        return Sym("x", sub=str(i + 1), ref=self.refs.get("x"), elem=(i,))

    def y(self, k: int = 0) -> Sym:
        return Sym("y", sub=str(k + 1) if self.sizes[-1] > 1 else "")

    def yhat(self, k: int = 0) -> Sym:
        return Sym("y", hat=True, sub=str(k + 1) if self.sizes[-1] > 1 else "", ref=self.refs.get("out"), elem=(k,))

    def W(self, l: int, j: int, i: int) -> Sym:
        if self.notation == "flat":
            return Sym("W", sub=str(self._w0[l] + j * self.sizes[l] + i + 1), ref=self._ref(l, "weight"), elem=(j, i))
        return Sym("W", sub=self._idx(j, i), sup=self._layer(l), ref=self._ref(l, "weight"), elem=(j, i))

    def b(self, l: int, j: int) -> Sym:
        if self.notation == "flat":
            return Sym("b", sub=str(self._u0[l] + j + 1), ref=self._ref(l, "bias"), elem=(j,))
        return Sym("b", sub=self._idx(j), sup=self._layer(l), ref=self._ref(l, "bias"), elem=(j,))

    def z(self, l: int, j: int) -> Sym:
        if self.notation == "flat":
            return Sym("z", sub=str(self._u0[l] + j + 1), ref=self._ref(l, "z"), elem=(j,))
        return Sym("z", sub=self._idx(j), sup=self._layer(l), ref=self._ref(l, "z"), elem=(j,))

    def act_base(self, l: int) -> str:
        return "σ" if self.activations[l] == "sigmoid" else "a"

    def has_act(self, l: int) -> bool:
        return self.activations[l] != "identity"

    def a(self, l: int, j: int) -> Sym:
        """The output of unit j of layer l (its activation, or z when the layer has none)."""
        if not self.has_act(l):
            return self.z(l, j)
        if self.notation == "flat":
            return Sym(self.act_base(l), sub=str(self._u0[l] + j + 1), ref=self._ref(l, "a"), elem=(j,))
        return Sym(self.act_base(l), sub=self._idx(j), sup=self._layer(l), ref=self._ref(l, "a"), elem=(j,))

    def inp(self, l: int, i: int) -> Sym:
        """Input i of layer l: x_i for the first layer, else the previous layer's output."""
        return self.x(i) if l == 0 else self.a(l - 1, i)

    def loss(self) -> Sym:
        return Sym("L", ref=self.refs.get("loss"))

    def sample_loss(self, n) -> Sym:
        return Sym("ℓ", sample=n + 1, ref=self.refs.get("loss")) if self.batch > 1 else self.loss()

    def prob(self, k: int) -> Sym:
        return Sym("p", sub=str(k + 1))

    # -- matrix form ------------------------------------------------------------------------------------
    def matrix(self, base: str, l: int | None) -> Sym:
        what = {"W": "weight", "b": "bias", "z": "z", "a": "a", "σ": "a", "δ": "z"}.get(base)
        return Sym(base, sup="" if l is None else self._layer(l), bold=False,
                   ref=None if l is None or what is None else self._ref(l, what))
