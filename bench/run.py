"""Benchmark: the same training work in chainrule, PyTorch and hand-written NumPy, in one run.

    python3 bench/run.py                 # all workloads: prints the results, writes no file
    python3 bench/run.py --save          # ... and updates the tracked bench/results/latest.{json,md}
    python3 bench/run.py --out /tmp/b    # ... or writes latest.{json,md} under another folder
    python3 bench/run.py --only W1 --repeats 15
    python3 bench/run.py --growth-steps 0   # skip the 10,000-step memory-growth check

It needs PyTorch and scikit-learn, the reference and the digits data: the test extra
(``python3 -m pip install -e '.[test]'``).

Each workload builds one set of initial weights and data, checks that the three implementations
agree numerically after one step, then times chainrule against NumPy in interleaved rounds (A B, B A,
…), then PyTorch against NumPy the same way (see ``time_workload``), and reports medians and ratios to
hand-written NumPy.  Peak memory of one step is measured with tracemalloc
(NumPy and chainrule allocate through it; PyTorch's allocator does not, so it is not reported).
Memory growth: chainrule trains for ``--growth-steps`` steps (W3: at most 300, it is slow) and the
memory Python and NumPy hold (tracemalloc) and the number of live Tensors and graph nodes are compared
between the end of the first tenth and the end; flat (no more objects, under 64 KB more memory) means
the graph is freed after every backward.
The load average and any OPENBLAS_* settings are recorded with the results: both change timings.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_reference as ref  # noqa: E402
import peers  # noqa: E402

import chainrule  # noqa: E402


# ------------------------------------------------------------------------------------ workloads
def _layers(sizes, rng, dtype):
    """PyTorch-style default init, one list [W1, b1, W2, b2, ...] of NumPy arrays."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype))
        params.append(rng.uniform(-bound, bound, (fan_out,)).astype(dtype))
    return params


def _mlp(lib, sizes, act, final_act=None):
    mods = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(lib.nn.Linear(a, b))
        if i < len(sizes) - 2:
            mods.append(act())
    if final_act:
        mods.append(final_act())
    return lib.nn.Sequential(*mods)


def _load(lib, model, params):
    linears = [m for m in model.modules() if isinstance(m, lib.nn.Linear)]
    with lib.no_grad():
        for i, lin in enumerate(linears):
            lin.weight.copy_(lib.tensor(params[2 * i].copy()))
            lin.bias.copy_(lib.tensor(params[2 * i + 1].copy()))
    return [p for lin in linears for p in (lin.weight, lin.bias)]


class Workload:
    name = ""
    what = ""

    def __init__(self):
        self.runners = {}

    def runner(self, impl):
        """(run, get_params) for ``impl``, or None where that engine has no form of this workload."""
        if impl in peers.PEERS:
            return peers.make(impl, self)
        return self.make(impl)

    def setup(self):
        raise NotImplementedError

    def params_after_one_step(self, impl):
        raise NotImplementedError


class SeedStep(Workload):
    name = "W1"
    what = "the seed's 2-2-1 sigmoid net, BCE, SGD, one sample: one training step"
    unit = "step"
    steps_per_run = 1
    max_growth_steps = None

    def setup(self):
        self.params0 = [np.array([[0.4352, 0.3545], [0.1951, 0.4835]]), np.array([-0.1419, 0.0439]),
                        np.array([[-0.1725, 0.1129]]), np.array([-0.3043])]
        self.params0 = [p.astype(np.float32) for p in self.params0]
        self.x = np.array([[1.0, 1.0]], dtype=np.float32)
        self.y = np.array([[0.0]], dtype=np.float32)

    def make(self, impl):
        if impl == "numpy":
            params = [p.copy() for p in self.params0]
            return (lambda: ref.seed_step(params, self.x, self.y, 1.0)), lambda: params
        lib = _import(impl)
        model = _mlp(lib, [2, 2, 1], lib.nn.Sigmoid, lib.nn.Sigmoid)
        params = _load(lib, model, self.params0)
        crit = lib.nn.BCELoss()
        opt = lib.optim.SGD(model.parameters(), lr=1.0)
        x, y = lib.tensor(self.x), lib.tensor(self.y)
        if impl == "compiled":
            compiled = chainrule.compile_step(model, crit, opt)
            return (lambda: compiled(x, y)), lambda: [_np(p) for p in params]

        def step():
            opt.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
        return step, lambda: [_np(p) for p in params]


