"""The verdicts: how a tutor marks each value of a hand-worked solution.

For a value written with *d* decimals:

* **correct** — it is the engine's value rounded to *d* decimals (or within half a unit of its last digit);
* **rounded** (correct up to hand rounding) — a value a person carrying *d* decimals could have produced:
  the given data copied as it is or rounded to *d* decimals, each later number computed by its recipe
  from the reachable values of what it is computed from and written as it is or rounded to *d* decimals
  (``Marker.interval``: the reachable range, carried through the recipes' slopes).  So 0.3 does not pass
  for 0.37 (0.37 rounds to 0.4; 0.3 is truncated), and b3(2) = −0.7196 passes for −0.7197 (four decimals
  carried through ∂L/∂σ3·∂σ3/∂z3 give −0.7196);
* **carried** — wrong, but exactly what the recipe gives from the student's *own* earlier values (one of
  them wrong): follow-through credit;
* **wrong** — with a diagnosis from the catalogue (``DIAGNOSES``), read off the quantity's structure and
  computed from the student's own values where they gave them;
* **missing** — a value the answer key asks for that the solution does not give;
* **unknown** — a name that is no quantity of this step, with the nearest names ("did you mean").
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..explain.render.numbers import rounded

#: the catalogue of named mistakes (code -> what it means); messages in teach/locales
DIAGNOSES = {
    "sign": "the sign is wrong",
    "swapped": "the value belongs to another quantity (two labels swapped, or indices transposed)",
    "stopped_early": "the chain stops early: a partial product labelled as the whole gradient",
    "missing_factor": "one factor of the chain is left out",
    "missing_act_derivative": "the activation's derivative σ′ is left out",
    "extra_factor": "a factor is applied twice",
    "act_value_for_derivative": "the activation's value used where its derivative belongs",
    "other_activation": "the derivative (or function) of another activation",
    "other_loss": "the derivative of another loss",
    "half_factor": "a factor 2 too many or too few (the ½ of a squared error)",
    "mean_factor": "the 1/N (1/K) of a mean left out",
    "sum_not_mean": "a sum where the mean belongs",
    "one_sample": "one sample's term where the batch mean belongs",
    "updated_weight": "the updated weight used where the old one belongs (deeper in the backward pass)",
    "added_gradient": "the gradient added instead of subtracted",
    "no_lr": "the learning rate α left out",
    "missing_path": "a path left out where a unit feeds several others",
    "missing_bias": "the bias left out of the weighted sum",
}

ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass
class Verdict:
    line: int
    name: str                    # as written
    text: str                    # the number as written
    value: float
    status: str                  # correct | rounded | carried | wrong | missing | unknown | duplicate
    quantity: object = None      # teach.quantities.Quantity
    exact: float | None = None
    band: float = 0.0
    diagnosis: str | None = None
    params: dict = field(default_factory=dict)
    credit: float = 0.0
    suggestions: list = field(default_factory=list)
    carried_from: list = field(default_factory=list)
    from_yours: float | None = None          # what the recipe gives from the student's own values
    decimals: int = 4

    @property
    def ok(self) -> bool:
        return self.status in ("correct", "rounded", "carried")


class Marker:
    """Marks a solution (``[reading.Entry]``) against a ``quantities.Problem``."""

    def __init__(self, problem, entries, *, expect=None, carried_credit: float = 1.0):
        self.p = problem
        self.entries = entries
        self.expect = expect
        self.carried_credit = carried_credit
        # both depend only on the step, not on the student: shared by every solution marked against it
        self._slopes = problem.__dict__.setdefault("_slopes", {})
        self._bands = problem.__dict__.setdefault("_bands", {})

    # -- the band ---------------------------------------------------------------------------------------
    def slopes(self, q) -> list:
        """∂recipe/∂dep at the engine's values (central differences on the recipe)."""
        if q.index not in self._slopes:
            out = []
            if q.recipe is not None and q.deps:
                x = [d.value for d in q.deps]
                for k in range(len(x)):
                    h = 1e-6 * max(1.0, abs(x[k]))
                    try:
                        up = list(x)
                        up[k] += h
                        dn = list(x)
                        dn[k] -= h
                        s = (q.compute(up) - q.compute(dn)) / (2 * h)
                        out.append(s if math.isfinite(s) else 0.0)
                    except (ArithmeticError, ValueError, TypeError):
                        out.append(0.0)
            self._slopes[q.index] = out
        return self._slopes[q.index]

    def interval(self, q, d: int) -> tuple:
        """[lo, hi]: every value a person carrying ``d`` decimals through the recipes can reach for ``q``.

        The given data is copied as it is or rounded to ``d`` decimals; each computed number is the recipe
        over the reachable values of what it is computed from (the range through the recipe's slopes),
        then written down as it is or rounded to ``d`` decimals."""
        memo = self._bands.setdefault(d, {})
        if q.index in memo:
            return memo[q.index]
        stack = [q]
        while stack:                                   # deps first, without deep recursion
            top = stack[-1]
            todo = [dep for dep in top.deps if dep.index not in memo] if top.recipe is not None else []
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            if top.index in memo:
                continue
            v = top.value
            unit = 0.5 * 10.0 ** (-d)
            if top.kind in ("input", "before") or top.role == "bias_local":
                lo, hi = v, v
            elif top.recipe is None or not top.deps:   # no recipe to carry through: half a unit either side
                lo, hi = v - unit, v + unit
            else:
                boxes = [memo[dep.index] for dep in top.deps]
                mid = [(a + b) / 2 for a, b in boxes]
                try:
                    c = top.compute(mid)
                except (ArithmeticError, ValueError, TypeError):
                    c = v
                if not math.isfinite(c):
                    c = v
                spread = sum(abs(s) * (b - a) / 2 for s, (a, b) in zip(self.slopes(top), boxes))
                lo, hi = min(c - spread, v), max(c + spread, v)
            memo[top.index] = (min(lo, rounded(lo, d)), max(hi, rounded(hi, d)))
        return memo[q.index]

    def band(self, q, d: int) -> float:
        """How far from the exact value a person carrying ``d`` decimals can land (see ``interval``)."""
        lo, hi = self.interval(q, d)
        half = 0.5 * 10.0 ** (-d)
        return max(q.value - lo + half, hi + half - q.value)

    # -- marking ----------------------------------------------------------------------------------------
    def mark(self) -> list:
        from .names import suggestions
        verdicts, given, first_line = [], {}, {}
        for e in self.entries:
            q = self.p.lookup(e.name)
            v = Verdict(e.line, e.name, e.text, e.value, "unknown", q, decimals=e.decimals)
            if q is None:
                v.suggestions = suggestions(e.name, self.p.quantities)
            elif q.index in given:
                v.status = "duplicate"
                v.params = {"first": first_line[q.index]}
            else:
                given[q.index] = v
                first_line[q.index] = e.line
            verdicts.append(v)
        self.given = given
        self.eff = {}
        self.off = set()
        for q in self.p.quantities:                     # in the derivation's order: deps before
            v = given.get(q.index)
            if v is not None:
                self._judge(q, v)
                self.eff[q.index] = v.value
                if v.status in ("wrong", "carried"):
                    self.off.add(q.index)
            else:
                self.eff[q.index] = self._recompute(q)
                if q.recipe is not None and any(d.index in self.off for d in q.deps):
                    self.off.add(q.index)
        if self.expect is not None:
            for name in self.expect:
                q = self.p.lookup(name)
                if q is not None and q.index not in given:
                    verdicts.append(Verdict(0, q.shown, "", float("nan"), "missing", q, exact=q.value))
        return verdicts

    def _recompute(self, q):
        if q.recipe is None or not q.deps or not any(d.index in self.off for d in q.deps):
            return q.value
        try:
            return q.compute([self.eff[d.index] for d in q.deps])
        except (ArithmeticError, ValueError, TypeError):
            return q.value

    def local_band(self, q, d) -> float:
        """How far a value computed (and rounded) from the student's own values can be from the recipe's
        result on them: half a unit, plus what the values they did not write contribute."""
        unit = 0.5 * 10.0 ** (-d)
        return unit + sum(abs(s) * (0.0 if dep.index in self.given else self.band(dep, d))
                          for s, dep in zip(self.slopes(q), q.deps)) + 1e-12

    def _judge(self, q, v):
        d = v.decimals
        v.exact = q.value
        v.band = self.band(q, d)
        x, ex = v.value, q.value
        slack = 1e-9 * max(1.0, abs(ex))
        if rounded(ex, d) == x or abs(x - ex) <= 0.5 * 10.0 ** (-d) + slack:
            v.status, v.credit = "correct", 1.0
            return
        lo, hi = self.interval(q, d)
        half = 0.5 * 10.0 ** (-d) * (1 + 1e-9)           # x (d decimals) is some reachable value, rounded
        if lo - half - slack <= x <= hi + half + slack:
            v.status, v.credit = "rounded", 1.0
            return
        upstream = [dep for dep in q.deps if dep.index in self.off]
        if q.recipe is not None and upstream:
            mine = self._recompute(q)
            v.from_yours = mine
            if abs(x - mine) <= self.local_band(q, d) + slack:
                v.status, v.credit = "carried", self.carried_credit
                v.carried_from = [self._origin(dep) for dep in upstream]
                return
        v.status = "wrong"
        code, params = Diagnose(self, q, v).run()
        v.diagnosis, v.params = code, params

    def _origin(self, dep) -> str:
        """The student's own wrong value a carried one follows from (the nearest one they wrote)."""
        seen, stack = set(), [dep]
        while stack:
            d = stack.pop(0)
            if d.index in self.given:
                return d
            if d.index in seen:
                continue
            seen.add(d.index)
            stack.extend(x for x in d.deps if x.index in self.off)
        return dep


