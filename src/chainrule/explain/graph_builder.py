"""The generic derivation of any recorded step: ``GraphBuilder(step_graph).build()`` → ``Derivation``.

* **forward**: every op the loss depends on, in the order it ran (a topological order), written with
  the op's explain rule (``rules.py``; ``a·b``, ``σ(a)``, ``x·Wᵀ + b``) — then with the numbers, then
  its value; an op without a rule reads ``NameBackward0(a, b)``;
* **backward**: every value, from the loss back to the leaves, by the one rule
  ``∂L/∂v = Σ over v's consumers u of ∂L/∂u · ∂u/∂v`` — fan-out, residual paths, a weight used twice
  and a cell unrolled in time all come from it, and the sum over paths is written out.  Each local
  factor ∂u/∂v of an element-wise op is autograd's own (``OpNode.local``: the node's
  ``backprop_step``); each product and each sum is checked against what the engine's backward pass
  delivered (``chain.check``) before anything is returned;
* **update**: each trained parameter with the formula of the optimizer that ran
  (``optimizer.explain_update``: every optimizer class writes its own), checked against the value
  ``optimizer.step()`` left; parameters not updated are listed as such.

Small tensors are written out in full (``Matrix``), large ones summarised (mean, min, max) with
their shapes; single numbers are written the way a person works a computational graph by hand.
"""
from __future__ import annotations

import re

import numpy as np

from . import chain, patterns
from dataclasses import fields, is_dataclass

from .derivation import (Add, Derivation, Eq, Equation, Expr, Frac, Func, Hadamard, Matrix, Mul, Num, Para, Paren,
                         Partial, Phrase, Rel, Section, Seq, Shape, Sub, Sym, Table)
from .rules import E, generic_forward, rule_for, substitute
from .step_graph import Value

#: tensors with at most this many entries are written out in full
SMALL = 16
#: graphs with more operations than this are summarised (the first and last quarter written out)
MAX_OPS = 200
#: parameters with at most this many entries have every element's update written out
SMALL_UPDATE = 8