class DigitsEpoch(Workload):
    name = "W2"
    what = "digits (1797x64), MLP 64-128-64-10 ReLU, cross-entropy, SGD momentum 0.9, batch 32: one epoch"
    unit = "epoch"
    steps_per_run = 57          # ceil(1797 / 32) batches
    max_growth_steps = None

    def setup(self):
        rng = np.random.default_rng(0)
        try:
            from sklearn.datasets import load_digits
            d = load_digits()
            self.X, self.labels = (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)
        except ImportError:  # same shapes, synthetic values
            self.X = rng.random((1797, 64)).astype(np.float32)
            self.labels = rng.integers(0, 10, 1797)
        self.params0 = _layers([64, 128, 64, 10], rng, np.float32)
        self.batches = [(self.X[i:i + 32], self.labels[i:i + 32]) for i in range(0, len(self.X), 32)]

    def make(self, impl):
        if impl == "numpy":
            params = [p.copy() for p in self.params0]
            bufs = [None] * len(params)

            def epoch():
                for xb, yb in self.batches:
                    ref.mlp_relu_ce_step(params, xb, yb, 0.05, 0.9, bufs)
            return epoch, lambda: params
        lib = _import(impl)
        model = _mlp(lib, [64, 128, 64, 10], lib.nn.ReLU)
        params = _load(lib, model, self.params0)
        crit = lib.nn.CrossEntropyLoss()
        opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        batches = [(lib.tensor(xb), lib.tensor(yb)) for xb, yb in self.batches]
        if impl == "compiled":
            compiled = chainrule.compile_step(model, crit, opt)

            def compiled_epoch():
                for xb, yb in batches:
                    compiled(xb, yb)
            return compiled_epoch, lambda: [_np(p) for p in params]

        def epoch():
            for xb, yb in batches:
                opt.zero_grad()
                crit(model(xb), yb).backward()
                opt.step()
        return epoch, lambda: [_np(p) for p in params]


class WideMLPStep(Workload):
    name = "W3"
    what = "MLP 784-1024-1024-10 ReLU, cross-entropy, SGD, batch 256, float32: one step"
    unit = "step"
    steps_per_run = 1
    max_growth_steps = 300      # ~15 ms a step: 10,000 would take minutes

    def setup(self):
        rng = np.random.default_rng(1)
        self.params0 = _layers([784, 1024, 1024, 10], rng, np.float32)
        self.x = rng.random((256, 784), dtype=np.float32)
        self.labels = rng.integers(0, 10, 256)

    def make(self, impl):
        if impl == "numpy":
            params = [p.copy() for p in self.params0]
            return (lambda: ref.mlp_relu_ce_step(params, self.x, self.labels, 0.01)), lambda: params
        lib = _import(impl)
        model = _mlp(lib, [784, 1024, 1024, 10], lib.nn.ReLU)
        params = _load(lib, model, self.params0)
        crit = lib.nn.CrossEntropyLoss()
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        x, y = lib.tensor(self.x), lib.tensor(self.labels)
        if impl == "compiled":
            compiled = chainrule.compile_step(model, crit, opt)
            return (lambda: compiled(x, y)), lambda: [_np(p) for p in params]

        def step():
            opt.zero_grad()
            crit(model(x), y).backward()
            opt.step()
        return step, lambda: [_np(p) for p in params]


WORKLOADS = [SeedStep, DigitsEpoch, WideMLPStep]


# ------------------------------------------------------------------------------------- harness
def _import(impl):
    if impl == "torch":
        import torch
        torch.set_num_threads(TORCH_THREADS[0] or os.cpu_count() or 1)
        return torch
    return chainrule


TORCH_THREADS = [None]     # --torch-threads (None: one per core)


def _np(p):
    return p.detach().numpy().copy()