class Diagnose:
    """Which catalogued mistake produces the student's value (from their own earlier values)."""

    def __init__(self, marker, q, verdict):
        self.m, self.q, self.v = marker, q, verdict
        self.x = verdict.value
        self.tol = max(marker.band(q, verdict.decimals), marker.local_band(q, verdict.decimals)) + 1e-9
        self.truth = False

    def eff(self, q) -> float:
        return q.value if self.truth else self.m.eff.get(q.index, q.value)

    def close(self, value) -> bool:
        return value is not None and math.isfinite(value) and abs(self.x - value) <= self.tol

    def mine(self) -> float:
        """The right value computed from the student's own earlier values."""
        q = self.q
        if q.recipe is None or not q.deps:
            return q.value
        try:
            return q.compute([self.eff(d) for d in q.deps])
        except (ArithmeticError, ValueError, TypeError):
            return q.value

    def run(self):
        """The first catalogued mistake that gives the student's value: from their own earlier values, then
        (when those are wrong too) from the right ones."""
        modes = (False, True) if any(d.index in self.m.off for d in _ancestors(self.q)) else (False,)
        for self.truth in modes:
            for check in (self._update, self._chain, self._factors, self._loss, self._paths, self._batch,
                          self._forward, self._sign, self._other):
                got = check()
                if got:
                    return got
        return None, {}

    # -- the catalogue ------------------------------------------------------------------------------------
    def _update(self):
        q = self.q
        if q.kind != "after" or q.recipe is None:
            return None
        before, grad = q.deps
        lr = q.extra["lr"]
        b, g = self.eff(before), self.eff(grad)
        if self.close(b + lr * g) and abs(g) > self.tol:
            return "added_gradient", {}
        if lr != 1 and self.close(b - g):
            return "no_lr", {"lr": f"{lr:g}"}
        return None

    def _chain(self):
        """A partial product labelled as the whole gradient (the lecture's ∂L/∂W1 = −0.0717 = ∂L/∂σ1)."""
        q = self.q
        if q.kind != "grad" or q.up is None:
            return None
        rest, anc = [q.factor], q.up
        while anc is not None:
            if self.close(self.eff(anc)) and abs(self.eff(anc) - self.mine()) > self.tol:
                if len(rest) == 1:
                    f = rest[0]
                    code = "missing_act_derivative" if f.role == "act_local" else "missing_factor"
                    return code, {"factor": f, "value": f.value, "partial": anc}
                return "stopped_early", {"partial": anc, "value": self.eff(anc), "rest": list(reversed(rest))}
            if anc.factor is None:
                break
            rest.append(anc.factor)
            anc = anc.up
        return None

    def chain(self):
        """The factors of the flattened chain of q (one path), from the loss down."""
        out, c = [], self.q
        while c is not None and c.factor is not None:
            out.append(c.factor)
            c = c.up
        return out

    def _factors(self):
        q = self.q
        if q.kind == "local" and q.role == "act_local":
            act, a, z = q.extra["activation"], q.extra["a"], q.extra["z"]
            av, zv = self.eff(a), self.eff(z)
            if self.close(av) and abs(av - q.value) > self.tol:
                return "act_value_for_derivative", {"factor": q, "fitted": av, "act": a, "correct": q.value, "itself": True}
            for name in ACTIVATIONS:
                if name != act.kind and self.close(_dact(name, zv)):
                    return "other_activation", {"act": name, "right": act.kind}
            return None
        if q.kind != "grad" or q.up is None:
            return None
        mine = self.mine()
        for f in self.chain():
            fv = self.eff(f)
            if abs(fv) < 1e-12:
                continue
            rest = mine / fv
            if f is not q.factor and self.close(rest) and abs(fv - 1) > 1e-9:
                code = "missing_act_derivative" if f.role == "act_local" else "missing_factor"
                return code, {"factor": f, "value": f.value}
            if f.role == "act_local":
                a, z, act = f.extra["a"], f.extra["z"], f.extra["activation"]
                if self.close(rest * self.eff(a)):
                    return "act_value_for_derivative", {"factor": f, "fitted": self.eff(a), "act": a,
                                                        "correct": f.value}
                for name in ACTIVATIONS:
                    alt = _dact(name, self.eff(z))
                    if name != act.kind and alt is not None and abs(alt - fv) > 1e-9 and self.close(rest * alt):
                        return "other_activation", {"act": name, "right": act.kind}
                if self.close(mine * fv) and abs(fv - 1) > 1e-9:
                    return "extra_factor", {"factor": f, "value": f.value}
        return None

    def _loss(self):
        q = self.q
        if q.role != "loss_grad":
            return None
        import numpy as np

        from ..explain.formulas import LOSSES
        fn, y, outs, j = q.extra["loss_fn"], q.extra["y"], q.extra["outs"], q.extra["j"]
        o = np.array([[self.eff(t) for t in outs]], np.float64)
        mine = self.mine()
        for cls in LOSSES.values():
            if cls.kind == fn.kind or (cls.kind == "cross_entropy") != (fn.kind == "cross_entropy"):
                continue
            try:
                with np.errstate(all="ignore"):
                    alt = float(cls(fn.reduction, fn.K).grad(o, y)[0, j])
            except (ValueError, TypeError, IndexError):
                continue
            if abs(alt - mine) > self.tol and self.close(alt):
                return "other_loss", {"loss": cls.module, "right": fn.module}
        if self.close(2 * mine) or self.close(mine / 2):
            return "half_factor", {}
        K = fn.K
        if K > 1 and fn.kscale != 1 and (self.close(mine * K) or self.close(mine / K)):
            return "mean_factor", {"n": K}
        return None

    def _paths(self):
        q = self.q
        if len(q.paths) < 2 and "after" not in q.extra:
            return None
        terms = [(self.eff(u) if u is not None else 1.0) * self.eff(f) for u, f in q.paths]
        mine = self.mine()
        if "after" in q.extra and q.role == "act_grad":
            alt = sum((self.eff(u) if u is not None else 1.0) * w for (u, _), w in zip(q.paths, q.extra["after"]))
            if abs(alt - mine) > self.tol and self.close(alt):
                names = [f"{u.shown}" for u, _ in q.paths]
                ws = [f.deps[0].shown if f.deps else f.shown for _, f in q.paths]
                return "updated_weight", {"weights": ", ".join(_after_name(w) for w in ws),
                                          "old": ", ".join(ws), "via": ", ".join(names)}
        if len(q.paths) < 2:
            return None
        for k, t in enumerate(terms):
            if self.close(t) or self.close(mine - t):
                u, f = q.paths[k]
                kept = f"{u.shown}·{f.shown}" if u is not None else f.shown
                return "missing_path", {"n": len(terms), "kept": kept if self.close(t) else "", "path": kept}
        return None

    def _batch(self):
        q = self.q
        if not q.samples or len(q.samples) < 2:
            return None
        c = q.extra.get("c", 1.0)
        terms = [self.eff(t) for t in q.samples]
        if c != 1 and self.close(sum(terms)):
            return "sum_not_mean", {"n": len(terms)}
        for n, t in enumerate(terms):
            if self.close(t) or self.close(c * t):
                return "one_sample", {"sample": n + 1, "n": len(terms)}
        return None

    def _forward(self):
        q = self.q
        if q.role == "z" and len(q.deps) % 2 == 1:
            b = q.deps[-1]
            if abs(b.value) > self.tol and self.close(self.mine() - self.eff(b)):
                return "missing_bias", {"bias": b}
        if q.role == "act":
            act = q.extra["activation"]
            z = self.eff(q.deps[0])
            for name in ACTIVATIONS:
                alt = _act(name, z)
                if name != act.kind and abs(alt - self.mine()) > self.tol and self.close(alt):
                    return "other_activation", {"act": name, "right": act.kind}
        return None

    def _sign(self):
        mine = self.mine()
        if abs(mine) > self.tol and self.close(-mine):
            return "sign", {}
        return None

    def _other(self):
        """Another quantity of the same kind has this value: two labels swapped, or indices transposed."""
        q = self.q
        for o in self.m.p.quantities:
            if o is q or o.kind != q.kind or o.role != q.role or abs(o.value - q.value) <= self.tol:
                continue
            if self.close(o.value) or (o.index in self.m.eff and self.close(self.m.eff[o.index])):
                return "swapped", {"other": o, "othervalue": o.value, "transposed": _transposed(q.names, o.names)}
        return None


