"""How a training step's cost grows with width, depth and batch size: chainrule vs hand-written NumPy.

    python3 bench/scaling.py            # prints a Markdown table (writes nothing)
    python3 bench/scaling.py --save     # ... and updates the tracked bench/results/scaling.md
    python3 bench/scaling.py --out DIR  # ... or writes scaling.md under another folder

One step = forward, backward and an SGD update of a ReLU MLP with a cross-entropy loss (float32, 10
classes), the same work as W2/W3.  Each row varies one of width, depth (hidden layers) or batch size
from the base (width 128, depth 2, batch 64).  Times are medians of interleaved rounds.  The ratio
column shows where chainrule's fixed per-op cost matters (small work per op) and where the matrix
multiplications dominate and both run at BLAS speed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_reference as ref  # noqa: E402

import chainrule  # noqa: E402

BASE = dict(width=128, depth=2, batch=64)
SWEEPS = {"width": [16, 64, 256, 1024], "depth": [1, 2, 4, 8], "batch": [1, 16, 128, 1024]}
N_IN, N_CLASSES = 64, 10


def _setup(width, depth, batch, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [N_IN] + [width] * depth + [N_CLASSES]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rng.random((batch, N_IN), dtype=np.float32)
    labels = rng.integers(0, N_CLASSES, batch)
    return sizes, params, x, labels


def numpy_step(params, x, labels):
    params = [p.copy() for p in params]
    return lambda: ref.mlp_relu_ce_step(params, x, labels, 0.01)


def chainrule_step(sizes, params, x, labels):
    nn = chainrule.nn
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with chainrule.no_grad():
        for i, lin in enumerate(linears):
            lin.weight.copy_(chainrule.tensor(params[2 * i].copy()))
            lin.bias.copy_(chainrule.tensor(params[2 * i + 1].copy()))
    opt = chainrule.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = chainrule.tensor(x), chainrule.tensor(labels)

    def step():
        opt.zero_grad()
        loss_fn(model(xt), yt).backward()
        opt.step()
    return step


def _median_ms(runs: dict, repeats: int, min_time: float) -> dict:
    loops = {}
    for name, run in runs.items():
        run()
        n = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                run()
            if time.perf_counter() - t0 >= min_time or n >= 1 << 14:
                break
            n *= 2
        loops[name] = n
    samples = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            t0 = time.perf_counter()
            for _ in range(loops[name]):
                run()
            samples[name].append((time.perf_counter() - t0) / loops[name] * 1e3)
    return {name: statistics.median(s) for name, s in samples.items()}


def measure(repeats: int = 5, min_time: float = 0.02):
    rows = []
    for what, values in SWEEPS.items():
        for v in values:
            cfg = dict(BASE, **{what: v})
            sizes, params, x, labels = _setup(**cfg)
            med = _median_ms({"numpy": numpy_step(params, x, labels),
                              "chainrule": chainrule_step(sizes, params, x, labels)}, repeats, min_time)
            flops = 6 * cfg["batch"] * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))   # fwd 2, bwd 4
            rows.append(dict(varied=what, **cfg, numpy_ms=med["numpy"], chainrule_ms=med["chainrule"],
                             ratio=med["chainrule"] / med["numpy"], mflop=flops / 1e6))
            print(_row(rows[-1]), flush=True)
    return rows


HEAD = ("| varied | width | depth | batch | MFLOP/step | NumPy ms | chainrule ms | chainrule / NumPy |\n"
        "|---|---|---|---|---|---|---|---|")


def _row(r) -> str:
    return (f"| {r['varied']} | {r['width']} | {r['depth']} | {r['batch']} | {r['mflop']:.2f} | "
            f"{r['numpy_ms']:.3f} | {r['chainrule_ms']:.3f} | {r['ratio']:.2f}x |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--save", action="store_true", help="update the tracked bench/results/scaling.md")
    ap.add_argument("--out", metavar="DIR", help="write scaling.md into DIR instead")
    args = ap.parse_args(argv)
    if args.save and args.out:
        ap.error("--save writes bench/results/; --out writes elsewhere: give one of them")
    print(HEAD)
    rows = measure(args.repeats)
    text = (HEAD + "\n" + "\n".join(_row(r) for r in rows) + "\n\n"
            f"Base: width {BASE['width']}, depth {BASE['depth']}, batch {BASE['batch']}; {N_IN} inputs, "
            f"{N_CLASSES} classes, float32, ReLU, cross-entropy, SGD; medians of {args.repeats} interleaved "
            f"rounds (`python3 bench/scaling.py`).\n")
    folder = (os.path.join(os.path.dirname(os.path.abspath(__file__)), "results") if args.save else args.out)
    if folder is None:
        print("\n(not saved: --save updates bench/results/scaling.md, --out DIR writes it elsewhere)")
        return 0
    os.makedirs(folder, exist_ok=True)
    from chainrule.io.atomic import write_text
    write_text(os.path.join(folder, "scaling.md"), text)
    print(f"\nwrote {os.path.join(folder, 'scaling.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
