"""Higher-order gradients as models use them: a WGAN-GP gradient penalty, a MAML inner step,
backward(create_graph=True), a user Function's differentiable backward, and the refusals."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from oracle import assert_close


def _critic(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Conv2d(1, 3, 3, padding=1), lib.nn.LeakyReLU(0.2), lib.nn.MaxPool2d(2),
                             lib.nn.Flatten(), lib.nn.Linear(12, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1))


def test_wgan_gp_gradient_penalty_matches_torch():
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((4, 1, 4, 4)), rng.standard_normal((4, 1, 4, 4))
    eps = rng.uniform(size=(4, 1, 1, 1))
    results = {}
    for lib in (chainrule, torch):
        critic = _critic(lib).double()
        opt = lib.optim.Adam(critic.parameters(), lr=1e-2)
        for step in range(2):
            mix = (lib.tensor(eps) * lib.tensor(real) + (1 - lib.tensor(eps)) * lib.tensor(fake)).requires_grad_(True)
            out = critic(mix)
            g, = lib.autograd.grad(out, mix, grad_outputs=lib.ones_like(out), create_graph=True)
            penalty = ((g.reshape(4, -1).norm(2, dim=1) - 1) ** 2).mean()
            loss = critic(lib.tensor(fake)).mean() - critic(lib.tensor(real)).mean() + 10 * penalty
            opt.zero_grad()
            loss.backward()
            opt.step()
        results[lib.__name__] = (penalty, [p.detach() for p in critic.parameters()])
    (p1, w1), (p2, w2) = results["chainrule"], results["torch"]
    assert_close(p1, p2, "penalty")
    for k, (a, b) in enumerate(zip(w1, w2)):
        assert_close(a, b, f"parameter {k} after two steps")


def test_maml_inner_step_matches_torch():
    rng = np.random.default_rng(1)
    xs, ys = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    xq, yq = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    grads = {}
    for lib in (chainrule, torch):
        lib.manual_seed(0)
        net = lib.nn.Linear(3, 1).double()
        w, b = net.weight, net.bias
        F = lib.nn.functional
        inner = F.mse_loss(F.linear(lib.tensor(xs).tanh(), w, b), lib.tensor(ys))
        gw, gb = lib.autograd.grad(inner, (w, b), create_graph=True)
        w2, b2 = w - 0.1 * gw, b - 0.1 * gb
        outer = F.mse_loss(F.linear(lib.tensor(xq).tanh(), w2, b2), lib.tensor(yq))
        outer.backward()
        grads[lib.__name__] = (w.grad, b.grad)
    for k, (a, b) in enumerate(zip(grads["chainrule"], grads["torch"])):
        assert_close(a, b, f"meta-gradient {k}")


def test_backward_create_graph_gives_differentiable_leaf_grads():
    out = {}
    for lib in (chainrule, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (x.sigmoid() * x ** 2).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad and g.grad_fn is not None
        x.grad = None
        (g * g).sum().backward()
        out[lib.__name__] = (g.detach(), x.grad)
    for a, b in zip(out["chainrule"], out["torch"]):
        assert_close(a, b)


def test_third_derivative_matches_torch():
    out = []
    for lib in (chainrule, torch):
        x = lib.tensor([0.3, 1.1], dtype=lib.float64, requires_grad=True)
        y = (x.sin() * x.exp()).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x, create_graph=True)
        t, = lib.autograd.grad(h.sum(), x)
        out.append((g, h, t))
    for a, b in zip(*out):
        assert_close(a.detach(), b.detach())


def test_user_function_backward_is_recorded():
    class Cube:
        pass

    for lib in (chainrule, torch):
        class Cube(lib.autograd.Function):          # noqa: F811
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 3 * x ** 2

        x = lib.tensor([0.5, -2.0], dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        if lib is chainrule:
            ours = h
    assert_close(ours, h)


def test_an_op_whose_backward_cannot_be_recorded_names_itself():
    w = chainrule.randn(5, 3, requires_grad=True)
    out = chainrule.nn.functional.embedding(chainrule.tensor([1, 2, 1]), w, padding_idx=0)
    with pytest.raises(RuntimeError, match=r"double backward of EmbeddingBackward0 is not supported: its backward "
                                           r"calls numpy.add.at"):
        chainrule.autograd.grad(out.sum(), w, create_graph=True)


def test_default_backward_is_unchanged_by_the_recorded_forward():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0] and x.grad.grad_fn is None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        chainrule.autograd.grad(y, x, create_graph=True)