def _ancestors(q) -> list:
    out, seen, stack = [], set(), list(q.deps)
    while stack:
        d = stack.pop()
        if d.index in seen:
            continue
        seen.add(d.index)
        out.append(d)
        stack.extend(d.deps)
    return out


def _act(name, z):
    return {"sigmoid": lambda: 1 / (1 + math.exp(-z)) if z > -700 else 0.0, "tanh": lambda: math.tanh(z),
            "relu": lambda: max(z, 0.0)}[name]()


def _dact(name, z):
    try:
        if name == "sigmoid":
            s = 1 / (1 + math.exp(-z))
            return s * (1 - s)
        if name == "tanh":
            return 1 - math.tanh(z) ** 2
        if name == "relu":
            return 1.0 if z > 0 else 0.0
    except OverflowError:
        return None
    return None


def _after_name(before_name: str) -> str:
    import re
    m = re.fullmatch(r"(.*)\((\d+)\)", before_name)
    return f"{m.group(1)}({int(m.group(2)) + 1})" if m else before_name + "(t+1)"


def _transposed(a_names, b_names) -> bool:
    import re
    for a in a_names:
        for b in b_names:
            ma = re.fullmatch(r"(.*\^\(\d+\))(\d)(\d)(.*)", a)
            mb = re.fullmatch(r"(.*\^\(\d+\))(\d)(\d)(.*)", b)
            if ma and mb and ma.group(1) == mb.group(1) and ma.group(4) == mb.group(4) and \
                    (ma.group(2), ma.group(3)) == (mb.group(3), mb.group(2)):
                return True
    return False