class GraphBuilder:
    def __init__(self, graph, *, decimals: int = 4, loss_name: str = "L", title: dict | None = None,
                 max_elements: int = SMALL, max_ops: int = MAX_OPS):
        self.g = graph
        self.D = decimals
        self.small = max_elements
        self.dtype = graph.loss.value.dtype if graph.loss is not None else np.float64
        self.keep = graph.ancestors()
        self.vals = [v for v in graph.values if v.id in self.keep]
        self.ops = [op for op in graph.ops if op.output.id in self.keep]
        self.Lsym = _symbol_of_name(loss_name) if loss_name else Sym("L")
        self.title = title or {}
        self.sym = {}
        self._name_values()
        patterns.rename(self)             # recognised layers (time steps, attention) named as a person names them
        # the summarised form: past ``max_ops`` operations only the first and last ``max_ops // 4`` are written
        # out (every product is still checked); the leaves, the loss and the update always are
        self.hidden = set()
        if len(self.ops) > max_ops:
            k = max_ops // 4
            self.hidden = {op.output.id for op in self.ops[k:-k]} - {graph.loss.id if graph.loss else -1}
        self.n_hidden = len(self.hidden)

    # -- names -----------------------------------------------------------------------------------------
    def _name_values(self):
        used = set()
        calls = {}
        for op in self.ops:
            calls[op.module] = max(calls.get(op.module, 0), op.call)
        self.states = self._recurrent_states(calls)
        states = {v.id: t for _, seq in self.states for t, v in enumerate(seq) if v is not None}
        kinds = {path: type(m).__name__ for path, _, m, _, _ in getattr(self.g, "leaf_calls", ())}
        k = 0
        for v in self.vals:
            if v is self.g.loss:
                s = self.Lsym
            elif v.name:
                s = _symbol_of_name(v.name)
            elif v.id in states:                 # the state a repeated module reads: h⁽⁰⁾, h⁽¹⁾, …
                s = Sym("h", sup=f"({states[v.id]})")
            elif v.producer is not None and v.producer.module:
                op = v.producer
                last = [o for o in self.ops if o.module == op.module and o.call == op.call][-1]
                if last is op:      # a module call's output: z for a Linear (its weighted sum, as the lecture), else h
                    base = "z" if kinds.get(op.module) == "Linear" else "o" if self.states else "h"
                    s = Sym(base, sub=op.module, sup=f"({op.call})" if calls.get(op.module, 1) > 1 else "")
                else:
                    k += 1
                    s = Sym("u", sub=str(k))
            elif v.producer is None and v.size == 1 and not v.requires_grad:
                self.sym[v.id] = None          # a number: written as itself
                continue
            elif v.producer is None:
                s = Sym("c", sub=str(len([1 for x in self.sym.values() if x is not None and x.base == "c"]) + 1))
            else:
                k += 1
                s = Sym("u", sub=str(k))
            base = s
            n = 1
            while s in used:
                n += 1
                s = Sym(base.base, sub=base.sub, sup=(base.sup or "") + "′" * (n - 1), hat=base.hat)
            used.add(s)
            self.sym[v.id] = Sym(s.base, sub=s.sub, sup=s.sup, hat=s.hat, ref=v.id)

    def _recurrent_states(self, calls) -> list:
        """The time steps of a module called repeatedly, as [(module, [h⁽⁰⁾, h⁽¹⁾, …, h⁽ᵀ⁾])].

        The state h⁽ᵗ⁻¹⁾ is what call t of the module reads from outside it (besides parameters): for a
        recurrent cell ``h = tanh(wx(x_t) + wh(h))`` that is ``wh``'s input at each call.  It counts as a
        state when calls 2…T each read one value made outside the module by the same kind of op (the
        previous step's tanh); h⁽ᵀ⁾ is the next value that kind of op makes after the last call, and h⁽⁰⁾
        the value call 1 reads (the starting state) when it has the states' shape.  A module whose calls
        read unrelated values (``wx`` reading each x_t) has no states."""
        out, taken = [], set()
        for module, T in calls.items():
            if not module or T < 2:
                continue
            reads, last = [], -1
            for t in range(1, T + 1):
                inside = [op for op in self.ops if (module, t) in op.scope]
                made = {op.output.id for op in inside}
                read = {a.id: a for op in inside for _, a in op.inputs if a.id not in made and a.kind != "parameter"}
                reads.append(list(read.values()))
                last = max([last] + [op.id for op in inside])
            states = [r[0] if len(r) == 1 and r[0].producer is not None else None for r in reads[1:]]
            if None in states or len({(v.producer.cls, v.producer.scope) for v in states}) != 1:
                continue
            cls, scope = states[0].producer.cls, states[0].producer.scope
            final = next((op.output for op in self.ops if op.id > last and op.cls is cls and op.scope == scope
                          and op.output.shape == states[-1].shape), None)
            if final is None:
                continue
            h0 = reads[0][0] if len(reads[0]) == 1 and reads[0][0].shape == states[0].shape else None
            seq = [h0] + states + [final]
            if any(v is not None and v.id in taken for v in seq):
                continue
            taken.update(v.id for v in seq if v is not None)
            out.append((module, seq))
        return out

    def expr(self, a):
        """An op argument as an expression: a value's symbol, a number as itself."""
        if isinstance(a, Value):
            s = self.sym.get(a.id)
            return s if s is not None else self.show(a.value)
        if isinstance(a, (bool, np.bool_)):
            return a
        if isinstance(a, (int, float, np.integer, np.floating)):
            return E.num(a)
        return a

    # -- numbers -----------------------------------------------------------------------------------------
    def show(self, a, integer=None):
        """A value as written: a number, a small matrix in full, or a summary of a large one."""
        a = np.asarray(a)
        if a.dtype.kind not in "fiub":
            return Num(float("nan"))
        f = a.astype(np.float64)
        if f.size == 1:
            x = float(f.reshape(()))
            return Num(x, integer=(a.dtype.kind in "iub") or (integer is True and x == round(x)))
        if f.size <= self.small:
            rows = f.reshape(1, -1) if f.ndim <= 1 else f.reshape(-1, f.shape[-1])
            ints = a.dtype.kind in "iub" or (integer is True and bool(np.all(f == np.round(f))))
            return Matrix(tuple(tuple(Num(float(x), integer=ints) for x in r) for r in rows))
        return Seq((Eq(Sym("mean"), Num(float(f.mean()))), Eq(Sym("min"), Num(float(f.min()))),
                    Eq(Sym("max"), Num(float(f.max())))))

    def small_enough(self, *arrays) -> bool:
        return all(np.asarray(a).size <= self.small for a in arrays)

    def check(self, label, product, autograd):
        """``chain.check``; ``label`` may be a function (the name is written only when the check fails)."""
        try:
            chain.check("", product, autograd, self.dtype)
        except chain.ChainRuleMismatch:
            chain.check(label() if callable(label) else label, product, autograd, self.dtype)

    def rule(self, op, args, out):
        """The op's rule on these arguments, computed once per op."""
        cache = self.__dict__.setdefault("_rules", {})
        if op.id not in cache:
            cache[op.id] = rule_for(op, args, out)
        return cache[op.id]

    # -- the document ------------------------------------------------------------------------------------
    def build(self) -> Derivation:
        secs = [self.setup(), self.forward(), self.backward()]
        upd = self.update()
        if upd is not None:
            secs += upd
        return Derivation(secs, self.D, self.title)

    def setup(self) -> Section:
        blocks = [Para("graph.intro", {"values": len(self.vals), "ops": len(self.ops)})]
        rows = []
        for v in self.vals:
            if v.producer is not None or self.sym.get(v.id) is None:
                continue
            what = {"parameter": "graph.kind.parameter", "input": "graph.kind.input", "target": "graph.kind.target",
                    "leaf": "graph.kind.leaf", "constant": "graph.kind.constant"}.get(v.kind, "graph.kind.leaf")
            rows.append([self.sym[v.id], _Key(what, v.name or ""), Shape(v.shape) if v.shape else "1",
                         self.show(v.value, integer=True)])
        if rows:
            blocks.append(Table(["table.symbol", "graph.what", "graph.shape", "table.value"], rows,
                                Para("graph.leaves")))
        for module, seq in self.states:          # a cell unrolled in time: its states h⁽⁰⁾ … h⁽ᵀ⁾
            prev, now = Sym("h", sup="(t-1)"), Sym("h", sup="(t)")
            blocks.append(Para("graph.recurrent", {
                "module": module, "steps": len(seq) - 1, "state": prev, "first": Sym("h", sup="(0)"),
                "last": self.sym[seq[-1].id], "back": Partial(self.Lsym, prev), "from": Partial(self.Lsym, now)}))
        if len(self.g.losses) > 1:
            blocks.append(Table(["table.step", "table.loss"], [[str(i + 1), Num(x)] for i, x in enumerate(self.g.losses)],
                                Para("setup.steps", {"step": self.g.step})))
        return Section("graph.section.setup", blocks)

    def forward(self) -> Section:
        blocks = [Para("graph.forward")]
        scope = None
        omitted = False
        for op in self.ops:
            if op.output.id in self.hidden:
                if not omitted:
                    blocks.append(Para("graph.omitted", {"n": self.n_hidden}))
                    omitted = True
                continue
            here = op.scope[0] if op.scope else None
            if here != scope and here is not None:
                blocks.append(Para("graph.module", {"module": here[0], "call": here[1]}))
            elif here != scope and scope is not None:
                blocks.append(Para("graph.outside"))
            scope = here
            out = self.sym[op.output.id]
            args = [self.expr(a) for a in op.args]
            rule = self.rule(op, args, out)
            fwd = rule.forward if rule is not None and rule.forward is not None else generic_forward(op, args)
            rows = [fwd]
            ins = [a for _, a in op.inputs]
            if not all(a.known for a in ins + [op.output]):
                if op.output.known:
                    rows.append(self.show(op.output.value))
                blocks.append(Equation(out, rows, None if op.output.size == 1 else Shape(op.output.shape),
                                       role="forward"))
                continue
            present = [a for a in ins if self.sym.get(a.id) is not None and _mentions(fwd, self.sym[a.id])]
            if self.small_enough(*(a.value for a in ins)) and present:
                rows.append(substitute(fwd, {self.sym[a.id]: self.show(a.value, integer=a.producer is None)
                                             for a in present}))
            rows.append(self.show(op.output.value))
            rows = _dedupe(rows)
            role = "loss" if op.output is self.g.loss else "forward"
            blocks.append(Equation(out, rows, None if op.output.size == 1 else Shape(op.output.shape), role=role))
            blocks += patterns.after_forward(self, op)
            if op.output is self.g.loss:
                blocks += self._batch_mean(op)
        return Section("graph.section.forward", blocks)

    def _batch_mean(self, op) -> list:
        """A loss averaged over a batch, written as a person does: each sample's loss ℓₙ, then their mean.

        ℓₙ is the engine's own: the loss op's forward run again with ``reduction='none'`` on the recorded
        inputs, averaged over each sample's entries — shown only when the mean of the ℓₙ is the recorded
        loss (within the dtype's tolerance; weights or ignored targets would break that, and then the
        single equation above says it all)."""
        import inspect
        names = list(inspect.signature(op.cls.forward).parameters)[1:]
        if "reduction" not in names or names.index("reduction") >= len(op.args):
            return []
        at = names.index("reduction")
        first = op.args[0]
        if op.args[at] != "mean" or not isinstance(first, Value) or first.value.ndim < 2:
            return []
        N = first.shape[0]
        if not 1 < N <= SMALL_UPDATE:
            return []
        args = [a.value if isinstance(a, Value) else a for a in op.args]
        args[at] = "none"
        ctx = op.cls()
        ctx.needs_input_grad = (False,) * len(args)
        try:
            each = np.asarray(op.cls.forward(ctx, *args), dtype=np.float64)
        except Exception:   # noqa: BLE001 - an op that cannot rerun so: the one loss equation stands
            return []
        if each.shape[:1] != (N,):
            return []
        per = each.reshape(N, -1).mean(axis=1)
        L = float(np.asarray(self.g.loss.value, np.float64).reshape(()))
        if abs(float(per.mean()) - L) > chain.tolerance(self.dtype) * max(1.0, abs(L)):
            return []
        ell = [Sym("ℓ", sample=n + 1) for n in range(N)]
        scale = Frac(Num(1, integer=True), Num(N, integer=True))
        blocks = [Para("graph.per_sample", {"n": N})]
        blocks += [Equation(ell[n], [Num(float(per[n]))], role="loss") for n in range(N)]
        blocks.append(Equation(self.Lsym, [Mul((scale, Paren(Add(tuple(ell)))), "juxt"),
                                           Mul((scale, Paren(Add(tuple(Num(float(x)) for x in per)))), "juxt"),
                                           Num(L)], role="loss"))
        return blocks

    def backward(self) -> Section:
        L = self.Lsym
        blocks = [Para("graph.backward", {"loss": L})]
        blocks.append(Equation(Partial(L, L), [Num(1, integer=True)], role="gradient"))
        omitted = False
        for v in sorted(self.vals, key=lambda v: -v.id):
            if v is self.g.loss or v.grad is None or self.sym.get(v.id) is None:
                continue
            cons = [(op, i) for op, i in v.consumers if op.output.id in self.keep and i in op.contribution]
            if not cons:
                continue
            if v.id in self.hidden:          # summarised: checked, not written out
                self._check_only(v, cons, L)
                if not omitted:
                    blocks.append(Para("graph.omitted", {"n": self.n_hidden}))
                    omitted = True
                continue
            vs = self.sym[v.id]
            sym_terms, num_terms, parts = [], [], []
            all_small = True
            for op, i in cons:
                out = self.sym[op.output.id]
                G = op.output.grad
                contrib = op.contribution[i]
                parts.append(contrib)
                args = [self.expr(a) for a in op.args]
                rule = self.rule(op, args, out)
                if op.elementwise(i) or op.output.size == 1:
                    local = op.local(i)
                    d = rule.d[i] if rule is not None and i < len(rule.d) and rule.d[i] is not None else None
                    lrows = []
                    if d is not None:
                        lrows.append(d)
                        ins = [a for _, a in op.inputs] + [op.output]
                        if self.small_enough(*(a.value for a in ins)) and all(a.known for a in ins):
                            nums = substitute(d, {self.sym[a.id]: self.show(a.value) for a in ins
                                                  if self.sym.get(a.id) is not None})
                            if nums != d:
                                lrows.append(nums)
                    lrows.append(self.show(local, integer=d is None or isinstance(d, (Num, Rel))))
                    top = op.output is self.g.loss
                    if not top:
                        blocks.append(Equation(Partial(out, vs), _dedupe(lrows), role="local"))
                    self.check(lambda: f"∂{_t(L)}/∂{_t(vs)} through {op.name}", np.asarray(G) * local
                               if op.output.size != 1 else float(np.asarray(G).reshape(())) * local, contrib)
                    vjp = rule.vjp[i] if rule is not None and i < len(rule.vjp) and rule.vjp[i] is not None else None
                    sym_terms.append((lrows[0] if d is not None else substitute(vjp, {E.G: Num(1, integer=True)})
                                      if vjp is not None else None) if top
                                     else Mul((Partial(L, out), Partial(out, vs)), "dot"))
                    if self.small_enough(G, local):
                        gs, ls = self.show(G), lrows[-1]
                        num_terms.append((lrows[1] if d is not None and len(lrows) > 2 else ls) if top
                                         else Mul((gs, ls), "times") if op.output.size == 1 or v.size == 1
                                         else Hadamard(gs, ls))
                    else:
                        all_small = False
                else:
                    vjp = rule.vjp[i] if rule is not None and i < len(rule.vjp) and rule.vjp[i] is not None else None
                    gsym = Partial(L, out)
                    if vjp is not None:
                        term = substitute(vjp, {E.G: gsym})
                        sym_terms.append(term)
                        ins = [a for _, a in op.inputs]
                        if self.small_enough(G, *(a.value for a in ins)):
                            num_terms.append(substitute(vjp, {E.G: self.show(G), **{
                                self.sym[a.id]: self.show(a.value) for a in ins if self.sym.get(a.id) is not None}}))
                        else:
                            all_small = False
                    else:
                        sym_terms.append(Func("vjp", (Partial(out, vs), gsym)))
                        all_small = False
            total = np.sum([np.asarray(p).reshape(v.shape) for p in parts], axis=0)
            self.check(lambda: f"∂{_t(L)}/∂{_t(vs)}", total, v.grad)
            if v.producer is None and getattr(v.tensor, "grad", None) is not None:
                self.check(lambda: f"∂{_t(L)}/∂{_t(vs)} (.grad)", total, np.asarray(v.tensor.grad._data))
            rows = [] if None in sym_terms else [sym_terms[0] if len(sym_terms) == 1 else Add(tuple(sym_terms))]
            if all_small and num_terms and len(num_terms) == len(sym_terms):
                rows.append(num_terms[0] if len(num_terms) == 1 else Add(tuple(num_terms)))
            rows += self._softmax_ce(v, cons)
            rows.append(self.show(v.grad))
            rows = _dedupe(rows)
            blocks += patterns.before_gradient(self, v, cons)
            if len(cons) > 1:
                blocks.append(Para("graph.paths", {"value": vs, "k": len(cons)}))
            blocks.append(Equation(Partial(L, vs), rows, None if v.size == 1 else Shape(v.shape), role="gradient"))
            blocks += patterns.after_gradient(self, v, cons)
        blocks += patterns.backward_end(self)
        return Section("graph.section.backward", blocks)

    def label(self, v) -> str:
        """A value's symbol as the text solution writes it (the --verify-torch table's labels)."""
        s = self.sym.get(v.id)
        return _t(s) if s is not None else f"{v.producer.name if v.producer else v.kind}"

    def torch_section(self, rows) -> Section:
        return torch_section(rows, self.dtype)

    def _check_only(self, v, cons, L):
        """The checks of a value that the summarised form does not write out."""
        parts = []
        for op, i in cons:
            contrib = op.contribution[i]
            parts.append(contrib)
            if op.elementwise(i) or op.output.size == 1:
                G = np.asarray(op.output.grad)
                local = op.local(i)
                prod = G * local if op.output.size != 1 else float(G.reshape(())) * local
                if v.size == 1:
                    prod, contrib = float(prod.reshape(())), float(np.asarray(contrib).reshape(()))
                self.check(lambda: f"∂L/∂{_t(self.sym[v.id])} through {op.name}", prod, contrib)
        if v.size == 1:
            self.check(lambda: f"∂L/∂{_t(self.sym[v.id])}", float(sum(float(np.asarray(p).reshape(())) for p in parts)),
                       float(np.asarray(v.grad).reshape(())))
            return
        total = np.sum([np.asarray(p).reshape(v.shape) for p in parts], axis=0)
        self.check(lambda: f"∂L/∂{_t(self.sym[v.id])}", total, v.grad)

    def _softmax_ce(self, v, cons) -> list:
        """softmax + cross-entropy (``log_softmax`` then ``nll_loss``, as ``CrossEntropyLoss`` records it):
        ∂L/∂z = (p − onehot(y))/N, the form a person writes, checked against autograd's ∂L/∂z."""
        if len(cons) != 1 or cons[0][0].cls.__name__ != "LogSoftmax" or v.value.ndim != 2:
            return []
        ls = cons[0][0].output
        users = [op for op, _ in ls.consumers if op.output.id in self.keep]
        if len(users) != 1 or users[0].cls.__name__ != "NllLoss" or users[0].output is not self.g.loss:
            return []
        nll = users[0]
        target = nll.args[1]
        if getattr(nll.node, "reduction", "") not in ("mean", "sum") or nll.args[2:3] not in ((), (None,)):
            return []
        t = np.asarray(target.value if isinstance(target, Value) else target).reshape(-1)
        if t.shape[0] != v.value.shape[0] or (t < 0).any() or (t >= v.value.shape[1]).any():
            return []               # ignored targets: the general rule above says it all
        z = v.value.astype(np.float64)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        onehot = np.zeros_like(p)
        onehot[np.arange(len(t)), t] = 1
        n = float(nll.node.total) if nll.node.reduction == "mean" else 1.0
        self.check("∂L/∂z = (p − onehot(y))/N", (p - onehot) / n, v.grad)
        ysym = self.sym.get(target.id) if isinstance(target, Value) else None
        P, Y = Sym("p", ref=v.id), Func("onehot", (ysym or Sym("y"),))
        scale = Frac(Num(1, integer=True), Num(n, integer=True)) if n != 1 else None
        sym = Mul((scale, Paren(Sub(P, Y))), "juxt") if scale else Sub(P, Y)
        rows = [sym]
        if self.small_enough(p):
            nums = Sub(self.show(p), self.show(onehot, integer=True))
            rows.append(Mul((scale, Paren(nums)), "juxt") if scale else nums)
        return rows

    # -- update ------------------------------------------------------------------------------------------
    def update(self):
        opt = self.g.optimizer
        params = [v for v in self.vals if v.kind == "parameter"] + [v for v in self.g.parameters() if v.id not in self.keep]
        if opt is None or not params:
            return None
        t = self.g.step
        blocks = []
        trained = [v for v in params if v.trained]
        shown = set()
        for v in trained:
            grp = v.opt["group"]
            key = tuple(sorted((k, repr(x)) for k, x in grp.items()))
            if key in shown or not hasattr(opt, "explain_rule"):
                continue
            shown.add(key)
            th = Sym("θ")
            blocks.append(Para("graph.optimizer", {"optimizer": _opt_desc(opt, grp)}))
            blocks.extend(opt.explain_rule(E, grp, E.at(th, "t"), E.at(th, "t+1"), Partial(Sym("L"), E.at(th, "t"))))
        for v in trained:
            if v.grad is None:
                continue
            grp = v.opt["group"]
            sym = self.sym.get(v.id) or _symbol_of_name(v.name)
            grad = np.asarray(v.tensor.grad._data, np.float64) if v.tensor.grad is not None else v.grad
            if v.size <= SMALL_UPDATE:
                idxs = list(np.ndindex(v.shape))
            else:
                idxs = [np.unravel_index(int(np.argmax(np.abs(grad))), v.shape)]
                blocks.append(Para("graph.update_example", {"value": sym, "index": _idx(idxs[0]), "n": v.size}))
            for idx in idxs:
                es = Sym(sym.base, sub=sym.sub, sup=sym.sup, hat=sym.hat, sample=_idx(idx) if v.shape else None,
                         ref=v.id)
                before = {k: (float(np.asarray(x).reshape(v.shape)[idx]) if np.ndim(x) and np.size(x) == v.size else float(np.asarray(x).reshape(-1)[0]))
                          for k, x in v.opt["before"].items()}
                after = {k: (float(np.asarray(x).reshape(v.shape)[idx]) if np.ndim(x) and np.size(x) == v.size else float(np.asarray(x).reshape(-1)[0]))
                         for k, x in v.opt["after"].items()}
                rows = opt.explain_update(E, grp, es, float(v.value[idx]), float(grad[idx]), before, after, t)
                self.check(lambda: f"the {type(opt).__name__} update of {_t(es)}", rows[-1][3], float(v.after[idx]))
                for lhs, srow, nrow, value in rows:
                    blocks.append(Equation(lhs, [srow, nrow, Num(float(value))], role="update"))
        table = []
        for v in params:
            if not v.trained:
                continue
            if v.size <= SMALL_UPDATE:
                for idx in np.ndindex(v.shape):
                    s = self.sym.get(v.id) or _symbol_of_name(v.name)
                    es = Sym(s.base, sub=s.sub, sup=s.sup, sample=_idx(idx) if v.shape else None, ref=v.id)
                    table.append([Eq(E.at(es, t), Num(float(v.value[idx]))), Eq(E.at(es, t + 1), Num(float(v.after[idx]))),
                                  Num(float(v.after[idx] - v.value[idx]))])
            else:
                s = self.sym.get(v.id) or _symbol_of_name(v.name)
                d = np.abs(v.after - v.value)
                table.append([E.at(s, t), Shape(v.shape), Seq((Eq(Sym("mean |Δ|"), Num(float(d.mean()))),))])
        secs = [Section("graph.section.update", blocks)]
        tb = [Para("table.intro")]
        if table:
            tb.append(Table(["table.before", "table.after", "table.change"], table))
        frozen = [v for v in params if not v.trained]
        if frozen:
            rows = [[v.name, "graph.frozen.requires_grad" if not v.requires_grad else "graph.frozen.optimizer",
                     self.show(v.value)] for v in frozen]
            rows = [[r[0], _Key(r[1], ""), r[2]] for r in rows]
            tb.append(Table(["table.parameter", "graph.why", "table.value"], rows, Para("graph.not_updated")))
        secs.append(Section("graph.section.table", tb))
        return secs


