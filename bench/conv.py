"""Benchmark: a LeNet-5 training step (batch 64, 1×28×28, SGD) in chainrule, PyTorch and hand-written NumPy.

    python3 bench/conv.py                 # prints the table
    python3 bench/conv.py --write         # also writes bench/results/conv.md
    python3 bench/conv.py --repeats 21

Same harness as bench/run.py (its interleaved rounds, medians and tracemalloc peak): the three
implementations start from one set of weights and must agree after one step; chainrule and NumPy are
timed in alternating rounds, PyTorch against NumPy in its own pass.  Targets (issue 13): chainrule
within 1.5× of PyTorch, and its peak memory within 1.5× of the hand-written NumPy step.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_conv_reference as ref  # noqa: E402
import run as harness  # noqa: E402

NAMES = ["c1.weight", "c1.bias", "c2.weight", "c2.bias", "f3.weight", "f3.bias", "f4.weight", "f4.bias",
         "f5.weight", "f5.bias"]


def lenet5(lib):
    nn = lib.nn
    from collections import OrderedDict
    return nn.Sequential(OrderedDict([
        ("c1", nn.Conv2d(1, 6, 5, padding=2)), ("r1", nn.ReLU()), ("s1", nn.MaxPool2d(2)),
        ("c2", nn.Conv2d(6, 16, 5)), ("r2", nn.ReLU()), ("s2", nn.MaxPool2d(2)), ("flat", nn.Flatten()),
        ("f3", nn.Linear(400, 120)), ("r3", nn.ReLU()), ("f4", nn.Linear(120, 84)), ("r4", nn.ReLU()),
        ("f5", nn.Linear(84, 10))]))


class LeNet5Step(harness.Workload):
    name = "C1"
    what = "LeNet-5 (conv 1→6 k5 p2, pool, conv 6→16 k5, pool, 400-120-84-10), cross-entropy, SGD, batch 64, float32: one step"
    unit = "step"
    steps_per_run = 1
    max_growth_steps = 300

    def setup(self):
        rng = np.random.default_rng(0)
        shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,), (10, 84), (10,)]
        self.params0 = []
        for i, s in enumerate(shapes):
            fan_in = int(np.prod(shapes[i - (i % 2)][1:]))
            bound = 1 / np.sqrt(fan_in)
            self.params0.append(rng.uniform(-bound, bound, s).astype(np.float32))
        self.x = rng.random((64, 1, 28, 28), dtype=np.float32)
        self.labels = rng.integers(0, 10, 64)

    def make(self, impl):
        if impl == "numpy":
            params = [p.copy() for p in self.params0]
            return (lambda: ref.lenet5_step(params, self.x, self.labels, 0.01)), lambda: params
        lib = harness._import(impl)
        model = lenet5(lib)
        model.load_state_dict({k: lib.tensor(v.copy()) for k, v in zip(NAMES, self.params0)})
        crit = lib.nn.CrossEntropyLoss()
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        x, y = lib.tensor(self.x), lib.tensor(self.labels)
        params = dict(model.named_parameters())

        def step():
            opt.zero_grad()
            crit(model(x), y).backward()
            opt.step()
        return step, lambda: [harness._np(params[k]) for k in NAMES]


def measure(repeats: int, growth_steps: int) -> dict:
    w = LeNet5Step()
    w.setup()
    agree = harness.check_agreement(w)
    if agree > 1e-3:
        raise SystemExit(f"{w.name}: implementations disagree after one step (max rel diff {agree:.2e})")
    med = harness.time_workload(w, repeats)
    mem = {impl: harness.peak_memory(w, impl) for impl in ("numpy", "chainrule")}
    to_numpy = {"chainrule": med["chainrule"] / med["numpy"], "torch": med["torch"] / med["numpy_in_torch_pass"]}
    row = {"workload": w.name, "what": w.what, "max_rel_diff_after_one_step": agree,
           "median_ms": {k: v * 1e3 for k, v in med.items()}, "ratio_to_numpy": to_numpy,
           "chainrule_over_torch": to_numpy["chainrule"] / to_numpy["torch"],
           "peak_mem_mb": {k: v / 2 ** 20 for k, v in mem.items()},
           "peak_mem_ratio_chainrule_to_numpy": mem["chainrule"] / max(mem["numpy"], 1)}
    if growth_steps:
        row["memory_growth"] = harness.memory_growth(w, growth_steps)
    return row


def to_markdown(row, meta) -> str:
    m, q = row["median_ms"], row["ratio_to_numpy"]
    speed_ok = row["chainrule_over_torch"] <= 1.5
    mem_ok = row["peak_mem_ratio_chainrule_to_numpy"] <= 1.5
    lines = [
        "| workload | hand-written NumPy | chainrule (ratio) | PyTorch (ratio) | chainrule / PyTorch | peak memory chainrule / NumPy |",
        "|---|---|---|---|---|---|",
        f"| {row['workload']} | {m['numpy']:.2f} ms | {m['chainrule']:.2f} ms ({q['chainrule']:.2f}x) | "
        f"{m['torch']:.2f} ms ({q['torch']:.2f}x) | {row['chainrule_over_torch']:.2f}x "
        f"({'within' if speed_ok else 'OVER'} the 1.5x target) | {row['peak_mem_ratio_chainrule_to_numpy']:.2f}x "
        f"({row['peak_mem_mb']['chainrule']:.1f} / {row['peak_mem_mb']['numpy']:.1f} MB; "
        f"{'within' if mem_ok else 'OVER'} the 1.5x target) |",
        "", f"- {row['workload']}: {row['what']} (median per step)",
        "- ratios in brackets are to hand-written NumPy (bench/numpy_conv_reference.py); chainrule / PyTorch is "
        "the ratio of those two ratios (each timed in its own pass against NumPy, as bench/run.py does).",
        "- peak memory is what one step allocates after a warm-up step (tracemalloc, as bench/run.py): chainrule's reused im2col work arrays (ops/conv.py `Scratch`, ~13 MB for LeNet-5 at batch 64) were allocated in the warm-up and are not counted, while the NumPy reference allocates its columns afresh each step; counted together chainrule holds about as much as NumPy's peak.",
    ]
    g = row.get("memory_growth")
    if g:
        lines.append(f"- memory growth over {g['steps']} chainrule steps: live Tensors and graph nodes "
                     f"{g['live_tensors_and_nodes'][0]} → {g['live_tensors_and_nodes'][1]}, memory held "
                     f"{g['traced_memory_growth_kb']:+.1f} KB — {'flat' if g['flat'] else 'GROWING'}")
    env = ", ".join(f"{k} {v}" for k, v in meta.items())
    return "\n".join(lines) + f"\n\nMeasured on: {env}.\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--growth-steps", type=int, default=0, help="chainrule steps for the memory-growth check")
    ap.add_argument("--write", action="store_true", help="write bench/results/conv.md")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    load_before = harness._load_average()
    row = measure(args.repeats, args.growth_steps)
    import torch
    meta = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "machine": platform.machine(), "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
            "load average (1 min) before / after": f"{load_before} / {harness._load_average()}"}
    text = to_markdown(row, meta)
    print(text)
    if args.write:
        from chainrule.io.atomic import write_text
        os.makedirs(args.out, exist_ok=True)
        write_text(os.path.join(args.out, "conv.md"), "# Convolution benchmark\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
