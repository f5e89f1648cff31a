"""Benchmark: one LSTM training step in chainrule, PyTorch and hand-written NumPy, in one run.

    python3 bench/rnn.py                     # prints the table
    python3 bench/rnn.py --repeats 21 --write   # also writes bench/results/rnn.{json,md}
    python3 bench/rnn.py --torch-threads 1      # PyTorch on one thread (a loaded machine)

The work (issue 13's target): ``nn.LSTM(32, 128)`` over a sequence of 32 steps, batch 32, float32, then
``nn.Linear(128, 1)`` on the last step, MSE against a target, backward, one SGD step.  The NumPy version
is the same computation written by hand (the input projection for all steps in one product, the time
loop forward, back-propagation through time, the update), so the chainrule/NumPy ratio is the cost of
the framework.  The three are checked to agree after one step; timing uses bench/run.py's harness
(chainrule and NumPy in alternating rounds, then PyTorch against NumPy in its own pass; medians).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as harness  # noqa: E402


T, B, IN, H = 32, 32, 32, 128
LR = 0.1


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def numpy_lstm_step(p, x, y, lr):
    """Forward, BPTT and SGD for LSTM(IN, H) → Linear(H, 1) → MSE, by hand.  p: [W_ih, W_hh, b_ih, b_hh, W, b]."""
    w_ih, w_hh, b_ih, b_hh, w, b = p
    gi = (x.reshape(T * B, IN) @ w_ih.T + (b_ih + b_hh)).reshape(T, B, 4 * H)
    h = np.zeros((B, H), np.float32)
    c = np.zeros((B, H), np.float32)
    cache = []
    for t in range(T):
        g = gi[t] + h @ w_hh.T
        i, f, o = _sigmoid(g[:, :H]), _sigmoid(g[:, H:2 * H]), _sigmoid(g[:, 3 * H:])
        gg = np.tanh(g[:, 2 * H:3 * H])
        c_prev, h_prev = c, h
        c = f * c + i * gg
        tc = np.tanh(c)
        h = o * tc
        cache.append((i, f, gg, o, c_prev, tc, h_prev))
    pred = h @ w.T + b
    diff = pred - y
    dpred = (2.0 / diff.size) * diff
    dw, db = dpred.T @ h, dpred.sum(0)
    dh = dpred @ w
    dc = np.zeros_like(c)
    dgates = np.empty((T, B, 4 * H), np.float32)
    dw_hh = np.zeros_like(w_hh)
    for t in reversed(range(T)):
        i, f, gg, o, c_prev, tc, h_prev = cache[t]
        do = dh * tc
        dc = dc + dh * o * (1 - tc * tc)
        di, dgg, df = dc * gg, dc * i, dc * c_prev
        dc = dc * f
        dg = dgates[t]
        dg[:, :H] = di * i * (1 - i)
        dg[:, H:2 * H] = df * f * (1 - f)
        dg[:, 2 * H:3 * H] = dgg * (1 - gg * gg)
        dg[:, 3 * H:] = do * o * (1 - o)
        dw_hh += dg.T @ h_prev
        dh = dg @ w_hh
    flat = dgates.reshape(T * B, 4 * H)
    dw_ih = flat.T @ x.reshape(T * B, IN)
    dbias = flat.sum(0)
    for param, grad in zip(p, (dw_ih, dw_hh, dbias, dbias, dw, db)):
        param -= lr * grad


class LSTMStep(harness.Workload):
    name = "R1"
    what = (f"LSTM({IN}, {H}) over {T} steps, batch {B}, float32, Linear({H}, 1) on the last step, MSE, SGD: "
            f"one training step")
    unit = "step"
    steps_per_run = 1
    max_growth_steps = 200

    def setup(self):
        rng = np.random.default_rng(0)
        bound = 1 / np.sqrt(H)
        self.params0 = [rng.uniform(-bound, bound, s).astype(np.float32)
                        for s in ((4 * H, IN), (4 * H, H), (4 * H,), (4 * H,), (1, H), (1,))]
        self.x = rng.standard_normal((T, B, IN)).astype(np.float32)
        self.y = rng.standard_normal((B, 1)).astype(np.float32)

    def make(self, impl):
        if impl == "numpy":
            params = [p.copy() for p in self.params0]
            return (lambda: numpy_lstm_step(params, self.x, self.y, LR)), lambda: params
        lib = harness._import(impl)
        lstm, head = lib.nn.LSTM(IN, H), lib.nn.Linear(H, 1)
        params = [lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0, head.weight, head.bias]
        with lib.no_grad():
            for p, v in zip(params, self.params0):
                p.copy_(lib.tensor(v.copy()))
        opt = lib.optim.SGD(params, lr=LR)
        crit = lib.nn.MSELoss()
        x, y = lib.tensor(self.x), lib.tensor(self.y)

        def step():
            opt.zero_grad()
            out, _ = lstm(x)
            crit(head(out[-1]), y).backward()
            opt.step()
        return step, lambda: [harness._np(p) for p in params]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--write", action="store_true", help="write bench/results/rnn.json and rnn.md")
    ap.add_argument("--torch-threads", type=int, default=None,
                    help="PyTorch's intra-op threads (default: bench/run.py's, one per core); 1 is fairer on a "
                         "loaded machine, where extra threads only wait for a core")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    if args.torch_threads is not None:
        if args.torch_threads < 1:
            ap.error("--torch-threads must be at least 1")
        plain_import = harness._import

        def _import(impl):
            lib = plain_import(impl)
            if impl == "torch":
                lib.set_num_threads(args.torch_threads)
            return lib
        harness._import = _import
    load_before = harness._load_average()
    w = LSTMStep()
    w.setup()
    agree = harness.check_agreement(w)
    if agree > 1e-3:
        print(f"{w.name}: implementations disagree after one step (max rel diff {agree:.2e})", file=sys.stderr)
        return 1
    med = harness.time_workload(w, args.repeats)
    mem = {impl: harness.peak_memory(w, impl) for impl in ("numpy", "chainrule")}
    row = {"workload": w.name, "what": w.what, "unit": w.unit, "max_rel_diff_after_one_step": agree,
           "median_ms": {k: v * 1e3 for k, v in med.items()},
           "ratio_to_numpy": {"numpy": 1.0, "chainrule": med["chainrule"] / med["numpy"],
                              "torch": med["torch"] / med["numpy_in_torch_pass"]},
           "ratio_chainrule_to_torch": med["chainrule"] / med["torch"],
           "peak_mem_mb": {k: v / 2 ** 20 for k, v in mem.items()},
           "peak_mem_ratio_chainrule_to_numpy": mem["chainrule"] / max(mem["numpy"], 1)}
    meta = {"numpy": np.__version__, "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
            "load average (1 min) before / after": f"{load_before} / {harness._load_average()}",
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
            "torch threads": args.torch_threads or os.cpu_count()}
    try:
        import torch
        meta["torch"] = torch.__version__
    except ImportError:
        pass
    text = (harness.to_markdown([row], meta).rstrip("\n")
            + f"\n\nchainrule / PyTorch: {row['ratio_chainrule_to_torch']:.2f}x (target: within 2x).\n")
    print(text)
    if args.write:
        from chainrule.io.atomic import write_text
        os.makedirs(args.out, exist_ok=True)
        write_text(os.path.join(args.out, "rnn.json"), json.dumps({"meta": meta, "rows": [row]}, indent=2))
        write_text(os.path.join(args.out, "rnn.md"), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
