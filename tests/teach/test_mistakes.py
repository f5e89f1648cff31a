"""A generated test set: each catalogued mistake applied to correct solutions of several networks (widths,
activations, losses, optimizers, batch sizes, and graphs outside the layered form).  The student goes on
correctly from their own wrong value, so every later value that depends on it is *carried*.  The checker must
name the mistake and mark the later values carried, not wrong; the confusion matrix is printed and written to
test-output/."""
import math
from collections import Counter

from chainrule.teach import problem_of
from chainrule.teach.api import mark
from chainrule.teach.reading import Entry

from .helpers import mlp_toml, write
from .test_quantities import CIRCUIT, FROZEN

NETS = {
    "lecture 2-2-1 sigmoid bce": None,
    "2-3-1 tanh/sigmoid bce batch 2": mlp_toml([2, 3, 1], ["tanh", "sigmoid"], "bce", x=[[1, 2], [-1, 1]],
                                               y=[[1], [0]], lr=0.5, seed=5),
    "2-2-2 sigmoid mse": mlp_toml([2, 2, 2], ["sigmoid", "sigmoid"], "mse", x=[[1, -1]], y=[[0.2, 0.9]], lr=0.5,
                                  seed=7),
    "3-2-3 sigmoid softmax-ce batch 2": mlp_toml([3, 2, 3], ["sigmoid", "identity"], "cross_entropy",
                                                 x=[[1, 2, -1], [0, 1, 1]], y=[2, 0], lr=0.1, seed=2),
    "2-2-1 tanh/sigmoid momentum": mlp_toml([2, 2, 1], ["tanh", "sigmoid"], "bce", y=[[1]], lr=0.5, momentum=0.9,
                                            seed=11),
}
GRAPHS = {"circuit (scalars)": ("circuit.py", CIRCUIT), "frozen first layer (graph form)": ("frozen.py", FROZEN),
          "recurrent cell, 3 time steps": ("rnn.py", None)}
D = 4


def R(v):
    q = 10 ** D
    return math.copysign(math.floor(abs(v) * q + 0.5), v) / q


def solution(p, target, wrong):
    """The student's values: right (rounded) before ``target``, ``wrong`` there, and each later value computed
    by its recipe from the student's own earlier values, then rounded (the student carries on correctly)."""
    vals = {}
    for q in p:
        if q.index < target.index or q.recipe is None:
            vals[q.index] = R(q.value) if q.index != target.index else R(wrong)
            continue
        vals[q.index] = R(wrong) if q is target else R(q.compute([vals[d.index] for d in q.deps]))
    return vals


def find(p, role, pick=0, **cond):
    qs = [q for q in p if q.role == role and all(f(q) for f in cond.values())]
    return qs[pick] if len(qs) > pick else None


def mistakes(p):
    """(mistake, target quantity, wrong value) for every catalogued mistake this network can show."""
    out = []
    grads = [q for q in p if q.role == "param_grad"]
    if grads:
        out.append(("sign", grads[-1], -grads[-1].value))
    ups = [q for q in p if q.role == "update" and q.recipe is not None and abs(q.deps[1].value) > 1e-3]
    if ups:
        u = ups[0]
        out.append(("added_gradient", u, u.deps[0].value + u.extra["lr"] * u.deps[1].value))
        if u.extra["lr"] != 1:
            out.append(("no_lr", u, u.deps[0].value - u.deps[1].value))
    hidden = [q for q in p if q.role == "act_grad"]
    w1 = next((q for q in grads if q.up is not None and q.up.up is not None and q.up.up.role == "act_grad"), None)
    if w1 is not None:
        out.append(("stopped_early", w1, w1.up.up.value))
    zg = next((q for q in p if q.role == "z_grad" and q.up.role == "loss_grad"), None)
    if zg is not None:
        out.append(("missing_act_derivative", zg, zg.up.value))
        out.append(("extra_factor", zg, zg.value * zg.factor.value))
    wg = next((q for q in grads if q.factor is not None and q.factor.role == "input_local"
               and abs(q.factor.value - 1) > 0.05 and abs(q.up.value) > 1e-3), None)
    if wg is not None:
        out.append(("missing_factor", wg, wg.up.value))
    loc = next((q for q in p if q.role == "act_local" and abs(q.extra["a"].value - q.value) > 0.01), None)
    if loc is not None:
        out.append(("act_value_for_derivative", loc, loc.extra["a"].value))
        act = loc.extra["activation"].kind
        z = loc.extra["z"].value
        other = (1 - math.tanh(z) ** 2) if act == "sigmoid" else (1 / (1 + math.exp(-z))) * (1 - 1 / (1 + math.exp(-z)))
        out.append(("other_activation", loc, other))
    lg = find(p, "loss_grad")
    if lg is not None and lg.extra["loss_fn"].kind == "bce":
        yhat = lg.extra["outs"][lg.extra["j"]].value
        y = float(lg.extra["y"].reshape(-1)[lg.extra["j"]])
        out.append(("other_loss", lg, 2 * (yhat - y) * lg.extra["loss_fn"].kscale))
    if lg is not None and lg.extra["loss_fn"].kind == "mse":
        out.append(("half_factor", lg, lg.value / 2))
    for h in hidden:
        if "after" in h.extra and len(h.paths) >= 1 and any(abs(a - f.value) > 1e-3 for a, (_, f) in
                                                              zip(h.extra["after"], h.paths)):
            out.append(("updated_weight", h, sum(u.value * a for (u, _), a in zip(h.paths, h.extra["after"]))))
            break
    multi = next((h for h in hidden if len(h.paths) >= 2 and abs(h.paths[0][0].value * h.paths[0][1].value
                                                                 - h.value) > 1e-3), None)
    if multi is not None:
        out.append(("missing_path", multi, multi.paths[0][0].value * multi.paths[0][1].value))
    batch = next((q for q in grads if q.samples and q.extra.get("c", 1) != 1), None)
    if batch is not None:
        out.append(("sum_not_mean", batch, sum(t.value for t in batch.samples)))
        out.append(("one_sample", batch, batch.samples[0].value))
    z = next((q for q in p if q.role == "z" and abs(q.deps[-1].value) > 0.01 and len(q.deps) % 2 == 1), None)
    if z is not None:
        out.append(("missing_bias", z, z.value - z.deps[-1].value))
    befores = [q for q in p if q.kind == "after"]
    for a, b in zip(befores, befores[1:]):
        if abs(a.value - b.value) > 0.01:
            out.append(("swapped", a, b.value))
            break
    return out