def check_agreement(w, impls) -> dict:
    """Largest relative difference of the parameters after one step, each impl vs NumPy."""
    worst = {}
    _, get_ref = _one_step(w, "numpy")
    for impl in impls:
        if impl == "numpy":
            continue
        _, get = _one_step(w, impl)
        worst[impl] = max(float(np.max(np.abs(np.asarray(a, dtype=np.float64) - b) / (np.abs(b) + 1e-6)))
                          for a, b in zip(get(), get_ref()))
    return worst


def _one_step(w, impl):
    run, get = w.runner(impl)
    run()
    return run, get


def peak_memory(w, impl) -> int:
    run, _ = w.runner(impl)
    run()  # warm: first-step allocations (momentum buffers, grads) are part of steady state;
    run()  # a compiled step traces on the first call and makes its guard on the second
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    run()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def _live_graph_objects() -> int:
    from chainrule.autograd.function import Node
    return sum(1 for o in gc.get_objects() if issubclass(type(o), (chainrule.Tensor, Node)))


def memory_growth(w, steps: int) -> dict:
    """Train chainrule for ``steps`` steps; compare the memory Python and NumPy hold (tracemalloc) and the
    live Tensors + graph nodes after the first tenth and at the end."""
    if w.max_growth_steps is not None:
        steps = min(steps, w.max_growth_steps)
    runs = max(math.ceil(steps / w.steps_per_run), 2)
    run, _ = w.make("chainrule")
    warm = max(runs // 10, 1)
    tracemalloc.start()    # before the first step: what steady state holds (grads, buffers) is counted at both ends
    for _ in range(warm):
        run()
    gc.collect()
    mem0 = tracemalloc.get_traced_memory()[0]
    live0 = _live_graph_objects()
    for _ in range(runs - warm):
        run()
    gc.collect()
    mem1 = tracemalloc.get_traced_memory()[0]
    live1 = _live_graph_objects()
    tracemalloc.stop()
    growth = mem1 - mem0
    return {"steps": runs * w.steps_per_run, "traced_memory_growth_kb": growth / 2 ** 10,
            "live_tensors_and_nodes": [live0, live1], "flat": live1 <= live0 and growth < 64 * 2 ** 10}


def time_interleaved(w, repeats: int, impls, min_time: float = 0.2) -> dict:
    """Seconds per run of each implementation in each round, alternating in rounds of at least
    ``min_time`` each (long enough that the first run after a switch — page faults on memory the other
    one returned to the system — is a small part of a round); who goes first rotates."""
    runners = {impl: w.runner(impl)[0] for impl in impls}
    for run in runners.values():  # warm-up (a compiled step traces here)
        run()
    loops = {}
    for impl, run in runners.items():
        n, t = 1, 0.0
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                run()
            t = time.perf_counter() - t0
            if t >= min_time or n >= 1 << 16:
                break
            n *= 2
        loops[impl] = n
    samples = {impl: [] for impl in runners}
    order = list(runners)
    for r in range(repeats):
        for impl in order[r % len(order):] + order[:r % len(order)]:
            run = runners[impl]
            n = loops[impl]
            t0 = time.perf_counter()
            for _ in range(n):
                run()
            samples[impl].append((time.perf_counter() - t0) / n)
    return samples


def _quartiles(xs) -> tuple:
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return q[0], statistics.median(xs), q[2]


def time_workload(w, repeats: int, impls) -> dict:
    """Per implementation: the median time and its ratio to NumPy (median over rounds of the round's
    own ratio, with the quartiles as the spread), NumPy in every pass.

    Passes: NumPy with chainrule eager and compiled (one interleaved pass: the comparison this benchmark
    is about), then NumPy with PyTorch, then NumPy with the teaching engines.  Timing PyTorch in the same
    rounds as chainrule skews the comparison: after a PyTorch call its worker threads keep the cores
    busy for a while and its allocator changes how later large NumPy arrays are served, which slowed
    the NumPy reference by ~10 % on W3 here; each ratio is to the NumPy time of its own pass.
    """
    passes = [[i for i in ("chainrule", "compiled") if i in impls], [i for i in ("torch",) if i in impls],
              [i for i in impls if i in peers.PEERS]]
    out = {}
    for group in passes:
        if not group:
            continue
        samples = time_interleaved(w, repeats, ["numpy"] + group)
        base = samples["numpy"]
        for impl in group:
            ratios = [t / b for t, b in zip(samples[impl], base)]
            lo, mid, hi = _quartiles(ratios)
            out[impl] = {"median_ms": statistics.median(samples[impl]) * 1e3, "ratio": mid,
                         "ratio_quartiles": [lo, hi], "numpy_ms_in_pass": statistics.median(base) * 1e3}
        out.setdefault("numpy", {"median_ms": statistics.median(base) * 1e3, "ratio": 1.0,
                                 "ratio_quartiles": [1.0, 1.0]})
    return out


IMPLS = ["numpy", "chainrule", "compiled", "torch"]
#: the issue's targets (ratio to hand-written NumPy): eager, compiled
TARGETS = {"W1": (3.0, 1.5), "W2": (2.0, 1.2), "W3": (1.02, 1.02)}
MEMORY_TARGETS = (0.9, 1.1)
NAMES = {"numpy": "NumPy", "chainrule": "chainrule eager", "compiled": "chainrule compiled", "torch": "PyTorch",
         "micrograd": "micrograd", "mygrad": "MyGrad", "autograd": "HIPS autograd"}
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="workload names (W1 W2 W3)")
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--torch-threads", type=int, default=None,
                    help="PyTorch's intra-op threads (default: one per core; on a loaded machine 1 is fairer)")
    ap.add_argument("--growth-steps", type=int, default=10_000,
                    help="training steps for the memory-growth check (0 skips it)")
    ap.add_argument("--save", action="store_true",
                    help=f"write latest.json and latest.md into {RESULTS} (tracked: the numbers the docs quote)")
    ap.add_argument("--out", metavar="DIR", help="write latest.json and latest.md into DIR instead")
    args = ap.parse_args(argv)
    if args.save and args.out:
        ap.error("--save writes bench/results/; --out writes elsewhere: give one of them")
    missing = [name for name, module in (("PyTorch", "torch"), ("scikit-learn", "sklearn"))
               if importlib.util.find_spec(module) is None]
    if missing:
        print(f"bench/run.py compares chainrule with {' and '.join(missing)}, which "
              f"{'is' if len(missing) == 1 else 'are'} not installed: install the test extra, "
              f"python3 -m pip install -e '.[test]'", file=sys.stderr)
        return 2
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    if args.torch_threads is not None and args.torch_threads < 1:
        ap.error("--torch-threads must be at least 1")
    TORCH_THREADS[0] = args.torch_threads
    unknown = set(args.only or ()) - {cls.name for cls in WORKLOADS}
    if unknown:
        ap.error(f"unknown workload(s) {', '.join(sorted(unknown))}; choose from "
                 f"{', '.join(cls.name for cls in WORKLOADS)}")
    load_before = _load_average()
    rows = []
    for cls in WORKLOADS:
        if args.only and cls.name not in args.only:
            continue
        w = cls()
        w.setup()
        impls = [i for i in IMPLS + peers.installed() if i == "numpy" or w.runner(i) is not None]
        agree = check_agreement(w, impls)
        bad = {k: v for k, v in agree.items() if v > 1e-3}
        if bad:
            print(f"{w.name}: implementations disagree with NumPy after one step (max rel diff "
                  f"{', '.join(f'{k} {v:.2e}' for k, v in bad.items())})", file=sys.stderr)
            return 1
        timing = time_workload(w, args.repeats, impls)
        mem = {impl: peak_memory(w, impl) for impl in ("numpy", "chainrule", "compiled")}
        row = {"workload": w.name, "what": w.what, "unit": w.unit, "max_rel_diff_after_one_step": agree,
               "timing": timing,
               "median_ms": {k: v["median_ms"] for k, v in timing.items()},
               "ratio_to_numpy": {k: v["ratio"] for k, v in timing.items()},
               "peak_mem_mb": {k: v / 2 ** 20 for k, v in mem.items()},
               "peak_mem_ratio_to_numpy": {k: mem[k] / max(mem["numpy"], 1) for k in ("chainrule", "compiled")}}
        if args.growth_steps > 0:
            row["memory_growth"] = memory_growth(w, args.growth_steps)
        rows.append(row)
        print(_row_md(row, [c for c in NAMES if c in row['timing']]), flush=True)
    meta = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
            "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
            "PyTorch threads": args.torch_threads or os.cpu_count(),
            "load average (1 min) before / after": f"{load_before} / {_load_average()}",
            "OPENBLAS settings": " ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                                          if k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                   "OPENBLAS_NUM_THREADS")) or "none"}
    try:
        import torch
        meta["torch"] = torch.__version__
    except ImportError:
        pass
    out = RESULTS if args.save else args.out
    if out is None:
        print("\n" + to_markdown(rows, meta) + "\n(not saved: --save updates bench/results/latest.{json,md}, "
              "--out DIR writes them elsewhere)")
        return 0
    from chainrule.io.atomic import write_text as atomic_write_text
    os.makedirs(out, exist_ok=True)
    atomic_write_text(os.path.join(out, "latest.json"), json.dumps({"meta": meta, "rows": rows}, indent=2))
    atomic_write_text(os.path.join(out, "latest.md"), to_markdown(rows, meta))
    print(f"wrote {os.path.join(out, 'latest.json')} and latest.md")
    return 0


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def _cell(r, impl) -> str:
    t = r["timing"].get(impl)
    if t is None:
        return "—"
    if impl == "numpy":
        return f"{t['median_ms']:.3f} ms"
    lo, hi = t["ratio_quartiles"]
    return f"{t['median_ms']:.3f} ms ({t['ratio']:.2f}x; {lo:.2f}–{hi:.2f})"


