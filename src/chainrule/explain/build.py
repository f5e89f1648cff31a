"""Turn a recorded training step into a ``Derivation``: the post's solution, for any supported model.

Order (the post's): setup → forward (weighted sums, activations) → loss → backward, layer by layer
from the output, each parameter's chain of local derivatives followed by its update → the table of
values before and after → the observation → (batches) the matrix form.

Every printed number is the engine's (or, with ``hand=True``, recomputed from the rounded numbers
a person carries, each marked † where it differs from the exact one).  Every chain-rule product
printed is checked with ``chain.check`` against autograd before the derivation is returned.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import chain
from .derivation import (Add, Derivation, Eq, Equation, Frac, Func, Hadamard, Mul, Neg, Num, Para, Paren,
                         Partial, Pow, Rel, Section, Seq, Shape, Sqrt, Sub, Sum, Sym, Table, Transpose)
from .errors import UnsupportedModel
from .formulas import ONE, Sigmoid
from .naming import Names
from .render.numbers import carried, carried_array, plain

DEFAULT_MAX_SCALAR = 200


def n_params(rec) -> int:
    return sum(L.weight.size + (0 if L.bias is None else L.bias.size) for L in rec.layers)


class Builder:
    def __init__(self, rec, *, decimals=4, hand=False, notation="flat", form="auto",
                 max_scalar=DEFAULT_MAX_SCALAR, torch_record=None):
        self.rec = rec
        self.D = decimals
        self.hand = hand
        self.N = rec.x.shape[0]
        self.c = 1.0 / self.N if rec.loss_fn.reduction == "mean" else 1.0
        sizes = [rec.layers[0].weight.shape[1]] + [L.weight.shape[0] for L in rec.layers]
        self.sizes = sizes
        self.names = Names(sizes, [L.activation.kind for L in rec.layers], notation, self.N,
                           refs=rec.refs() if hasattr(rec, "refs") else None)
        count = n_params(rec)
        if form == "auto":
            form = "scalar" if count <= max_scalar and self.N <= 8 else "matrix"
        elif form == "scalar" and count > max_scalar:
            raise UnsupportedModel(
                f"the model has {count} parameters, more than the scalar derivation's limit of {max_scalar}; "
                f"use --form matrix (or auto), or raise the limit with --max-scalar")
        self.form = form
        self.torch = torch_record
        self.t = rec.step
        self.H = {}   # hand values, filled by _hand_forward / as the backward pass is written

    # -- numbers --------------------------------------------------------------------------------------
    def R(self, v):
        return carried_array(v, self.D) if np.ndim(v) else carried(v, self.D)

    def num(self, exact, hand=None, integer=False) -> Num:
        """The number shown: exact, or (``--hand``) the hand value marked when it differs."""
        exact = float(exact)
        if not self.hand or hand is None:
            return Num(exact, integer=integer and exact == round(exact))
        hand = float(hand)
        differs = plain(exact, self.D) != plain(hand, self.D)     # as written: 0.7196 vs 0.7197, 3.1416e-06 vs …
        return Num(hand, exact if differs else None, integer=integer and hand == round(hand))

    def check(self, label, product, autograd):
        chain.check(label, product, autograd, self.rec.dtype)

    # -- the whole document -----------------------------------------------------------------------------
    def build(self) -> Derivation:
        chain.verify(self.rec)
        self._hand_forward()
        secs = [self.setup()]
        if self.form == "scalar":
            secs += [self.forward(), self.loss(), *self.backward(), self.table()]
            if self.N > 1:
                secs.append(self.matrix(brief=True))
        else:
            secs += [self.matrix(brief=False), self.summary_table()]
        secs.append(self.observation())
        if self.torch is not None:
            secs.append(self.torch_section())
        d = Derivation(secs, self.D, {"loss": self.rec.loss_fn.module, "optimizer": self.rec.optimizer}, self.hand)
        if self.hand:
            secs[0].blocks.insert(0, Para("hand.note", {"decimals": self.D}))
        return d

    # -- hand values -----------------------------------------------------------------------------------
    def _hand_forward(self):
        R = self.R
        rec = self.rec
        H = self.H
        H["x"] = R(rec.x)
        prev = H["x"]
        for l, L in enumerate(rec.layers):
            W, b = R(L.weight), None if L.bias is None else R(L.bias)
            z = R(prev @ W.T + (0 if b is None else b))
            a = R(L.activation.fn(z)) if L.activation.kind != "identity" else z
            H[("W", l)], H[("b", l)], H[("z", l)], H[("a", l)] = W, b, z, a
            H[("local", l)] = R(L.activation.dfn(z, a))
            prev = a
        out = prev
        lf = rec.loss_fn
        H["ell"] = R(lf.per_sample(out, rec.y))
        H["L"] = R(self.c * H["ell"].sum())
        H["dout"] = R(lf.grad(out, rec.y))            # per sample: ∂ℓ_n/∂o
        if lf.kind == "cross_entropy":
            H["p"] = R(lf.softmax(out))
        for l in range(len(rec.layers) - 1, -1, -1):
            if l == len(rec.layers) - 1:
                da = H["dout"]
            else:
                da = R(H[("dz", l + 1)] @ H[("W", l + 1)])
            H[("da", l)] = da
            H[("dz", l)] = R(da * H[("local", l)]) if rec.layers[l].activation.kind != "identity" else da

    # -- setup -------------------------------------------------------------------------------------------
    def setup(self) -> Section:
        rec, nm = self.rec, self.names
        blocks = []
        shape = " → ".join(str(s) for s in self.sizes)
        parts = []
        for L in rec.layers:
            parts.append(f"{L.name} Linear({L.weight.shape[1]}, {L.weight.shape[0]})")
            if L.activation.kind != "identity":
                parts.append(f"{L.act_name} {type(L.activation).__name__}")
        blocks.append(Para("setup.network", {"shape": shape, "layers": " → ".join(parts)}))
        blocks.append(Para("setup.loss", {"loss": self._loss_name(), "reduction": rec.loss_fn.reduction}))
        blocks.append(Para("setup.optimizer", {"optimizer": self._optimizer_desc()}))
        if self.form == "scalar":
            blocks.append(Para("setup.numbering"))
            for l, L in enumerate(rec.layers):
                rows = []
                for j in range(L.weight.shape[0]):
                    for i in range(L.weight.shape[1]):
                        rows.append([nm.W(l, j, i), f"{L.name}.weight[{j}][{i}]", self.num(L.weight[j, i])])
                if L.bias is not None:
                    for j in range(L.bias.shape[0]):
                        rows.append([nm.b(l, j), f"{L.name}.bias[{j}]", self.num(L.bias[j])])
                blocks.append(Table(["table.symbol", "table.parameter", "table.value"], rows,
                                    Para("setup.layer_params", {"layer": l + 1, "name": L.name})))
            blocks.append(Para("setup.data", {"n": self.N}))
            if rec.loss_fn.kind == "cross_entropy" and not rec.loss_fn.soft(rec.y):
                blocks.append(Para("setup.classes"))
            if self.N == 1:
                items = [Eq(nm.x(i), self.num(rec.x[0, i], integer=True)) for i in range(self.sizes[0])]
                items += self._targets(0)
                blocks.append(Para("setup.values", {"values": Seq(tuple(items))}))
            else:
                for n in range(self.N):
                    items = [Eq(nm.at(nm.x(i), n), self.num(rec.x[n, i], integer=True))
                             for i in range(self.sizes[0])]
                    items += self._targets(n)
                    blocks.append(Para("setup.values", {"values": Seq(tuple(items))}))
        else:
            blocks.append(Para("setup.matrix_form", {"params": n_params(rec), "n": self.N}))
        if len(rec.losses) > 1:
            rows = [[str(i + 1), Num(v)] for i, v in enumerate(rec.losses)]
            blocks.append(Table(["table.step", "table.loss"], rows, Para("setup.steps", {"step": self.t})))
        return Section("section.setup", blocks)

    def _targets(self, n):
        nm, rec = self.names, self.rec
        if rec.loss_fn.kind == "cross_entropy":
            if rec.loss_fn.soft(rec.y):
                return [Eq(nm.at(Sym("q", sub=str(k + 1)), n), self.num(rec.y[n, k])) for k in range(self.sizes[-1])]
            return [Eq(nm.at(Sym("c"), n), Num(int(rec.y[n]), integer=True))]     # as given: 0-based, as PyTorch
        return [Eq(nm.at(nm.y(k), n), self.num(rec.y[n, k], integer=True)) for k in range(self.sizes[-1])]

    def _loss_name(self) -> str:
        return f"{self.rec.loss_fn.module}"

    def _optimizer_desc(self) -> str:
        """``SGD(lr=1)``; with parameter groups of different settings, each with the parameters it holds."""
        groups = {}
        for L in self.rec.layers:
            for pname, o in L.opt.items():
                groups.setdefault(self._group_desc(o["group"]), []).append(f"{L.name}.{pname}")
        if len(groups) == 1:
            return next(iter(groups))
        return "; ".join(f"{desc} for {', '.join(params)}" for desc, params in groups.items())

    def _group_desc(self, g) -> str:
        """``SGD(lr=1)``, ``Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08)``: the class that ran and the group's
        settings that are not off (``graph_builder._opt_desc``, shared with the graph form)."""
        from .graph_builder import _opt_desc
        return _opt_desc(self.rec.graph.optimizer, g)

    # -- forward -----------------------------------------------------------------------------------------
    def forward(self) -> Section:
        rec, nm, H = self.rec, self.names, self.H
        blocks = [Para("forward.intro")]
        for l, L in enumerate(rec.layers):
            blocks.append(Para("forward.weighted_sum", {"layer": l + 1}))
            for j in range(L.weight.shape[0]):
                terms = [Mul((nm.W(l, j, i), nm.inp(l, i)), "dot") for i in range(L.weight.shape[1])]
                if L.bias is not None:
                    terms.append(nm.b(l, j))
                sym = Add(tuple(terms))
                for n in self._samples():
                    nums = [Mul((self.num(L.weight[j, i], H[("W", l)][j, i]),
                                 self._inp_num(l, n, i)), "times") for i in range(L.weight.shape[1])]
                    if L.bias is not None:
                        nums.append(self.num(L.bias[j], H[("b", l)][j]))
                    rows = ([sym] if n in (None, 0) or self.N == 1 else []) + [
                        Add(tuple(nums)), self.num(L.z[n or 0, j], H[("z", l)][n or 0, j])]
                    if self.N > 1 and n == 0:
                        rows = [sym]
                        blocks.append(Equation(nm.z(l, j), rows))
                        rows = [Add(tuple(nums)), self.num(L.z[0, j], H[("z", l)][0, j])]
                    blocks.append(Equation(nm.at(nm.z(l, j), n), rows))
            if L.activation.kind != "identity":
                blocks.append(Para(f"forward.activation.{L.activation.kind}"))
                act = L.activation
                for j in range(L.weight.shape[0]):
                    for n in self._samples():
                        zn = self.num(L.z[n or 0, j], H[("z", l)][n or 0, j])
                        rows = [act.formula(nm.at(nm.z(l, j), n)), act.formula(zn),
                                self.num(L.a[n or 0, j], H[("a", l)][n or 0, j])]
                        blocks.append(Equation(nm.at(nm.a(l, j), n), rows))
        outs = Seq(tuple(Eq(nm.yhat(k), nm.a(len(rec.layers) - 1, k)) for k in range(self.sizes[-1])))
        blocks.append(Para("forward.output", {"output": outs}))
        return Section("section.forward", _roles(blocks, "forward"))

    def _samples(self):
        return [None] if self.N == 1 else list(range(self.N))

    def _inp_num(self, l, n, i):
        n = n or 0
        if l == 0:
            return self.num(self.rec.x[n, i], self.H["x"][n, i], integer=True)
        return self.num(self.rec.layers[l - 1].a[n, i], self.H[("a", l - 1)][n, i])

    def _out_sym(self, k, n=None):
        return self.names.at(self.names.a(len(self.rec.layers) - 1, k), n)

    # -- loss ---------------------------------------------------------------------------------------------
    def loss(self) -> Section:
        rec, nm, H = self.rec, self.names, self.H
        lf = rec.loss_fn
        K = self.sizes[-1]
        blocks = [Para(f"loss.intro.{lf.kind}")]
        per = lf.per_sample(rec.out.astype(np.float64), rec.y)
        for n in self._samples():
            m = n or 0
            lhs = nm.sample_loss(n) if self.N > 1 else nm.loss()
            if lf.kind == "cross_entropy":
                p = lf.softmax(rec.out.astype(np.float64))
                for k in range(K):
                    den = Add(tuple(Func("exp", (self._out_sym(j, n),)) for j in range(K)))
                    dnum = Add(tuple(Func("exp", (self.num(rec.out[m, j], H[("a", len(rec.layers) - 1)][m, j]),))
                                     for j in range(K)))
                    blocks.append(Equation(nm.at(nm.prob(k), n), [
                        Frac(Func("exp", (self._out_sym(k, n),)), den),
                        Frac(Func("exp", (self.num(rec.out[m, k], H[("a", len(rec.layers) - 1)][m, k]),)), dnum),
                        self.num(p[m, k], H["p"][m, k])]))
                if lf.simple and not lf.soft(rec.y):
                    cls = int(rec.y[m])
                    rows = [Neg(Func("log", (nm.at(nm.prob(cls), n),))),
                            Neg(Func("log", (self.num(p[m, cls], H["p"][m, cls]),))), self.num(per[m], H["ell"][m])]
                else:                # ℓ = −Σ_k q_k log p_k over the target distribution q
                    q = lf.target(rec.y, K)
                    if n in (None, 0):
                        blocks.append(self._target_dist())
                    rows = [Neg(Paren(Add(tuple(Mul((nm.at(Sym("q", sub=str(k + 1)), n),
                                                     Func("log", (nm.at(nm.prob(k), n),))), "dot") for k in range(K))))),
                            Neg(Paren(Add(tuple(Mul((Num(q[m, k]), Func("log", (self.num(p[m, k], H["p"][m, k]),))),
                                                    "times") for k in range(K))))),
                            self.num(per[m], H["ell"][m])]
                blocks.append(Equation(lhs, rows))
                continue
            yh = [nm.at(nm.yhat(k), n) for k in range(K)]
            ys = [nm.at(nm.y(k), n) for k in range(K)]
            if lf.kind == "bce_logits":
                yh_expr = [Func("σ", (self._out_sym(k, n),)) for k in range(K)]
                yh_num = [Func("σ", (self.num(rec.out[m, k], H[("a", len(rec.layers) - 1)][m, k]),)) for k in range(K)]
            else:
                yh_expr = yh
                yh_num = [self.num(rec.out[m, k], H[("a", len(rec.layers) - 1)][m, k]) for k in range(K)]
            y_num = [self.num(rec.y[m, k], integer=True) for k in range(K)]
            sym_terms = [lf.term(yh_expr[k], ys[k]) for k in range(K)]
            num_terms = [lf.term(yh_num[k], y_num[k]) for k in range(K)]
            neg = lf.kind in ("bce", "bce_logits")

            def combine(terms):
                s = terms[0] if K == 1 else Add(tuple(terms))
                if K > 1 and lf.reduction == "mean":
                    s = Mul((Frac(ONE, Num(K, integer=True)), Paren(s)), "juxt")
                return Neg(Paren(s)) if neg and K == 1 else (Neg(s) if neg else s)
            rows = [combine(sym_terms), combine(num_terms), self.num(per[m], H["ell"][m])]
            blocks.append(Equation(lhs, rows))
        if self.N > 1:
            terms = Add(tuple(nm.sample_loss(n) for n in range(self.N)))
            nums = Add(tuple(self.num(per[n], H["ell"][n]) for n in range(self.N)))
            scale = Frac(ONE, Num(self.N, integer=True)) if lf.reduction == "mean" else None
            rows = [Mul((scale, Paren(terms)), "juxt") if scale else terms,
                    Mul((scale, Paren(nums)), "juxt") if scale else nums, self.num(rec.loss, H["L"])]
            blocks.append(Para("loss.batch_mean" if scale else "loss.batch_sum", {"n": self.N}))
            blocks.append(Equation(nm.loss(), rows))
        return Section("section.loss", _roles(blocks, "loss"))

    # -- backward --------------------------------------------------------------------------------------------
    def backward(self) -> list:
        rec, nm = self.rec, self.names
        secs = []
        intro = Section("section.backward", [Para("backward.intro")])
        intro.blocks.extend(_roles(self._update_rules(), "update"))
        if self.N > 1:
            intro.blocks.append(Para("backward.batch", {"n": self.N}))
        secs.append(intro)
        nL = len(rec.layers)
        for l in range(nL - 1, -1, -1):
            sec = Section("section.backward_layer", [], {"layer": l + 1}, level=3)
            self._errors(l, sec.blocks)
            L = rec.layers[l]
            for j in range(L.weight.shape[0]):
                for i in range(L.weight.shape[1]):
                    self._param(l, "weight", (j, i), nm.W(l, j, i), nm.inp(l, i), sec.blocks)
            if L.bias is not None:
                for j in range(L.bias.shape[0]):
                    self._param(l, "bias", (j,), nm.b(l, j), None, sec.blocks)
            secs.append(sec)
        for sec in secs:
            _backward_roles(sec.blocks, self.names.loss())
        return secs

    def _update_rules(self) -> list:
        """The update in general form, as the optimizer that ran writes it (``explain_rule`` of its class:
        plain SGD's W(t+1) = W(t) − α·∂L/∂W(t); with momentum, weight decay or maximize, or for Adam, AdamW,
        RMSprop, Adagrad, the equations that class applies), once per distinct parameter group — so the
        introduction never shows a formula other than the one that ran."""
        from .rules import E
        opt = self.rec.graph.optimizer
        w0, w1 = Sym("W", sub="n", time="t"), Sym("W", sub="n", time="t+1")
        out, seen = [], set()
        for g in (o["group"] for L in self.rec.layers for o in L.opt.values()):
            key = tuple(sorted((k, repr(v)) for k, v in g.items()))
            if key not in seen:
                seen.add(key)
                out.extend(opt.explain_rule(E, g, w0, w1, Partial(Sym("L"), w0)))
        return out

    def _chain(self, l, j, Lsym=None):
        """The factors of ∂L/∂a_j (layer l) written as a chain down from the loss, as (sym, value) pairs.

        The chain is expanded through units that feed a single unit above (so the seed's ∂L/∂W1 reads
        ∂L/∂σ3·∂σ3/∂z3·∂z3/∂σ1·∂σ1/∂z1·∂z1/∂W1); where a unit feeds several, ∂L/∂a_j stays one factor:
        its sum over paths is written out just before.
        """
        rec, nm = self.rec, self.names
        nL = len(rec.layers)
        Lsym = Lsym or nm.loss()
        if l == nL - 1:
            return [(Partial(Lsym, nm.a(l, j)), ("da", l, j))]
        if self.sizes[l + 2] == 1:
            up = self._chain(l + 1, 0, Lsym)
            if rec.layers[l + 1].activation.kind != "identity":
                up = up + [(Partial(nm.a(l + 1, 0), nm.z(l + 1, 0)), ("local", l + 1, 0))]
            return up + [(Partial(nm.z(l + 1, 0), nm.a(l, j)), ("W", l + 1, 0, j))]
        return [(Partial(Lsym, nm.a(l, j)), ("da", l, j))]

    def _factor(self, key, n):
        """(exact, hand) of a chain factor for sample n (per-sample derivatives: ∂ℓ_n/∂·)."""
        rec, H = self.rec, self.H
        m = n or 0
        kind = key[0]
        if kind == "da":
            _, l, j = key
            return rec.layers[l].da[m, j] / self.c, H[("da", l)][m, j]
        if kind == "dz":
            _, l, j = key
            return rec.layers[l].dz[m, j] / self.c, H[("dz", l)][m, j]
        if kind == "local":
            _, l, j = key
            return rec.layers[l].local[m, j], H[("local", l)][m, j]
        if kind == "W":
            _, l, j, i = key
            return rec.layers[l].weight[j, i], H[("W", l)][j, i]
        raise KeyError(key)

    def _errors(self, l, blocks):
        """∂L/∂a_j, ∂a_j/∂z_j and ∂L/∂z_j for every unit j of layer l (per sample in a batch)."""
        rec, nm, H = self.rec, self.names, self.H
        L = rec.layers[l]
        nL = len(rec.layers)
        lf = rec.loss_fn
        Lsym = nm.loss()
        act = L.activation
        for j in range(L.weight.shape[0]):
            for n in self._samples():
                m = n or 0
                lsym = nm.sample_loss(n) if self.N > 1 else Lsym
                a_j, z_j = nm.at(nm.a(l, j), n), nm.at(nm.z(l, j), n)
                da_exact = L.da[m, j] / self.c
                if l == nL - 1:
                    rows = self._loss_derivative(j, n, lsym)
                    blocks.append(Equation(Partial(lsym, a_j), rows))
                else:
                    up = rec.layers[l + 1]
                    K = up.weight.shape[0]
                    sym = Add(tuple(Mul((Partial(lsym, nm.at(nm.z(l + 1, k), n)), Partial(nm.at(nm.z(l + 1, k), n), a_j)),
                                        "dot") for k in range(K)))
                    sym2 = Add(tuple(Mul((Partial(lsym, nm.at(nm.z(l + 1, k), n)), nm.W(l + 1, k, j)), "dot")
                                     for k in range(K)))
                    nums = Add(tuple(Mul((self.num(up.dz[m, k] / self.c, H[("dz", l + 1)][m, k]),
                                          self.num(up.weight[k, j], H[("W", l + 1)][k, j])), "times") for k in range(K)))
                    self.check(f"∂L/∂{a_j}", sum(up.dz[m, k] * up.weight[k, j] for k in range(K)), L.da[m, j])
                    rows = [sym, sym2, nums, self.num(da_exact, H[("da", l)][m, j])]
                    eq = Equation(Partial(lsym, a_j), rows)
                    if K > 1 and n in (None, 0):
                        blocks.append(Para("backward.paths", {"unit": nm.a(l, j), "k": K}))
                    blocks.append(eq)
                if act.kind == "identity":
                    continue
                zn = self.num(L.z[m, j], H[("z", l)][m, j])
                an = self.num(L.a[m, j], H[("a", l)][m, j])
                blocks.append(Equation(Partial(a_j, z_j), [act.dformula(z_j, a_j), act.dformula(zn, an),
                                                            self.num(L.local[m, j], H[("local", l)][m, j], integer=True)]))
                prod = Mul((Partial(lsym, a_j), Partial(a_j, z_j)), "dot")
                nums = Mul((self.num(da_exact, H[("da", l)][m, j]),
                            self.num(L.local[m, j], H[("local", l)][m, j])), "times")
                self.check(f"∂L/∂{z_j}", L.da[m, j] * L.local[m, j], L.dz[m, j])
                rows = [prod, nums, self.num(L.dz[m, j] / self.c, H[("dz", l)][m, j])]
                if (l == nL - 1 and lf.kind == "bce" and isinstance(act, Sigmoid) and self.sizes[-1] == 1
                        and abs(float(L.a[m, j]) - float(rec.y[m, j]) - float(L.dz[m, j]) / self.c)
                        <= chain.tolerance(rec.dtype) * max(1.0, abs(float(L.dz[m, j]) / self.c))):
                    # σ − y only where it holds: a saturated σ (PyTorch clamps BCE's log) breaks the identity
                    rows[2:2] = [Sub(a_j, nm.at(nm.y(j), n)), Sub(an, self.num(rec.y[m, j], integer=True))]
                blocks.append(Equation(Partial(lsym, z_j), rows))

    def _target_dist(self):
        """How q comes from the target: given probabilities and/or label smoothing ε (q_k = (1 − ε)·y_k + ε/K)."""
        lf = self.rec.loss_fn
        K = self.sizes[-1]
        eps = f"{lf.smoothing:g}"
        if not lf.smoothing:
            return Para("loss.ce_soft")
        onehot = Sym("y", sub="k") if lf.soft(self.rec.y) else Rel(Sym("k"), "=", Sym("c"))
        rule = Eq(Sym("q", sub="k"), Add((Mul((Paren(Sub(ONE, Sym("ε"))), onehot), "juxt"),
                                         Frac(Sym("ε"), Sym("K")))))
        return Para("loss.ce_smoothing", {"rule": rule, "eps": eps, "k": K})

    def _loss_derivative(self, k, n, lsym):
        rec, nm, H = self.rec, self.names, self.H
        lf = rec.loss_fn
        m = n or 0
        K = self.sizes[-1]
        o = nm.at(nm.a(len(rec.layers) - 1, k), n)
        y = nm.at(nm.y(k), n)
        on = self.num(rec.out[m, k], H[("a", len(rec.layers) - 1)][m, k])
        value = self.num(rec.dout[m, k] / self.c, H["dout"][m, k])
        if lf.kind == "cross_entropy":
            p = lf.softmax(rec.out.astype(np.float64))[m, k]
            if lf.simple and not lf.soft(rec.y):
                ind = Num(1 if k == int(rec.y[m]) else 0, integer=True)
                return [Sub(nm.at(nm.prob(k), n), ind), Sub(self.num(p, H["p"][m, k]), ind), value]
            q = lf.target(rec.y, K)[m, k]
            return [Sub(nm.at(nm.prob(k), n), nm.at(Sym("q", sub=str(k + 1)), n)),
                    Sub(self.num(p, H["p"][m, k]), Num(q)), value]
        yn = self.num(rec.y[m, k], integer=True)
        if lf.kind == "bce_logits":
            return [Sub(Func("σ", (o,)), y), Sub(Func("σ", (on,)), yn), value]
        scale = (lambda e: Mul((Frac(ONE, Num(K, integer=True)), e), "juxt")) if K > 1 and lf.reduction == "mean" \
            else (lambda e: e)
        return [scale(lf.dterm(o, y)), scale(lf.dterm(on, yn)), value]

    def _param(self, l, pname, idx, psym, in_sym, blocks):
        rec, nm, H = self.rec, self.names, self.H
        L = rec.layers[l]
        j = idx[0]
        z_j = nm.z(l, j)
        lsym = nm.loss() if self.N == 1 else Sym("ℓ", sample="n", ref=nm.loss().ref)
        chain_syms = self._chain(l, j, lsym)
        if L.activation.kind != "identity":
            chain_syms = chain_syms + [(Partial(nm.a(l, j), z_j), ("local", l, j))]
        grad = (L.weight_grad if pname == "weight" else L.bias_grad)[idx]
        # ∂z_j/∂W = the unit's input (∂z_j/∂b = 1)
        if self.N == 1:
            if pname == "weight":
                i = idx[1]
                blocks.append(Equation(Partial(z_j, psym), [in_sym, self._inp_num(l, None, i)]))
            else:
                blocks.append(Equation(Partial(z_j, psym), [Num(1, integer=True)]))
        sym_chain = Mul(tuple(s for s, _ in chain_syms) + (Partial(z_j, psym),), "dot")
        lhs = Partial(nm.loss(), psym)
        hand_terms = []
        exact_terms = []
        num_rows = []
        for n in self._samples():
            m = n or 0
            vals = [self._factor(key, n) for _, key in chain_syms]
            if pname == "weight":
                inp = (rec.x if l == 0 else rec.layers[l - 1].a)[m, idx[1]]
                inp_h = (H["x"] if l == 0 else H[("a", l - 1)])[m, idx[1]]
                vals.append((inp, inp_h))
            else:
                vals.append((1.0, 1.0))
            exact = float(np.prod([float(v[0]) for v in vals]))
            hand = self.R(float(np.prod([float(v[1]) for v in vals])))
            exact_terms.append(exact)
            hand_terms.append(hand)
            num_rows.append(Mul(tuple(self.num(e, h, integer=(k == len(vals) - 1 and l == 0) or pname == "bias" and
                                               k == len(vals) - 1) for k, (e, h) in enumerate(vals)), "times"))
        self.check(f"∂L/∂{psym}", self.c * sum(exact_terms), grad)
        if self.N == 1:
            rows = [sym_chain, num_rows[0], self.num(grad, hand_terms[0])]
        else:
            hand_total = self.R(self.c * sum(hand_terms))
            per = Add(tuple(self.num(e, h) for e, h in zip(exact_terms, hand_terms)))
            scale = Frac(ONE, Num(self.N, integer=True)) if self.c != 1 else None
            s_sum = Sum("n", Partial(lsym, psym))
            rows = [Mul((scale, s_sum), "juxt") if scale else s_sum,
                    Mul((scale, Paren(per)), "juxt") if scale else per,
                    self.num(grad, hand_total)]
            blocks.append(Equation(Partial(lsym, psym), [sym_chain]))
            hand_terms = [hand_total]
        eq = Equation(lhs, rows)
        if self.rec.numeric_h and pname in L.numeric:
            eq.notes.append(Para("backward.numeric", {"value": Num(float(L.numeric[pname][idx])),
                                                     "h": f"{self.rec.numeric_h:g}"}))
        blocks.append(eq)
        self._update(l, pname, idx, psym, hand_terms[0], blocks)

    def _update(self, l, pname, idx, psym, g_hand, blocks):
        start = len(blocks)
        try:
            self._update_rows(l, pname, idx, psym, g_hand, blocks)
        finally:
            _roles(blocks[start:], "update")

    def _update_rows(self, l, pname, idx, psym, g_hand, blocks):
        rec = self.rec
        L = rec.layers[l]
        before = (L.weight if pname == "weight" else L.bias)[idx]
        after = (L.weight_after if pname == "weight" else L.bias_after)[idx]
        grad = (L.weight_grad if pname == "weight" else L.bias_grad)[idx]
        full = chain.update_terms(rec.optimizer, L.opt[pname], L.weight if pname == "weight" else L.bias,
                                  L.weight_grad if pname == "weight" else L.bias_grad)
        t = self.t
        th0, th1 = self.names.when(psym, t), self.names.when(psym, t + 1)
        gsym = Partial(Sym("L"), th0)
        th_h = self.H[("W", l)][idx] if pname == "weight" else self.H[("b", l)][idx]
        lr = full["lr"]
        alpha = Num(lr, integer=float(lr).is_integer())
        wd = full["wd"]
        gt_sym = Add((gsym, Mul((Sym("λ"), th0), "juxt"))) if wd else gsym
        gt_h = self.R(g_hand + wd * th_h) if wd else g_hand
        gt_num = Add((self.num(grad, g_hand), Mul((Num(wd), self.num(before, th_h)), "times"))) if wd else \
            self.num(grad, g_hand)
        if rec.optimizer == "SGD" and not full["mu"]:
            hand = self.R(th_h - self.R(lr * gt_h))
            rows = [Sub(th0, Mul((Sym("α"), gt_sym), "dot")),
                    Sub(self.num(before, th_h), Mul((alpha, gt_num if not wd else Paren(gt_num)), "times")),
                    self.num(after, hand)]
            blocks.append(Equation(th1, rows))
            self.H[("after", l, pname, idx)] = hand
            return
        if rec.optimizer == "SGD":
            mu, tau = full["mu"], full["tau"]
            bsym0, bsym1 = Sym("v", sub=self._plain_sub(psym), time=t), Sym("v", sub=self._plain_sub(psym), time=t + 1)
            buf = full["buf"][idx]
            prev = full["buf_prev"]
            if prev is None:
                rows = [gt_sym, gt_num, self.num(buf, gt_h)]
                buf_h = gt_h
                blocks.append(Para("update.momentum_first"))
            else:
                pv = float(np.asarray(prev)[idx])
                buf_h = self.R(mu * self.R(pv) + (1 - tau) * gt_h)
                damp = Num(1 - tau)
                rows = [Add((Mul((Sym("μ"), bsym0), "juxt"), Mul((Paren(Sub(ONE, Sym("τ"))), Paren(gt_sym) if wd else gt_sym), "juxt") if tau else (Paren(gt_sym) if wd else gt_sym))),
                        Add((Mul((Num(mu), self.num(pv, self.R(pv))), "times"),
                             Mul((damp, Paren(gt_num)), "times") if tau else (Paren(gt_num) if wd else gt_num))),
                        self.num(buf, buf_h)]
            blocks.append(Equation(bsym1, rows))
            if full.get("nesterov"):     # Nesterov: the step looks ahead along the new buffer, g̃ + μ·v(t+1)
                step_h = self.R(gt_h + self.R(mu * buf_h))
                hand = self.R(th_h - self.R(lr * step_h))
                blocks.append(Equation(th1, [
                    Sub(th0, Mul((Sym("α"), Paren(Add((gt_sym, Mul((Sym("μ"), bsym1), "juxt"))))), "juxt")),
                    Sub(self.num(before, th_h), Mul((alpha, Paren(Add((gt_num, Mul((Num(mu), self.num(buf, buf_h)),
                                                                                       "times"))))), "times")),
                    self.num(after, hand)]))
                return
            hand = self.R(th_h - self.R(lr * buf_h))
            blocks.append(Equation(th1, [Sub(th0, Mul((Sym("α"), bsym1), "dot")),
                                         Sub(self.num(before, th_h), Mul((alpha, self.num(buf, buf_h)), "times")),
                                         self.num(after, hand)]))
            return
        # Adam
        b1, b2, eps, tt = full["b1"], full["b2"], full["eps"], full["t"]
        sub = self._plain_sub(psym)
        m0, m1 = Sym("m", sub=sub, time=t), Sym("m", sub=sub, time=t + 1)
        v0, v1 = Sym("v", sub=sub, time=t), Sym("v", sub=sub, time=t + 1)
        mp, vp = float(np.asarray(full["m_prev"])[idx]), float(np.asarray(full["v_prev"])[idx])
        m, v, mh, vh = (float(full[k][idx]) for k in ("m", "v", "mhat", "vhat"))
        m_h = self.R(b1 * self.R(mp) + (1 - b1) * gt_h)
        v_h = self.R(b2 * self.R(vp) + (1 - b2) * gt_h ** 2)
        mh_h = self.R(m_h / (1 - b1 ** tt))
        vh_h = self.R(v_h / (1 - b2 ** tt))
        blocks.append(Equation(m1, [Add((Mul((Sym("β", sub="1"), m0), "juxt"),
                                         Mul((Paren(Sub(ONE, Sym("β", sub="1"))), gt_sym), "juxt"))),
                                    Add((Mul((Num(b1), self.num(mp, self.R(mp))), "times"),
                                         Mul((Num(1 - b1), gt_num if not wd else Paren(gt_num)), "times"))),
                                    self.num(m, m_h)]))
        blocks.append(Equation(v1, [Add((Mul((Sym("β", sub="2"), v0), "juxt"),
                                         Mul((Paren(Sub(ONE, Sym("β", sub="2"))), Pow(Paren(gt_sym) if wd else gt_sym, Num(2, integer=True))), "juxt"))),
                                    Add((Mul((Num(b2), self.num(vp, self.R(vp))), "times"),
                                         Mul((Num(1 - b2), Pow(Paren(gt_num) if wd or grad < 0 else gt_num, Num(2, integer=True))), "times"))),
                                    self.num(v, v_h)]))
        v_used, vu_h = v1, v_h
        if full.get("amsgrad"):      # amsgrad: the largest v so far replaces v in the step
            vx0, vx1 = Sym("v", sub=sub, sup="max", time=t), Sym("v", sub=sub, sup="max", time=t + 1)
            vxp, vx = float(np.asarray(full["vmax_prev"])[idx]), float(full["vmax"][idx])
            vx_h = self.R(max(self.R(vxp), v_h))
            blocks.append(Equation(vx1, [Func("max", (vx0, v1)), Func("max", (self.num(vxp, self.R(vxp)),
                                                                            self.num(v, v_h))), self.num(vx, vx_h)]))
            v_used, vu_h, v = vx1, vx_h, vx
            vh_h = self.R(vu_h / (1 - b2 ** tt))
        mhat_s, vhat_s = Sym("m", sub=sub, hat=True), Sym("v", sub=sub, hat=True)
        tnum = Num(tt, integer=True)
        blocks.append(Equation(mhat_s, [Frac(m1, Sub(ONE, Pow(Sym("β", sub="1"), Sym("t")))),
                                        Frac(self.num(m, m_h), Sub(ONE, Pow(Num(b1), tnum))), self.num(mh, mh_h)]))
        blocks.append(Equation(vhat_s, [Frac(v_used, Sub(ONE, Pow(Sym("β", sub="2"), Sym("t")))),
                                        Frac(self.num(v, vu_h), Sub(ONE, Pow(Num(b2), tnum))), self.num(vh, vh_h)]))
        step_sym = Mul((Sym("α"), Frac(mhat_s, Add((Sqrt(vhat_s), Sym("ε"))))), "juxt")
        step_num = Mul((alpha, Frac(self.num(mh, mh_h), Add((Sqrt(self.num(vh, vh_h)), Num(eps))))), "times")
        step_h = self.R(lr * mh_h / (np.sqrt(vh_h) + eps))
        decay = full.get("decay", 0.0)
        if decay:                    # AdamW: θ shrinks by αλθ, apart from the gradient's step
            hand = self.R(th_h - self.R(lr * decay * th_h) - step_h)
            blocks.append(Equation(th1, [
                Add((th0, Neg(Mul((Sym("α"), Sym("λ"), th0), "juxt")), Neg(step_sym))),
                Add((self.num(before, th_h), Neg(Mul((alpha, Num(decay), self.num(before, th_h)), "times")),
                     Neg(step_num))),
                self.num(after, hand)]))
            return
        hand = self.R(th_h - step_h)
        blocks.append(Equation(th1, [Sub(th0, step_sym), Sub(self.num(before, th_h), step_num),
                                     self.num(after, hand)]))

    @staticmethod
    def _plain_sub(sym: Sym) -> Sym:
        """The parameter as the subscript of its optimiser state: m_{W_7}, v_{W^{(2)}_{12}} (a nested
        subscript, so m of W₇ never reads as a symbol "mW7")."""
        return replace(sym, time=None, sample=None)

    # -- closing table ------------------------------------------------------------------------------------
    def table(self) -> Section:
        rec, nm = self.rec, self.names
        t = self.t
        blocks = [Para("table.intro")]
        for l, L in enumerate(rec.layers):
            rows = []
            params = [(nm.W(l, j, i), L.weight[j, i], L.weight_after[j, i], ("weight", (j, i)))
                      for j in range(L.weight.shape[0]) for i in range(L.weight.shape[1])]
            if L.bias is not None:
                params += [(nm.b(l, j), L.bias[j], L.bias_after[j], ("bias", (j,))) for j in range(L.bias.shape[0])]
            for sym, b, a, _ in params:
                rows.append([Eq(nm.when(sym, t), self.num(b)), Eq(nm.when(sym, t + 1), self.num(a)),
                             self.num(a - b)])
            blocks.append(Table(["table.before", "table.after", "table.change"], rows,
                                Para("table.layer", {"layer": l + 1, "name": L.name})))
        return Section("section.table", blocks)

    def summary_table(self) -> Section:
        rows = []
        for l, L in enumerate(self.rec.layers):
            dW = L.weight_after - L.weight
            rows.append([str(l + 1), L.name, Shape(L.weight.shape), Num(float(np.abs(L.weight_grad).mean())),
                         Num(float(np.abs(L.weight_grad).max())), Num(float(np.abs(dW).mean())),
                         Num(float(np.linalg.norm(dW) / max(np.linalg.norm(L.weight), 1e-30)))])
        return Section("section.summary", [Table(["table.layer_no", "table.module", "table.shape", "table.grad_mean",
                                                  "table.grad_max", "table.change_mean", "table.rel_change"], rows)])

    # -- matrix form --------------------------------------------------------------------------------------
    def matrix(self, brief: bool) -> Section:
        rec = self.rec
        N = self.N
        nL = len(rec.layers)
        sizes = self.sizes
        blocks = [Para("matrix.intro", {"n": N})]

        M = self.names.matrix      # W⁽ˡ⁾, z⁽ˡ⁾ … each carrying the StepGraph value of its layer

        A0 = Sym("x")
        for l, Ly in enumerate(rec.layers):
            inp = A0 if l == 0 else M("a", l - 1)
            z = M("z", l)
            rows = [Add((Mul((M("W", l), inp), "juxt"), M("b", l)))]
            blocks.append(Equation(z, rows, Shape((sizes[l + 1], N)), role="forward"))
            if Ly.activation.kind != "identity":
                blocks.append(Equation(M("a", l), [Func(Ly.activation.kind, (z,))], Shape((sizes[l + 1], N)),
                                       role="forward"))
        for l in range(nL - 1, -1, -1):
            Ly = rec.layers[l]
            d = M("δ", l)
            if l == nL - 1:
                rows = [Partial(Sym("L"), M("z", l))]
            else:
                rows = [Hadamard(Paren(Mul((Transpose(M("W", l + 1)), M("δ", l + 1)), "juxt")),
                                 Func(Ly.activation.kind + "′", (M("z", l),)))]
                self.check(f"δ of layer {l + 1}", (rec.layers[l + 1].dz @ rec.layers[l + 1].weight) * Ly.local, Ly.dz)
            blocks.append(Equation(d, rows, Shape((sizes[l + 1], N)), role="gradient"))
            inp = A0 if l == 0 else M("a", l - 1)
            blocks.append(Equation(Partial(Sym("L"), M("W", l)), [Mul((d, Transpose(inp)), "juxt")],
                                   Shape((sizes[l + 1], sizes[l])), role="gradient"))
            if Ly.bias is not None:
                blocks.append(Equation(Partial(Sym("L"), M("b", l)), [Sum("n", M("δ", l))],
                                       Shape((sizes[l + 1],)), role="gradient"))
        if not brief:
            blocks.append(Para("matrix.loss", {"loss": Num(rec.loss)}))
            blocks.extend(_roles(self._update_rules(), "update"))
        return Section("section.matrix", blocks)

    # -- observation ------------------------------------------------------------------------------------
    def observation(self) -> Section:
        rec = self.rec
        blocks = []
        changes = []
        for l, L in enumerate(rec.layers):
            d = [np.abs(L.weight_after - L.weight).ravel()]
            if L.bias is not None:
                d.append(np.abs(L.bias_after - L.bias).ravel())
            changes.append(float(np.concatenate(d).mean()))
        rows = [[str(l + 1), L.name, Num(changes[l])] for l, L in enumerate(rec.layers)]
        blocks.append(Table(["table.layer_no", "table.module", "table.change_mean"], rows, Para("observe.intro")))
        if len(rec.layers) == 1:
            blocks.append(Para("observe.single"))
            return Section("section.observation", blocks)
        first, last = changes[0], changes[-1]
        nL = len(rec.layers)
        if first > 0 and last > 0:
            ratio = last / first if last >= first else first / last
            key = "observe.smaller" if last > first else "observe.larger"
            blocks.append(Para(key, {"ratio": f"{ratio:.1f}", "first": 1, "last": nL}))
        # what multiplied the error on its way back: the activation derivatives of each hidden layer
        for l in range(nL - 2, -1, -1):
            L = rec.layers[l]
            kind = L.activation.kind
            loc = L.local
            params = {"layer": l + 1, "mean": Num(float(np.mean(np.abs(loc)))), "max": Num(float(np.max(np.abs(loc)))),
                      "off": int(np.sum(loc == 0)), "units": loc.size}
            key = f"observe.act.{kind}"
            blocks.append(Para(key, params))
        if rec.optimizer != "SGD":
            blocks.append(Para("observe.adam"))
        hidden = [L.activation.kind for L in rec.layers[:-1]]
        if "sigmoid" in hidden and last > first:
            blocks.append(Para("observe.sigmoid_conclusion"))
        return Section("section.observation", blocks)

    # -- PyTorch verification --------------------------------------------------------------------------------
    def torch_section(self) -> Section:
        rows = []
        for label, ours, theirs in self.torch:
            ours = np.asarray(ours, np.float64).ravel()
            theirs = np.asarray(theirs, np.float64).ravel()
            diff = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
            ok = diff <= chain.tolerance(self.rec.dtype) * max(1.0, float(np.max(np.abs(theirs))) if theirs.size else 1)
            rows.append([label, Num(float(ours[0]) if ours.size == 1 else float(np.abs(ours).max())),
                         Num(float(theirs[0]) if theirs.size == 1 else float(np.abs(theirs).max())),
                         "✓" if ok else f"✗ Δ = {diff:.3g}"])
        return Section("section.torch", [Table(["table.quantity", "table.chainrule", "table.torch", "table.match"], rows,
                                               Para("torch.intro"))])


def _roles(blocks, role):
    """Give every equation in ``blocks`` that has none the role ``role`` (forward, loss, update)."""
    for b in blocks:
        if isinstance(b, Equation) and not b.role:
            b.role = role
    return blocks


def _backward_roles(blocks, loss):
    """In the backward sections: ∂L/∂· (or ∂ℓₙ/∂·) is a gradient, any other ∂a/∂b a local derivative."""
    for b in blocks:
        if isinstance(b, Equation) and not b.role and isinstance(b.lhs, Partial):
            of = b.lhs.of
            named = of.ref is not None and of.ref == loss.ref if isinstance(of, Sym) else False
            b.role = "gradient" if named or of == loss or getattr(of, "base", "") == "ℓ" else "local"
