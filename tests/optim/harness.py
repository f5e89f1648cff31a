"""Train the same tiny model with a chainrule optimizer and the matching PyTorch optimizer, step by step.

The model is a 4→3→2 tanh network written with plain tensor ops (no nn needed): identical initial weights,
identical batches, ``steps`` updates; after every step the parameters (and the loss) must agree.
"""
from __future__ import annotations

import numpy as np
import torch

import chainrule
from oracle import assert_close

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


def initial_arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (3,), (2, 3), (2,)]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def batches(dtype, steps, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((5, 4)).astype(dtype), rng.standard_normal((5, 2)).astype(dtype))
            for _ in range(steps)]


def loss_fn(params, x, y):
    w1, b1, w2, b2 = params
    h = (x @ w1.T + b1).tanh()
    out = h @ w2.T + b2
    return ((out - y) * (out - y)).mean()


def make_params(lib, arrays):
    return [lib.tensor(a.copy(), requires_grad=True) for a in arrays]


def train(lib, opt, params, data, sched=None, plateau=False):
    """Run one step per batch; return the list of losses."""
    losses = []
    for x, y in data:
        opt.zero_grad()
        loss = loss_fn(params, lib.tensor(x), lib.tensor(y))
        # with maximize=True the optimizer climbs: give it the negated loss so training stays stable
        (-loss if opt.param_groups[0].get("maximize") else loss).backward()
        opt.step()
        if sched is not None:
            sched.step(loss.item()) if plateau else sched.step()
        losses.append(loss.item())
    return losses


def groups_for(params, group_opts):
    """``group_opts=None`` → plain param list; else split params into groups with per-group options."""
    if group_opts is None:
        return params
    return [dict(params=params[:2], **group_opts[0]), dict(params=params[2:], **group_opts[1])]


def compare_training(name, kwargs, dtype=np.float64, steps=20, group_opts=None):
    arrays = initial_arrays(dtype)
    data = batches(dtype, steps)
    ours = make_params(chainrule, arrays)
    theirs = make_params(torch, arrays)
    opt_c = getattr(chainrule.optim, name)(groups_for(ours, group_opts), **kwargs)
    opt_t = getattr(torch.optim, name)(groups_for(theirs, group_opts), **kwargs)
    for step, (x, y) in enumerate(data):
        train(chainrule, opt_c, ours, [(x, y)])
        train(torch, opt_t, theirs, [(x, y)])
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_close(a.detach(), b.detach(), f"{name}{kwargs} step {step + 1} param {i}", **TOL[dtype])
    return opt_c, opt_t, ours, theirs


def to_torch_state(sd):
    """A chainrule optimizer state dict with its tensors turned into torch tensors."""
    return {"state": {k: {n: (torch.tensor(v.detach().numpy().copy()) if isinstance(v, chainrule.Tensor) else v)
                          for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


def to_chainrule_state(sd):
    return {"state": {k: {n: (chainrule.tensor(v.detach().numpy().copy()) if isinstance(v, torch.Tensor) else v)
                          for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}