def _met(value, target) -> str:
    return f"≤ {target}x: {'yes' if value <= target else 'no'}"


def _row_md(r, columns) -> str:
    eager_t, comp_t = TARGETS.get(r["workload"], (None, None))
    q = r["ratio_to_numpy"]
    targets = (f"eager {_met(q['chainrule'], eager_t)}, compiled {_met(q['compiled'], comp_t)}"
               if eager_t else "")
    return f"| {r['workload']} | " + " | ".join(_cell(r, c) for c in columns) + f" | {targets} |"


def to_markdown(rows, meta) -> str:
    columns = ["numpy", "chainrule", "compiled", "torch"] + [p for p in peers.PEERS
                                                             if any(p in r["timing"] for r in rows)]
    head = ("| workload | " + " | ".join(NAMES[c] for c in columns) + " | targets met? |\n"
            "|" + "---|" * (len(columns) + 2) + "\n")
    body = "\n".join(_row_md(r, columns) for r in rows)
    mem = "\n".join(
        f"| {r['workload']} | {r['peak_mem_mb']['numpy']:.2f} MB | {r['peak_mem_ratio_to_numpy']['chainrule']:.2f}x | "
        f"{r['peak_mem_ratio_to_numpy']['compiled']:.2f}x |" for r in rows)
    legend = "\n".join(f"- {r['workload']}: {r['what']} (median per {r['unit']})" for r in rows)
    growth = "\n".join(
        f"- {r['workload']}: {g['steps']:,} training steps: live Tensors and graph nodes "
        f"{g['live_tensors_and_nodes'][0]} → {g['live_tensors_and_nodes'][1]}, memory held "
        f"{g['traced_memory_growth_kb']:+.1f} KB — {'flat' if g['flat'] else 'GROWING'}"
        for r in rows if (g := r.get("memory_growth")))
    env = ", ".join(f"{k} {v}" for k, v in meta.items())
    text = (head + body + "\n\nEach cell: median time, and in brackets the median over rounds of (time / NumPy's time "
            "in the same round) with its quartiles.  NumPy, chainrule eager and compiled alternate in one pass; "
            "PyTorch is timed against NumPy in a second pass and the teaching engines in a third (PyTorch's "
            "threads and allocator slow whatever runs right after it).\n\n"
            "| workload | NumPy peak memory | chainrule eager / NumPy | compiled / NumPy |\n|---|---|---|---|\n"
            + mem + "\n\n" + legend)
    if growth:
        text += "\n\nMemory growth (chainrule; counted after the first tenth of the steps and at the end):\n" + growth
    return text + f"\n\nMeasured on: {env}.\n"


if __name__ == "__main__":
    sys.exit(main())