def torch_section(rows, dtype) -> Section:
    """The --verify-torch table: each (label, chainrule, PyTorch) with ✓ or the difference."""
    out = []
    for label, ours, theirs in rows:
        ours = np.asarray(ours, np.float64).ravel()
        theirs = np.asarray(theirs, np.float64).ravel()
        diff = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
        ok = diff <= chain.tolerance(dtype) * max(1.0, float(np.max(np.abs(theirs))) if theirs.size else 1)
        out.append([label, Num(float(ours[0]) if ours.size == 1 else float(np.abs(ours).max())),
                    Num(float(theirs[0]) if theirs.size == 1 else float(np.abs(theirs).max())),
                    "✓" if ok else f"✗ Δ = {diff:.3g}"])
    return Section("section.torch", [Table(["table.quantity", "table.chainrule", "table.torch", "table.match"], out,
                                           Para("torch.intro"))])


def _Key(key, name):
    return Phrase(key, (("name", name),))


def _mentions(expr, sym) -> bool:
    """Whether ``sym`` occurs in ``expr``."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if e == sym:
            return True
        if isinstance(e, tuple):
            stack.extend(e)
        elif is_dataclass(e) and isinstance(e, Expr):
            stack.extend(getattr(e, f.name) for f in fields(e))
    return False


def _dedupe(rows) -> list:
    """Drop a row identical to the one before it (``∂u/∂z = 0.5 = 0.5``)."""
    out = []
    for r in rows:
        same = out and (r == out[-1] or isinstance(r, Num) and isinstance(out[-1], Num) and r.value == out[-1].value)
        if not same:
            out.append(r)
    return out


def _idx(idx) -> str:
    return ",".join(str(int(i)) for i in idx)


def _t(sym) -> str:
    from .render.text import TextMath
    return TextMath(4)(sym)


def _opt_desc(opt, grp) -> str:
    keys = [k for k in ("lr", "momentum", "dampening", "nesterov", "betas", "eps", "alpha", "weight_decay", "centered",
                        "amsgrad", "lr_decay", "maximize", "decoupled_weight_decay") if k in grp]
    import inspect
    try:
        own = inspect.signature(type(opt).__init__).parameters
    except (TypeError, ValueError):
        own = {}
    parts = []
    for k in keys:
        x = grp[k]
        if k not in ("lr",) and (x is False or x == 0 or x is None):
            continue
        if k == "decoupled_weight_decay" and (k not in own or own[k].default == x):
            continue                # AdamW's own rule, not a setting: its name says it
        parts.append(f"{k}={x:g}" if isinstance(x, float) else f"{k}={x}")
    return f"{type(opt).__name__}({', '.join(parts)})"


_PARAM_BASE = {"weight": "W", "bias": "b"}


def _symbol_of_name(name: str) -> Sym:
    """``x1`` → x₁, ``ŷ`` → ŷ, ``fc1.weight`` → W_fc1, ``layer1.0.bias`` → b_(layer1.0), ``w`` → w."""
    if name == "ŷ":
        return Sym("y", hat=True)
    if "." in name:
        path, last = name.rsplit(".", 1)
        return Sym(_PARAM_BASE.get(last, last), sub=path)
    m = re.fullmatch(r"([A-Za-zα-ωΑ-Ω]+)_?(\d+)", name)
    if m:
        return Sym(m.group(1), sub=m.group(2))
    if "_" in name:
        a, b = name.split("_", 1)
        if a:
            return Sym(a, sub=b)
    return Sym(name)