def graph_mistakes(p):
    out = []
    multi = next((q for q in p if q.kind == "grad" and len(q.paths) >= 2), None)
    if multi is not None:
        t = multi.paths[0][0].value * multi.paths[0][1].value
        out.append(("missing_path", multi, t))
    grads = [q for q in p if q.kind == "grad" and abs(q.value) > 0.01]
    out.append(("sign", grads[-1], -grads[-1].value))
    ups = [q for q in p if q.role == "update" and q.recipe is not None]
    if ups:
        u = ups[0]
        out.append(("added_gradient", u, u.deps[0].value + u.extra["lr"] * u.deps[1].value))
    vals = [q for q in p if q.kind == "grad"]
    for a, b in zip(vals, vals[1:]):
        if abs(a.value - b.value) > 0.01 and a.role == b.role:
            out.append(("swapped", a, b.value))
            break
    return out


def depends_on(q, target):
    stack, seen = list(q.deps), set()
    while stack:
        d = stack.pop()
        if d is target:
            return True
        if d.index not in seen:
            seen.add(d.index)
            stack.extend(d.deps)
    return False


def test_each_catalogued_mistake_is_named_and_later_values_are_carried(tmp_path, output_dir):
    import os
    problems = [(n, problem_of(None if t is None else write(tmp_path, "m.toml", t))) for n, t in NETS.items()]
    from chainrule.teach.exercise import make
    rnn = make("rnn", seed=1, variant=1).model_text
    problems += [(n, problem_of(write(tmp_path, f, t or rnn))) for n, (f, t) in GRAPHS.items()]
    confusion = Counter()
    failures = []
    cases = carried = 0
    for net, p in problems:
        for mistake, target, wrong in (mistakes(p) if p.describe == "layered" else graph_mistakes(p)):
            vals = solution(p, target, wrong)
            entries = [Entry(q.index + 1, q.name, f"{vals[q.index]:.{D}f}", vals[q.index]) for q in p
                       if q.kind not in ("input",)]
            result = mark(p, entries)
            by = {v.quantity.index: v for v in result.verdicts}
            got = by[target.index]
            confusion[(mistake, got.diagnosis if got.status == "wrong" else got.status)] += 1
            cases += 1
            if got.status != "wrong" or got.diagnosis != mistake:
                failures.append(f"{net}: {mistake} at {target.name}: got {got.status} {got.diagnosis}")
            for q in p:
                v = by.get(q.index)
                if q is target or v is None:
                    continue
                off = abs(vals[q.index] - q.value) > v.band + 1e-12     # wrong, unless carried
                if depends_on(q, target) and off:
                    carried += 1
                    if v.status != "carried":
                        failures.append(f"{net}: {mistake} at {target.name}: later {q.name} is {v.status} "
                                        f"{v.diagnosis}, not carried")
                elif not v.ok:
                    failures.append(f"{net}: {mistake} at {target.name}: independent {q.name} is {v.status}")
    kinds = sorted({m for m, _ in confusion})
    cols = sorted({c for _, c in confusion}, key=str)
    lines = ["mistake \\ diagnosed: " + " | ".join(map(str, cols))]
    for m in kinds:
        lines.append(f"{m}: " + " | ".join(str(confusion[(m, c)]) for c in cols))
    report = "\n".join(lines)
    print(report)
    with open(os.path.join(output_dir, "confusion.txt"), "w", encoding="utf-8") as f:
        f.write(report + "\n")
    print(f"{cases} mistakes, {carried} later values carried")
    assert cases >= 50 and len(kinds) >= 14 and carried >= 300, (cases, kinds, carried)
    assert not failures, "\n".join(failures[:30]) + "\n" + report
