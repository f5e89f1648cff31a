"""Where one W1 step (the seed's 2-2-1 sigmoid net, BCE, SGD) spends its time, eager and compiled.

    python3 bench/profile_step.py            # medians in µs and as a share of the hand-written NumPy step

Eager: ``model(x)``, the BCE loss, ``loss.backward()``, ``optimizer.step()`` (``zero_grad`` is < 1 µs).
Compiled (``chainrule.compile_step``): the guard that the last program still fits, the replayed forward and
backward (one generated function calling the op kernels), handing the gradients to the parameters, and
the optimizer's update.  Each part is timed in rounds interleaved with the NumPy step, so the shares
hold on a loaded machine even when the microseconds do not.
"""
from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_reference as ref  # noqa: E402
import run as bench  # noqa: E402

import chainrule  # noqa: E402
from chainrule.compile import replay  # noqa: E402


def parts():
    w = bench.SeedStep()
    w.setup()
    lib = chainrule
    model = bench._mlp(lib, [2, 2, 1], lib.nn.Sigmoid, lib.nn.Sigmoid)
    bench._load(lib, model, w.params0)
    crit = lib.nn.BCELoss()
    opt = lib.optim.SGD(model.parameters(), lr=1.0)
    x, y = lib.tensor(w.x), lib.tensor(w.y)
    held = {}

    def forward():
        held["out"] = model(x)

    def loss():
        held["loss"] = crit(held["out"], y)

    def backward():
        opt.zero_grad()
        held["loss"].backward()

    cmodel = bench._mlp(lib, [2, 2, 1], lib.nn.Sigmoid, lib.nn.Sigmoid)
    bench._load(lib, cmodel, w.params0)
    copt = lib.optim.SGD(cmodel.parameters(), lr=1.0)
    step = lib.compile_step(cmodel, lib.nn.BCELoss(), copt)
    for _ in range(3):
        step(x, y)
    program, params = step._last
    arrays = [p._data for p in params]
    P = [p.copy() for p in w.params0]
    eager = [("eager: model(x)", forward), ("eager: BCE loss", loss), ("eager: loss.backward()", backward),
             ("eager: optimizer.step()", opt.step)]
    compiled = [("compiled: guard", lambda: step._guard(x, y)),
                ("compiled: replayed forward + backward", lambda: program.fn(x._data, y._data, arrays)),
                ("compiled: gradients to .grad", lambda: replay.run(program, x, y, params)),
                ("compiled: update", step.update),
                ("compiled: whole step", lambda: step(x, y))]
    return ("NumPy: whole step", lambda: ref.seed_step(P, w.x, w.y, 1.0)), eager, compiled


def main() -> int:
    numpy_step, eager, compiled = parts()
    names = [numpy_step[0]] + [e[0] for e in eager] + [c[0] for c in compiled]
    samples = {name: [] for name in names}
    n = 500
    clock = time.perf_counter
    for _ in range(9):
        t0 = clock()
        for _ in range(n):
            numpy_step[1]()
        samples[numpy_step[0]].append((clock() - t0) / n)
        spent = [0.0] * len(eager)
        for _ in range(n):                 # the eager parts in order: each needs the one before it
            for k, (_, fn) in enumerate(eager):
                t0 = clock()
                fn()
                spent[k] += clock() - t0
        for (name, _), t in zip(eager, spent):
            samples[name].append(t / n)
        for name, fn in compiled:
            t0 = clock()
            for _ in range(n):
                fn()
            samples[name].append((clock() - t0) / n)
    base = samples[numpy_step[0]]
    print("| part of a W1 step | µs (median) | share of the NumPy step |\n|---|---|---|")
    for name in names:
        share = statistics.median([t / b for t, b in zip(samples[name], base)])
        print(f"| {name} | {statistics.median(samples[name]) * 1e6:.1f} | {share:.2f}x |")
    print("\n(the eager parts are timed one by one inside each step, which adds ~0.1 µs each; "
          "'gradients to .grad' includes the replayed forward and backward it wraps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
