"""Benchmark: one step of the playground's training on the moons network, on the server.

    python3 bench/playground.py            # prints the table
    python3 bench/playground.py --write    # also writes bench/results/playground.md

The moons network: 500 points, 2-8-8-1 with tanh, BCE, Adam (lr 0.01), batch 32 — the page's moons
setting.  Timed: ``Session.step(1)`` (snapshot for the derivation, forward, loss, backward, optimizer step,
gradient norms), and one animation frame as the page asks for it (``POST /api/<id>/step`` with n = 1,
through Flask's test client: the step plus the state it returns — weights, gradients, the 48 × 48
decision boundary, the loss and accuracy on all the data).  Target (issue 17): a step under 5 ms, so
60 updates a second are possible.  Medians over rounds; the machine's load shows in the spread.  Once an
epoch (every 16 steps here) a step also draws the epoch's batch order, ``randperm(500)`` — timed apart.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

MOONS = {"dataset": "moons", "n": 500, "hidden": [8, 8], "activations": ["tanh", "tanh"], "loss": "bce",
         "optimizer": "adam", "lr": 0.01, "batch_size": 32, "seed": 0}


def median_ms(fn, rounds: int, per_round: int) -> tuple:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per_round):
            fn()
        times.append((time.perf_counter() - t0) / per_round * 1000)
    return statistics.median(times), min(times), max(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--write", action="store_true")
    args = p.parse_args(argv)
    from chainrule.playground.config import Config
    from chainrule.playground.server import create_app
    from chainrule.playground.session import Session
    s = Session.from_config(Config(**MOONS))
    s.step(50)                                            # warm
    step = median_ms(lambda: s.step(1), args.rounds, 100)
    c = create_app().test_client()
    sid = c.post("/api/session").json["id"]
    c.post(f"/api/{sid}/build", json=MOONS)
    since = [0]

    def frame():
        r = c.post(f"/api/{sid}/step?since={since[0]}", json={"n": 1})
        since[0] = r.json["step"]
    frame()
    req = median_ms(frame, args.rounds, 20)
    from chainrule.playground import network
    epochs = iter(range(10**6))
    perm = median_ms(lambda: network.permutation(0, next(epochs), 500), args.rounds, 5)
    rows = [("Session.step(1)", step), ("randperm(500), once an epoch", perm), ("POST /step (n = 1) + state", req)]
    lines = ["# Playground: one training step on the moons network (2-8-8-1 tanh, BCE, Adam, batch 32)", "",
             f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
             f"{args.rounds} rounds; target: a step under 5 ms", "",
             "| what | median ms | min | max | under 5 ms |", "|---|---|---|---|---|"]
    for name, (med, lo, hi) in rows:
        lines.append(f"| {name} | {med:.3f} | {lo:.3f} | {hi:.3f} | {'yes' if med < 5 else 'NO'} |")
    lines += ["", "The step is the target; the frame (a step and everything the page draws) and the once-an-epoch "
                  "permutation are listed to show where the rest of an animation frame goes."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "playground.md")
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
