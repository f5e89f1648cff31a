"""torch.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) and gradgradcheck, against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import chainrule
from oracle import assert_close

FUNCS = {
    "cubic": lambda L, x: (x ** 3).sum() * x.sin().sum(),
    "softmax_ce": lambda L, x: L.nn.functional.cross_entropy(x.reshape(2, -1), L.tensor([0, 1])),
    "logsumexp": lambda L, x: x.logsumexp(dim=0) + (x * x).mean(),
    "tanh_mlp": lambda L, x: (x.tanh() @ x.reshape(-1, 1).sigmoid()).sum(),
}


def _both(fn_name, make, x, *extra):
    out = {}
    for lib in (chainrule, torch):
        F = lib.autograd.functional
        xs = lib.tensor(x.copy())
        ex = [lib.tensor(e.copy()) for e in extra]
        out[lib.__name__] = make(lib, getattr(F, fn_name), xs, *ex)
    return out["chainrule"], out["torch"]


def _close(a, b, what):
    if isinstance(b, (tuple, list)):
        assert len(a) == len(b), what
        for k, (p, q) in enumerate(zip(a, b)):
            _close(p, q, f"{what}[{k}]")
        return
    assert not a.requires_grad, f"{what}: detached without create_graph"
    assert_close(a, b, what)


@pytest.mark.parametrize("name", sorted(FUNCS))
@settings(max_examples=10)
@given(seed=st.integers(0, 2**16))
def test_hessian_and_products_match_torch(name, seed):
    f = FUNCS[name]
    rng = np.random.default_rng(seed)
    x, v = rng.standard_normal(6), rng.standard_normal(6)
    _close(*_both("hessian", lambda L, h, x: h(lambda t: f(L, t), x), x), "hessian")
    for fn in ("hvp", "vhp", "vjp"):
        if fn == "vjp":
            a, b = _both(fn, lambda L, h, x: h(lambda t: f(L, t).reshape(1), x, L.ones(1, dtype=L.float64)), x)
        else:
            a, b = _both(fn, lambda L, h, x, v: h(lambda t: f(L, t), x, v), x, v)
        _close(a, b, fn)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**16), strategy=st.sampled_from(["reverse-mode", "forward-mode"]))
def test_jacobian_and_jvp_match_torch(seed, strategy):
    rng = np.random.default_rng(seed)
    x, y, v = rng.standard_normal(4), rng.standard_normal(3), rng.standard_normal(4)

    def f(L, a, b):
        return (a.exp()[:3] * b.tanh(), (a * a).sum() * b)

    a, b = _both("jacobian", lambda L, j, x, y: j(lambda p, q: f(L, p, q), (x, y), strategy=strategy,
                                                                vectorize=strategy == "forward-mode"), x, y)
    _close(a, b, "jacobian")
    a, b = _both("jacobian", lambda L, j, x: j(lambda p: p.sin() * p.sum(), x), x)
    _close(a, b, "jacobian of one tensor")
    a, b = _both("jvp", lambda L, j, x, v: j(lambda p: p.exp() * p[0], x, v), x, v)
    _close(a, b, "jvp")


def test_create_graph_keeps_results_differentiable():
    for lib in (chainrule, torch):
        x = lib.tensor([0.3, -1.2, 2.0], dtype=lib.float64, requires_grad=True)
        h = lib.autograd.functional.hessian(lambda t: (t ** 4).sum(), x, create_graph=True)
        assert h.requires_grad
        w = lib.tensor(np.arange(9.0).reshape(3, 3))
        (g,) = lib.autograd.grad((h * w).sum(), x)
        if lib is chainrule:
            ours = g
        else:
            assert_close(ours, g, "∂ trace(H)/∂x")


def test_strict_mode_names_the_independent_input():
    x = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64)
    y = chainrule.tensor([3.0], dtype=chainrule.float64)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        chainrule.autograd.functional.vjp(lambda a, b: a.sum().reshape(1), (x, y),
                                          chainrule.ones(1, dtype=chainrule.float64), strict=True)
    out, (ga, gb) = chainrule.autograd.functional.vjp(lambda a, b: a.sum().reshape(1), (x, y),
                                                      chainrule.ones(1, dtype=chainrule.float64))
    assert gb.tolist() == [0.0] and ga.tolist() == [1.0, 1.0]


def test_forward_mode_without_vectorize_is_refused_as_in_torch():
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        chainrule.autograd.functional.jacobian(lambda t: t * 2, chainrule.ones(3), strategy="forward-mode")


def test_hessian_refuses_a_function_with_several_outputs():
    with pytest.raises(RuntimeError, match="single element"):
        chainrule.autograd.functional.hessian(lambda t: t * 2, chainrule.ones(3, dtype=chainrule.float64))


GG = {
    "tanh_mul": lambda L, a, b: (a.tanh() * b).sum(dim=0),
    "matmul_softmax": lambda L, a, b: L.softmax(a @ b.t(), dim=-1),
    "conv": lambda L, a, b: L.nn.functional.conv1d(a.reshape(1, 2, 3), b.reshape(1, 2, 3), padding=1),
    "layer_norm": lambda L, a, b: L.nn.functional.layer_norm(a * b, (3,)),
    "pool": lambda L, a, b: L.nn.functional.avg_pool1d((a * b).reshape(1, 2, 3), 2),
}


@pytest.mark.parametrize("name", sorted(GG))
def test_gradgradcheck_passes_in_float64(name):
    rng = np.random.default_rng(0)
    a = chainrule.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = chainrule.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert chainrule.autograd.gradgradcheck(lambda p, q: GG[name](chainrule, p, q), (a, b))
    assert chainrule.autograd.gradcheck(lambda p, q: GG[name](chainrule, p, q), (a, b))


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable_in_the_input():
    class Cube(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x.detach() ** 2       # right first derivative, but x is cut off from the graph

    x = chainrule.tensor([0.5, -1.5], dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(Cube.apply, (x,))
    assert chainrule.autograd.gradgradcheck(Cube.apply, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        chainrule.autograd.gradgradcheck(Cube.apply, (x,))
