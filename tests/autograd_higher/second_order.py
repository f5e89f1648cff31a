"""Second derivatives against PyTorch: ∂/∂x ⟨w, ∂⟨u, f(x)⟩/∂x⟩ computed with create_graph=True on both sides."""
from __future__ import annotations

import numpy as np
import torch

import chainrule
from oracle import assert_close


def second_order(fn, arrays, seed=0, rtol=None, atol=None, grad_mask=None):
    """Compare f(x), its gradient (built with create_graph=True) and the gradient of a weighted sum
    of that gradient, for every float input, with PyTorch."""
    rng = np.random.default_rng(seed)
    results = []
    for lib in (chainrule, torch):
        ins = []
        for k, a in enumerate(arrays):
            a = np.asarray(a)
            t = lib.tensor(a.copy())
            if a.dtype.kind == "f" and (grad_mask is None or grad_mask[k]):
                t.requires_grad_(True)
            ins.append(t)
        results.append((lib, ins))
    outs = {}
    for lib, ins in results:
        out = fn(lib, *ins)
        diff = [t for t in ins if t.requires_grad]
        r = np.random.default_rng(seed)
        u = lib.tensor(r.standard_normal(tuple(out.shape)).astype(_np(out).dtype))
        gs = lib.autograd.grad((out * u).sum(), diff, create_graph=True, allow_unused=True)
        ws = [lib.tensor(r.standard_normal(tuple(t.shape)).astype(_np(t).dtype)) for t in diff]
        total = sum((g * w).sum() for g, w in zip(gs, ws) if g is not None and g.requires_grad)
        if isinstance(total, int):
            hs = [None] * len(diff)
        else:
            hs = lib.autograd.grad(total, diff, allow_unused=True)
        outs[lib.__name__] = (out, gs, hs)
    del rng
    (o1, g1, h1), (o2, g2, h2) = outs["chainrule"], outs["torch"]
    assert_close(o1, o2, "output", rtol, atol)
    for k, (a, b) in enumerate(zip(g1, g2)):
        if b is None:
            assert a is None or not np.any(_np(a)), f"first derivative {k}: torch has none"
            continue
        assert_close(a, b, f"first derivative {k}", rtol, atol)
    for k, (a, b) in enumerate(zip(h1, h2)):
        if b is None:
            assert a is None or not np.any(_np(a)), f"second derivative {k}: torch has none, chainrule {a}"
            continue
        assert a is not None, f"second derivative {k}: chainrule has none, torch {b}"
        assert_close(a, b, f"second derivative {k}", rtol, atol)


def _np(t):
    return t.detach().numpy()
