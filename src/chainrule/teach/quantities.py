"""Every named number of a recorded step, with what it is computed from: the checker's model of a solution.

A ``Quantity`` is one number a student may write down — ``z1``, ``σ3``, ``L``, ``∂σ3/∂z3``, ``∂L/∂W5``,
``W5(2)`` — under every name the explanation prints (flat numbering and indexed notation), with:

* ``value``: the engine's number (from the ``StepGraph`` of the real step);
* ``deps`` and ``recipe``: the quantities it is computed from and the function that computes it —
  ``z1 = W1·x1 + W2·x2 + b1``, ``σ1 = sigmoid(z1)``, ``∂L/∂z3 = ∂L/∂σ3·∂σ3/∂z3``,
  ``∂L/∂σ1 = Σₖ ∂L/∂zₖ·Wₖ₁`` (one term per path), ``W5(2) = W5(1) − α·∂L/∂W5``.
  ``recipe(*truth of deps) == value`` for every quantity (tests/teach/test_quantities.py checks it on
  every network the tests build), so the recipes are the chain rule that ran, not a second opinion;
* ``up``/``factor`` (one path) or ``paths`` (a sum over paths), ``samples`` (a batch mean): the structure
  the diagnoses read (a chain stopped early, a missing σ′, a missing path, a sum instead of a mean).

Two builders, one result: ``layered`` for a chain of ``Linear`` + activation layers (the lecture's form,
with its flat numbering W1, W2 … and per-sample names z1[2]), and ``from_graph`` for any other recorded
graph (residuals, frozen parameters, a hand-written loss, an expression file), named by the derivation's
symbols (``GraphBuilder.sym``) element by element (``W_fc1[0,1]``, ``dL/dh[1]``), its recipes read off the
recorded local factors (``OpNode.local``: ∂out/∂in from the node's own ``backprop_step``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..explain.answers import key, partial, pretty

#: tensors with more elements than this are not listed element by element
MAX_ELEMENTS = 64


@dataclass(eq=False)
class Quantity:
    names: tuple                 # canonical names, the one shown first
    value: float
    kind: str                    # "input" | "before" | "value" | "loss" | "local" | "grad" | "after"
    role: str = ""               # z, act, output, prob, sample_loss, loss, act_local, input_local, weight_local,
    #                              loss_grad, act_grad, z_grad, param_grad, sample_param_grad, update, param, …
    deps: tuple = ()
    recipe: object = None        # f(*values of deps) -> value
    formula: str = ""            # how it is computed, in names (the hint)
    up: "Quantity | None" = None       # a gradient's upstream gradient (one path) …
    factor: "Quantity | None" = None   # … and the local factor it is multiplied by
    paths: list = field(default_factory=list)     # [(upstream gradient, local factor)] of a sum over paths
    samples: list = field(default_factory=list)   # per-sample terms of a batch gradient
    extra: dict = field(default_factory=dict)
    index: int = 0

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def shown(self) -> str:
        """The name as the explanation prints it (``dL/dW⁽¹⁾₁₂`` for an indexed name)."""
        return pretty(self.names[0])

    def compute(self, values) -> float:
        return float(self.recipe(*values))

    def __repr__(self) -> str:
        return f"<Quantity {self.name} = {self.value:.6g} ({self.kind})>"


class Problem:
    """The quantities of one step, in the order of the derivation (forward, loss, backward, update)."""

    def __init__(self, quantities, *, step: int = 1, describe: str = "", record=None, graph=None):
        self.quantities = quantities
        for i, q in enumerate(quantities):
            q.index = i
        self.step = step
        self.describe = describe
        self.record = record
        self.graph = graph
        self._table = None

    def __iter__(self):
        return iter(self.quantities)

    def __len__(self):
        return len(self.quantities)

    @property
    def table(self) -> dict:
        """canonical name (and its loose form, underscores dropped) -> Quantity."""
        if self._table is None:
            import re
            t = {}
            for q in self.quantities:
                for n in q.names:
                    for alias in _aliases(n, q.kind, re):
                        t.setdefault(alias, q)
                        t.setdefault(alias.replace("_", ""), q)
            self._table = t
        return self._table

    def lookup(self, name: str):
        from .names import canonical
        k = canonical(name)
        return self.table.get(k) or self.table.get(k.replace("_", ""))


def _aliases(n, kind, re):
    yield n
    m = re.fullmatch(r"(.*)\((\d+)\)", n)
    if m and kind in ("after", "before"):
        word = "new" if kind == "after" else "old"
        yield f"{m.group(1)}_{word}"
        yield f"{m.group(1)}{word}"
        if kind == "after":
            yield m.group(1) + "′"
            yield m.group(1) + "'"
    if kind == "grad":          # ∂L/∂W1(1): the gradient written at the weight's time, as the lecture does
        m = re.fullmatch(r"(d[^/]+/d)(W|b|w)(.*)", n)
        if m:
            yield n + "(1)"


# -- recipes -------------------------------------------------------------------------------------------

def _product(*v):
    return math.prod(v)


def _sum_of_products(*v):
    h = len(v) // 2
    return sum(a * b for a, b in zip(v[:h], v[h:]))


def _identity(v):
    return v


def _affine(n):
    """z = Σᵢ wᵢ·xᵢ + b over deps (w1 … wn, x1 … xn, b)."""
    def f(*v):
        return sum(v[i] * v[n + i] for i in range(n)) + v[2 * n]
    return f


def _scaled_sum(c):
    def f(*v):
        return c * sum(v)
    return f


def _sgd(lr, wd=0.0):
    def f(before, grad):
        return before - lr * (grad + wd * before)
    return f


def _plain_sgd(opt, grp, state) -> "object | None":
    """θ(t+1) = θ(t) − α·(g + λθ) when the SGD step is that (no momentum history, not maximize, not nesterov)."""
    if opt is None or type(opt).__name__ != "SGD" or grp.get("maximize") or grp.get("nesterov"):
        return None
    if grp.get("momentum") and state.get("momentum_buffer") is not None:
        return None
    return _sgd(float(grp["lr"]), float(grp.get("weight_decay") or 0.0))


# -- the lecture's form ----------------------------------------------------------------------------------

def layered(rec) -> Problem:
    """The quantities of a chain of Linear + activation layers (``recorder.StepRecord``)."""
    from ..explain.naming import Names
    layers = rec.layers
    N = rec.x.shape[0]
    c = 1.0 / N if rec.loss_fn.reduction == "mean" else 1.0
    sizes = [layers[0].weight.shape[1]] + [L.weight.shape[0] for L in layers]
    kinds = [L.activation.kind for L in layers]
    notations = [Names(sizes, kinds, n, N) for n in ("flat", "indexed")]
    samples = [None] if N == 1 else list(range(N))
    out = []
    opt = getattr(getattr(rec, "graph", None), "optimizer", None)

    def names(fn):
        ks = []
        for nm in notations:
            k = fn(nm)
            if k not in ks:
                ks.append(k)
        return tuple(ks)

    def add(fn, value, kind, role, deps=(), recipe=None, formula="", **kw):
        q = Quantity(names(fn), float(value), kind, role, tuple(deps), recipe, formula, **kw)
        out.append(q)
        return q

    def lsym(nm, n):
        return nm.sample_loss(n) if N > 1 else nm.loss()

    def S(q):
        return pretty(q.name)

    # the given numbers: inputs and the parameters before the step
    X = {}
    for n in samples:
        for i in range(sizes[0]):
            X[(i, n)] = add(lambda nm: key(nm.at(nm.x(i), n)), rec.x[n or 0, i], "input", "x")
    W, B = {}, {}
    for l, L in enumerate(layers):
        for j in range(L.weight.shape[0]):
            for i in range(L.weight.shape[1]):
                W[(l, j, i)] = add(lambda nm: key(nm.when(nm.W(l, j, i), rec.step)), L.weight[j, i], "before", "param")
            if L.bias is not None:
                B[(l, j)] = add(lambda nm: key(nm.when(nm.b(l, j), rec.step)), L.bias[j], "before", "param")

    # forward
    Z, A = {}, {}
    for l, L in enumerate(layers):
        act = L.activation
        for n in samples:
            m = n or 0
            for j in range(L.weight.shape[0]):
                width = L.weight.shape[1]
                ins = [X[(i, n)] if l == 0 else A[(l - 1, i, n)] for i in range(width)]
                ws = [W[(l, j, i)] for i in range(width)]
                bq = B.get((l, j))
                deps = ws + ins + ([bq] if bq is not None else [])
                recipe = _affine(width) if bq is not None else (lambda *v, w=width: sum(v[i] * v[w + i] for i in range(w)))
                q = add(lambda nm: key(nm.at(nm.z(l, j), n)), L.z[m, j], "value", "z", deps, recipe)
                q.formula = (" + ".join(f"{S(w)}·{S(x)}" for w, x in zip(ws, ins)) + (f" + {S(bq)}" if bq else ""))
                Z[(l, j, n)] = q
            for j in range(L.weight.shape[0]):
                if act.kind == "identity":
                    A[(l, j, n)] = Z[(l, j, n)]
                    continue
                q = add(lambda nm: key(nm.at(nm.a(l, j), n)), L.a[m, j], "value", "act", [Z[(l, j, n)]],
                        lambda z, act=act: float(act.fn(np.float64(z))))
                q.formula = f"{act.kind}({S(Z[(l, j, n)])})"
                q.extra["activation"] = act
                A[(l, j, n)] = q
    last = len(layers) - 1
    K = sizes[-1]
    YH = {}
    for n in samples:
        for k in range(K):
            a = A[(last, k, n)]
            YH[(k, n)] = q = add(lambda nm: key(nm.at(nm.yhat(k), n)), rec.out[n or 0, k], "value", "output", [a],
                                 _identity, S(a))
    loss_fn = rec.loss_fn

    def ys(n):
        return rec.y[n:n + 1] if rec.y.ndim == 1 else rec.y[n:n + 1].astype(np.float64)
    if loss_fn.kind == "cross_entropy":
        for n in samples:
            outs = [YH[(k, n)] for k in range(K)]
            probs = loss_fn.softmax(rec.out[(n or 0):(n or 0) + 1].astype(np.float64))[0]
            for k in range(K):
                add(lambda nm: key(nm.at(nm.prob(k), n)), probs[k], "value", "prob", outs,
                    lambda *o, k=k: float(loss_fn.softmax(np.array([o], np.float64))[0, k]),
                    f"softmax({', '.join(S(o) for o in outs)})[{k + 1}]")

    def per_sample(n):
        outs = [YH[(k, n)] for k in range(K)]
        y = ys(n or 0)
        return outs, (lambda *o: float(loss_fn.per_sample(np.array([o], np.float64), y)[0]))
    if N > 1:
        ells = []
        for n in samples:
            outs, f = per_sample(n)
            ells.append(add(lambda nm: key(nm.sample_loss(n)), loss_fn.per_sample(
                rec.out[n:n + 1].astype(np.float64), ys(n))[0], "value", "sample_loss", outs, f,
                f"{loss_fn.module}({', '.join(S(o) for o in outs)})"))
        Lq = add(lambda nm: "L", rec.loss, "loss", "loss", ells, _scaled_sum(c),
                 (f"1/{N}·" if c != 1 else "") + "(" + " + ".join(S(e) for e in ells) + ")", extra={"c": c})
    else:
        outs, f = per_sample(None)
        Lq = add(lambda nm: "L", rec.loss, "loss", "loss", outs, f,
                 f"{loss_fn.module}({', '.join(S(o) for o in outs)})")
    Lq.extra["loss_fn"] = loss_fn

    # backward
    DA, DZ = {}, {}
    for l in range(last, -1, -1):
        L = layers[l]
        act = L.activation
        units = L.weight.shape[0]
        for j in range(units):
            for n in samples:
                m = n or 0
                if l == last:
                    outs = [YH[(k, n)] for k in range(K)]
                    y = ys(n or 0)
                    g = add(lambda nm: partial(lsym(nm, n), nm.at(nm.a(l, j), n)), L.da[m, j] / c, "grad", "loss_grad",
                            outs, lambda *o, j=j, y=y: float(loss_fn.grad(np.array([o], np.float64), y)[0, j]))
                    g.names += tuple(partial_name for partial_name in names(
                        lambda nm: partial(lsym(nm, n), nm.at(nm.yhat(j), n))) if partial_name not in g.names)
                    g.formula = f"∂{loss_fn.module}/∂{S(YH[(j, n)])}"
                    g.extra.update(loss_fn=loss_fn, y=y, outs=outs, j=j, N=N, c=c)
                else:
                    nxt = layers[l + 1]
                    ups = [DZ[(l + 1, k, n)] for k in range(nxt.weight.shape[0])]
                    locs = [add(lambda nm: partial(nm.at(nm.z(l + 1, k), n), nm.at(nm.a(l, j), n)), nxt.weight[k, j],
                                "local", "weight_local", [W[(l + 1, k, j)]], _identity, S(W[(l + 1, k, j)]))
                            for k in range(nxt.weight.shape[0])]
                    g = add(lambda nm: partial(lsym(nm, n), nm.at(nm.a(l, j), n)), L.da[m, j] / c, "grad", "act_grad",
                            ups + locs, _sum_of_products,
                            " + ".join(f"{S(u)}·{S(f)}" for u, f in zip(ups, locs)))
                    g.paths = list(zip(ups, locs))
                    if len(ups) == 1:
                        g.up, g.factor = ups[0], locs[0]
                    g.extra["after"] = [float(nxt.weight_after[k, j]) for k in range(nxt.weight.shape[0])]
                    g.extra["updated"] = [(k, j) for k in range(nxt.weight.shape[0])]
                DA[(l, j, n)] = g
                if act.kind == "identity":
                    DZ[(l, j, n)] = g
                    continue
                zq = Z[(l, j, n)]
                loc = add(lambda nm: partial(nm.at(nm.a(l, j), n), nm.at(nm.z(l, j), n)), L.local[m, j], "local",
                          "act_local", [zq, A[(l, j, n)]],           # σ′ from z and σ, as a person writes σ(1 − σ)
                          lambda z, a, act=act: float(act.dfn(np.float64(z), np.float64(a))))
                loc.formula = {"sigmoid": f"{S(A[(l, j, n)])}·(1 − {S(A[(l, j, n)])})",
                               "tanh": f"1 − {S(A[(l, j, n)])}²"}.get(act.kind, f"{act.kind}′({S(zq)})")
                loc.extra.update(activation=act, z=zq, a=A[(l, j, n)])
                dz = add(lambda nm: partial(lsym(nm, n), nm.at(nm.z(l, j), n)), L.dz[m, j] / c, "grad", "z_grad",
                         [g, loc], _product, f"{S(g)}·{S(loc)}", up=g, factor=loc)
                DZ[(l, j, n)] = dz
        for j in range(units):
            params = [("W", i) for i in range(L.weight.shape[1])] + ([("b", None)] if L.bias is not None else [])
            for kind, i in params:
                def psym(nm, kind=kind, i=i, j=j):
                    return nm.W(l, j, i) if kind == "W" else nm.b(l, j)
                terms = []
                for n in samples:
                    if kind == "W":
                        inp = X[(i, n)] if l == 0 else A[(l - 1, i, n)]
                        loc = add(lambda nm: partial(nm.at(nm.z(l, j), n), psym(nm)), inp.value, "local", "input_local",
                                  [inp], _identity, S(inp))
                    else:
                        loc = add(lambda nm: partial(nm.at(nm.z(l, j), n), psym(nm)), 1.0, "local", "bias_local")
                        loc.formula = "1"
                    dz = DZ[(l, j, n)]
                    if N > 1:
                        terms.append(add(lambda nm: partial(nm.sample_loss(n), psym(nm)), dz.value * loc.value, "grad",
                                         "sample_param_grad", [dz, loc], _product, f"{S(dz)}·{S(loc)}", up=dz,
                                         factor=loc))
                    else:
                        terms.append((dz, loc))
                p = W[(l, j, i)] if kind == "W" else B[(l, j)]
                pname = "weight" if kind == "W" else "bias"
                grad = float(L.weight_grad[j, i] if kind == "W" else L.bias_grad[j])
                if N > 1:
                    gq = add(lambda nm: partial(nm.loss(), psym(nm)), grad, "grad", "param_grad", terms, _scaled_sum(c),
                             (f"1/{N}·" if c != 1 else "") + "(" + " + ".join(S(t) for t in terms) + ")",
                             samples=terms, extra={"c": c})
                else:
                    dz, loc = terms[0]
                    gq = add(lambda nm: partial(nm.loss(), psym(nm)), grad, "grad", "param_grad", [dz, loc], _product,
                             f"{S(dz)}·{S(loc)}", up=dz, factor=loc)
                info = L.opt[pname]
                recipe = _plain_sgd(opt, info["group"], info["before"]) if opt is not None else (
                    _sgd(float(info["group"]["lr"])) if rec.optimizer == "SGD" else None)
                after = float(L.weight_after[j, i] if kind == "W" else L.bias_after[j])
                lr = float(info["group"]["lr"])
                add(lambda nm: key(nm.when(psym(nm), rec.step + 1)), after, "after", "update", [p, gq], recipe,
                    f"{S(p)} − {lr:g}·{S(gq)}" if recipe is not None else "", extra={"lr": lr, "param": p})
    return Problem(out, step=rec.step, describe="layered", record=rec, graph=getattr(rec, "graph", None))


# -- any recorded graph ------------------------------------------------------------------------------------

_EXACT = {       # scalar ops evaluated exactly (checked against the recorded value before use)
    "Add": lambda a, b, *r: a + (b * (r[0] if r and isinstance(r[0], (int, float)) else 1)),
    "Sub": lambda a, b, *r: a - (b * (r[0] if r and isinstance(r[0], (int, float)) else 1)),
    "Mul": lambda a, b: a * b, "Div": lambda a, b, *r: a / b, "Neg": lambda a: -a,
    "Exp": lambda a: math.exp(a), "Log": lambda a: math.log(a), "Tanh": lambda a: math.tanh(a),
    "Sigmoid": lambda a: 1 / (1 + math.exp(-a)), "Relu": lambda a: max(a, 0.0), "Pow": lambda a, b: a ** b,
    "Maximum": lambda a, b: max(a, b), "Minimum": lambda a, b: min(a, b), "Sqrt": lambda a: math.sqrt(a),
}


def from_graph(graph, loss_name: str = "L", step: int | None = None) -> Problem:
    """The quantities of any ``StepGraph``, named by the derivation's symbols, element by element."""
    from ..explain.derivation import Sym
    from ..explain.graph_builder import GraphBuilder
    from ..explain.step_graph import Value
    gb = GraphBuilder(graph, loss_name=loss_name or "L")
    t = step or graph.step
    Lsym = gb.Lsym
    out = []
    F, G = {}, {}                  # (value id, idx) -> forward / gradient Quantity

    def elems(v):
        return list(np.ndindex(v.shape)) if v.size <= MAX_ELEMENTS else []

    def at(sym, idx, time=None):
        s = Sym(sym.base, sub=sym.sub, sup=sym.sup, hat=sym.hat, sample=",".join(map(str, idx)) if idx else None,
                time=time)
        return key(s)

    def label(v, idx, time=None):
        sym = gb.sym[v.id]
        ns = [at(sym, idx, time)]
        if v.name and v.name != "ŷ":
            raw = v.name + (f"[{','.join(map(str, idx))}]" if idx else "") + (f"({time})" if time else "")
            if raw not in ns:
                ns.append(raw)
        return ns

    opt = graph.optimizer
    for v in gb.vals:
        sym = gb.sym.get(v.id)
        if sym is None or not v.known:
            continue
        for idx in elems(v):
            x = float(np.asarray(v.value, np.float64)[idx])
            if v.producer is None:
                if v.kind == "parameter":
                    q = Quantity(tuple(label(v, idx, t) + label(v, idx)), x, "before", "param")
                else:
                    q = Quantity(tuple(label(v, idx)), x, "input", "x")
            else:
                q = Quantity(tuple(label(v, idx)), x, "loss" if v is graph.loss else "value", "node")
                _forward_recipe(q, v, idx, F, Value)
            out.append(q)
            F[(v.id, idx)] = q
    # backward, from the loss down
    lkey = key(Lsym)
    for v in sorted(gb.vals, key=lambda v: -v.id):
        sym = gb.sym.get(v.id)
        if v is graph.loss or sym is None or v.grad is None or not v.requires_grad:
            continue
        cons = [(op, i) for op, i in v.consumers if op.output.id in gb.keep and i in op.contribution]
        if not cons:
            continue
        for idx in elems(v):
            gname = [f"d{lkey}/d{n}" for n in label(v, idx)]
            q = Quantity(tuple(gname), float(np.asarray(v.grad)[idx]), "grad", "node_grad")
            paths, ok = [], True
            for op, i in cons:
                if not (op.elementwise(i) or op.output.size == 1):
                    ok = False
                    break
                try:
                    local = op.local(i)
                except (RuntimeError, TypeError, ValueError):
                    ok = False
                    break
                oidx = idx if op.output.size > 1 else ()
                up = None if op.output is graph.loss else G.get((op.output.id, oidx))
                if up is None and op.output is not graph.loss:
                    ok = False
                    break
                osym = gb.sym.get(op.output.id)
                lv = float(np.asarray(local).reshape(v.shape)[idx]) if np.size(local) == v.size else float(
                    np.asarray(local).reshape(-1)[0])
                if up is None:              # the loss itself: ∂L/∂v through it is its local factor
                    paths.append((None, lv))
                    continue
                lname = [f"d{key(osym) if op.output.size == 1 else at(osym, oidx)}/d{n}" for n in label(v, idx)]
                loc = Quantity(tuple(lname), lv, "local", "node_local", formula=f"∂{op.name}")
                out.append(loc)
                paths.append((up, loc))
            if ok and paths and any(u is not None for u, _ in paths):
                const = sum(f for u, f in paths if u is None)
                real = [(u, f) for u, f in paths if u is not None]
                deps = [u for u, _ in real] + [f for _, f in real]
                q.deps, q.recipe = tuple(deps), (lambda *v, c=const: c + _sum_of_products(*v))
                q.paths = real
                if len(real) == 1 and const == 0:
                    q.up, q.factor = real[0]
                q.formula = " + ".join(f"{u.shown}·{f.shown}" for u, f in real) + (f" + {const:g}" if const else "")
            out.append(q)
            G[(v.id, idx)] = q
    # the update
    for v in graph.parameters():
        sym = gb.sym.get(v.id)
        if not v.trained or v.after is None or sym is None:
            continue
        grp = v.opt["group"]
        for idx in elems(v):
            before, grad = F.get((v.id, idx)), G.get((v.id, idx))
            if before is None or grad is None:
                continue
            recipe = _plain_sgd(opt, grp, v.opt["before"])
            lr = float(grp.get("lr", 0.0))
            out.append(Quantity(tuple(label(v, idx, t + 1)), float(np.asarray(v.after)[idx]), "after", "update",
                                (before, grad), recipe, f"{before.shown} − {lr:g}·{grad.shown}" if recipe else "",
                                extra={"lr": lr, "param": before}))
    return Problem(out, step=t, describe="graph", graph=graph)


