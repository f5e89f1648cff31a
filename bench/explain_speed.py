"""How long ``chainrule explain`` takes (issue 10's speed targets), measured, not asserted:

    python3 bench/explain_speed.py            # median of 5 runs each, in-process (imports warm)

* the lecture's example (target < 0.5 s from the command line; a cold start adds Python's imports);
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
import sys
import tempfile
import time

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


def main() -> int:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    with tempfile.TemporaryDirectory() as d:
        mlp, chain = os.path.join(d, "mlp.py"), os.path.join(d, "chain.py")
        for path, text in ((mlp, MLP), (chain, CHAIN)):
            with open(path, "w") as f:
                f.write(text)
        timed(["explain"], 1)                                   # warm the imports
        rows = [("lecture", timed(["explain"]), 0.5), ("784-128-10, batch 64", timed(["explain", mlp]), 2.0),
                ("10,000-node graph (summarised)", timed(["explain", chain], 3), 5.0)]
    print(f"load average {os.getloadavg()[0]:.2f}")
    for name, t, target in rows:
        print(f"{name:34s} {t:6.2f} s   (target < {target:g} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
