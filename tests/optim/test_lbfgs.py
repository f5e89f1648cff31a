"""L-BFGS against PyTorch: the parameters after every ``step(closure)`` (fixed step and strong Wolfe line
search), the closure-call and iteration counts, state round trips, and the errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import chainrule


def _problem(lib, kind, w0, x, y):
    """(params, loss function): a Rosenbrock valley, or a tanh regression net."""
    if kind == "rosenbrock":
        w = lib.tensor(w0[:2], requires_grad=True)
        return [w], lambda: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    W1 = lib.tensor(w0[:6].reshape(3, 2), requires_grad=True)
    W2 = lib.tensor(w0[6:9].reshape(1, 3), requires_grad=True)
    xt, yt = lib.tensor(x), lib.tensor(y)
    return [W1, W2], lambda: ((xt @ W1.T).tanh() @ W2.T - yt).pow(2).mean()


def _run(lib, kind, w0, x, y, steps, dtype, **options):
    lib_dtype = getattr(lib, "float64" if dtype == np.float64 else "float32")
    params, f = _problem(lib, kind, w0.astype(dtype), x.astype(dtype), y.astype(dtype))
    opt = lib.optim.LBFGS(params, **options)

    def closure():
        opt.zero_grad()
        loss = f()
        loss.backward()
        return loss

    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        history.append(([p.detach().numpy().copy() for p in params], float(loss)))
    state = opt.state[params[0]]
    assert params[0].dtype == lib_dtype
    return history, (state["n_iter"], state["func_evals"])


def _data(seed):
    """Initial weights, and 32 samples of a noisy target made by a net of the same shape."""
    rng = np.random.default_rng(seed)
    w0, x, w_true = rng.normal(size=9) * 0.5, rng.normal(size=(32, 2)), rng.normal(size=9)
    y = np.tanh(x @ w_true[:6].reshape(3, 2).T) @ w_true[6:9].reshape(1, 3).T + 0.05 * rng.normal(size=(32, 1))
    return w0, x, y


OPTIONS = [dict(), dict(line_search_fn="strong_wolfe"), dict(lr=0.5, history_size=3, max_iter=7),
           dict(line_search_fn="strong_wolfe", history_size=2, max_iter=30, max_eval=40),
           dict(lr=0.1, tolerance_change=1e-5)]


@pytest.mark.parametrize("kind", ["rosenbrock", "net"])
@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_float64_steps_match_pytorch(kind, options):
    """One step is up to 30 L-BFGS iterations.  Near a minimum s = t·d and y = Δg are dominated by rounding,
    so the last-bit differences between NumPy's and PyTorch's dot products grow about 1.5× per iteration;
    one step (the first 20-30 iterations) stays within 1e-9, later steps drift apart like any two BLASes."""
    if kind == "rosenbrock":       # the fixed-step valley walk amplifies rounding fastest: compare 8 iterations
        options = {**options, "max_iter": min(options.get("max_iter", 20), 8)}
    w0, x, y = _data(7)
    ours, ours_counts = _run(chainrule, kind, w0, x, y, 1, np.float64, **options)
    theirs, theirs_counts = _run(torch, kind, w0, x, y, 1, np.float64, **options)
    assert ours_counts == theirs_counts
    for step, ((pa, la), (pb, lb)) in enumerate(zip(ours, theirs)):
        assert la == pytest.approx(lb, rel=1e-10, abs=1e-12), f"loss at step {step}"
        for a, b in zip(pa, pb):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=f"step {step}")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), wolfe=st.booleans(), history=st.integers(1, 6))
def test_drawn_problems_match_pytorch(seed, wolfe, history):
    w0, x, y = _data(seed)
    options = dict(history_size=history, max_iter=6, line_search_fn="strong_wolfe" if wolfe else None, lr=0.7)
    ours, ours_counts = _run(chainrule, "net", w0, x, y, 2, np.float64, **options)
    theirs, theirs_counts = _run(torch, "net", w0, x, y, 2, np.float64, **options)
    assert ours_counts == theirs_counts
    for (pa, _), (pb, _) in zip(ours, theirs):
        for a, b in zip(pa, pb):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def test_float32_stays_float32_and_close_to_pytorch():
    w0, x, y = _data(2)
    ours, _ = _run(chainrule, "net", w0, x, y, 1, np.float32, max_iter=5)
    theirs, _ = _run(torch, "net", w0, x, y, 1, np.float32, max_iter=5)
    for a, b in zip(ours[-1][0], theirs[-1][0]):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_rosenbrock_reaches_the_minimum_in_pytorchs_number_of_evaluations():
    found = []
    for lib in (chainrule, torch):
        w = lib.tensor([-1.5, 2.0], requires_grad=True, dtype=lib.float64)
        opt = lib.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=200)

        def closure():
            opt.zero_grad()
            loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
            loss.backward()
            return loss

        opt.step(closure)
        found.append((w.detach().numpy(), opt.state[w]["func_evals"], opt.state[w]["n_iter"]))
    np.testing.assert_allclose(found[0][0], [1.0, 1.0], atol=1e-5)
    np.testing.assert_allclose(found[0][0], found[1][0], rtol=1e-8)
    assert found[0][1:] == found[1][1:]


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(4)
    w0, x, y = rng.normal(size=9), rng.normal(size=(8, 2)), rng.normal(size=(8, 1))

    def make():
        params, f = _problem(chainrule, "net", w0, x, y)
        opt = chainrule.optim.LBFGS(params, history_size=4, max_iter=3)

        def closure():
            opt.zero_grad()
            loss = f()
            loss.backward()
            return loss
        return params, opt, closure

    pa, oa, ca = make()
    oa.step(ca)
    pb, ob, cb = make()
    for a, b in zip(pa, pb):
        b.data.copy_(a.data)
    ob.load_state_dict(oa.state_dict())
    oa.step(ca)
    ob.step(cb)
    for a, b in zip(pa, pb):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_errors_say_what_would_work():
    w = chainrule.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        chainrule.optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        chainrule.optim.LBFGS([{"params": [w]}, {"params": [chainrule.tensor([2.0], requires_grad=True)]}])
    opt = chainrule.optim.LBFGS([w])
    with pytest.raises(RuntimeError, match="needs a closure"):
        opt.step()
    opt = chainrule.optim.LBFGS([w], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
