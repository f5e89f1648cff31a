"""Shared helpers of the explain tests: the same network in chainrule and PyTorch, the CLI runner."""
from __future__ import annotations

import io
import contextlib

import numpy as np

import chainrule


def run_cli(*argv):
    """Run ``chainrule`` in-process; return (exit code, stdout, stderr)."""
    from chainrule.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def build(lib, spec, weights, dtype):
    """``spec``: list of ("linear", in, out) / activation class names; weights: list of (W, b) arrays."""
    mods, it = [], iter(weights)
    for item in spec:
        if isinstance(item, tuple):
            lin = lib.nn.Linear(item[1], item[2]).to(dtype)
            W, b = next(it)
            with lib.no_grad():
                lin.weight.copy_(lib.tensor(W, dtype=dtype))
                lin.bias.copy_(lib.tensor(b, dtype=dtype))
            mods.append(lin)
        else:
            mods.append(getattr(lib.nn, item)())
    return lib.nn.Sequential(*mods)


def twin_step(spec, loss, opt, opt_kw, x, y, *, steps=1, dtype="float64", seed=0, loss_kw=None, **explain_kw):
    """Explain step ``steps`` in chainrule; run the same steps in PyTorch. Returns (solution, torch data)."""
    import torch
    from chainrule.explain import explain_step
    rng = np.random.default_rng(seed)
    weights = [(rng.normal(0, 0.6, (o, i)), rng.normal(0, 0.3, o)) for (_, i, o) in
               [s for s in spec if isinstance(s, tuple)]]
    cdt, tdt = getattr(chainrule, dtype), getattr(torch, dtype)
    cm, tm = build(chainrule, spec, weights, cdt), build(torch, spec, weights, tdt)
    is_ce = loss == "CrossEntropyLoss" and np.asarray(y).dtype.kind in "iu"
    loss_kw = loss_kw or {}
    cx, tx = chainrule.tensor(x, dtype=cdt), torch.tensor(x, dtype=tdt)
    cy = chainrule.tensor(y) if is_ce else chainrule.tensor(y, dtype=cdt)
    ty = torch.tensor(y) if is_ce else torch.tensor(y, dtype=tdt)
    copt = getattr(chainrule.optim, opt)(cm.parameters(), **opt_kw)
    topt = getattr(torch.optim, opt)(tm.parameters(), **opt_kw)
    sol = explain_step(cm, getattr(chainrule.nn, loss)(**loss_kw), copt, cx, cy, step=steps, **explain_kw)
    tcrit = getattr(torch.nn, loss)(**loss_kw)
    for _ in range(steps):
        topt.zero_grad()
        tloss = tcrit(tm(tx), ty)
        tloss.backward()
        grads = [(m.weight.grad.numpy().copy(), m.bias.grad.numpy().copy()) for m in tm
                 if isinstance(m, torch.nn.Linear)]
        topt.step()
    after = [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in tm if isinstance(m, torch.nn.Linear)]
    return sol, {"loss": float(tloss.detach()), "grads": grads, "after": after}


def fmt(v, d=4) -> str:
    """A number as the text renderer writes it (ASCII minus, no ``-0.0000``)."""
    s = f"{v:.{d}f}"
    if s.startswith("-") and s.strip("-0.") != "":
        return s
    return s.lstrip("-")
