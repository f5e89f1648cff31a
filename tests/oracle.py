"""PyTorch as the oracle: run the same function in chainrule and in PyTorch and compare.

    compare(lambda lib, x, y: lib.matmul(x, y).sigmoid().sum(), a, b)

``fn(lib, *tensors)`` is called once with ``lib=chainrule`` and once with ``lib=torch``; the tensors are
built from the same NumPy arrays.  Forward values and the gradients of every float input are compared:
float64 to 1e-10, float32 to ~1e-5 relative.  Non-scalar outputs are reduced with a fixed random
weighting before backward, so every output element's gradient is checked.
"""
from __future__ import annotations

import numpy as np
import torch

import chainrule

TOL = {np.dtype(np.float64): dict(rtol=1e-10, atol=1e-10), np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6)}


def tol_for(dtype) -> dict:
    return TOL.get(np.dtype(dtype), dict(rtol=0, atol=0))


def as_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, chainrule.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_close(ours, theirs, what: str = "value", rtol=None, atol=None) -> None:
    a, b = as_numpy(ours), as_numpy(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} (chainrule) != {b.shape} (torch)"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} (chainrule) != {b.dtype} (torch)"
    t = tol_for(b.dtype)
    np.testing.assert_allclose(a, b, rtol=t["rtol"] if rtol is None else rtol,
                               atol=t["atol"] if atol is None else atol, err_msg=what, equal_nan=True)


def compare(fn, *arrays, grad: bool = True, rtol=None, atol=None, seed: int = 0):
    """Run ``fn(lib, *tensors)`` in both libraries; assert equal outputs and input gradients."""
    def build(lib):
        ts = []
        for a in arrays:
            a = np.asarray(a)
            t = lib.tensor(a.copy())
            if grad and a.dtype.kind == "f":
                t.requires_grad_(True)
            ts.append(t)
        return ts

    ours_in, theirs_in = build(chainrule), build(torch)
    ours, theirs = fn(chainrule, *ours_in), fn(torch, *theirs_in)
    outs_o = ours if isinstance(ours, (tuple, list)) else (ours,)
    outs_t = theirs if isinstance(theirs, (tuple, list)) else (theirs,)
    for i, (o, t) in enumerate(zip(outs_o, outs_t)):
        assert_close(o, t, f"output {i}", rtol, atol)
    if not grad:
        return ours, theirs
    o0, t0 = outs_o[0], outs_t[0]
    if not (t0.requires_grad and t0.dtype.is_floating_point):
        return ours, theirs
    w = np.random.default_rng(seed).standard_normal(tuple(t0.shape)).astype(as_numpy(t0).dtype)
    (o0 * chainrule.tensor(w)).sum().backward()
    (t0 * torch.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        if b.requires_grad:
            if b.grad is None:
                assert a.grad is None or np.all(as_numpy(a.grad) == 0), f"grad of input {i}: torch has none"
                continue
            assert a.grad is not None, f"grad of input {i}: chainrule produced none"
            assert_close(a.grad, b.grad, f"grad of input {i}", rtol, atol)
    return ours, theirs