def _forward_recipe(q, v, idx, F, Value):
    """An intermediate's recipe: exact for a scalar op the table knows, else linear in its inputs through the
    recorded local factors ∂out/∂in (element-wise ops, or ops with one output number)."""
    op = v.producer
    deps, slopes = [], []
    if v.size == 1 and op.cls.__name__ in _EXACT and all(not isinstance(a, Value) or a.size == 1 for a in op.args):
        argq = [F.get((a.id, ())) if isinstance(a, Value) else a for a in op.args]
        if all(a is not None for a in argq):
            fn = _EXACT[op.cls.__name__]
            pos = [k for k, a in enumerate(argq) if isinstance(a, Quantity)]
            consts = [a if not isinstance(a, Quantity) else None for a in argq]

            def recipe(*vals, pos=pos, consts=consts, fn=fn):
                args = list(consts)
                for k, x in zip(pos, vals):
                    args[k] = x
                return fn(*args)
            try:
                if math.isclose(float(recipe(*[argq[k].value for k in pos])), q.value, rel_tol=1e-7, abs_tol=1e-9):
                    q.deps, q.recipe = tuple(argq[k] for k in pos), recipe
                    q.formula = f"{op.name}(" + ", ".join(argq[k].shown for k in pos) + ")"
                    return
            except (TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError):
                pass
    for i, a in op.inputs:
        if not a.requires_grad or i not in op.contribution:
            continue
        try:
            local = np.asarray(op.local(i), np.float64)
        except (RuntimeError, TypeError, ValueError):
            continue
        if op.elementwise(i):
            dq = F.get((a.id, idx))
            if dq is not None:
                deps.append(dq)
                slopes.append(float(local.reshape(a.shape)[idx]))
        elif v.size == 1 and local.size == a.size:
            for aidx in np.ndindex(a.shape):
                dq = F.get((a.id, aidx))
                if dq is not None:
                    deps.append(dq)
                    slopes.append(float(local.reshape(a.shape)[aidx]))
    if deps:
        x0 = [d.value for d in deps]
        v0 = q.value

        def linear(*vals, x0=tuple(x0), s=tuple(slopes), v0=v0):
            return v0 + sum(k * (x - a) for k, x, a in zip(s, vals, x0))
        q.deps, q.recipe = tuple(deps), linear
        q.formula = f"{op.name}(" + ", ".join(d.shown for d in deps) + ")"
        q.extra["linear"] = True
