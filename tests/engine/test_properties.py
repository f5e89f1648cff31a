"""Hypothesis properties of the engine (issue 7): the gradient of a sum is the sum of the gradients,
gradients are linear in grad_outputs, broadcasting gradients sum back to the input's shape, and no op
changes its inputs (forward or backward)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import chainrule
from chainrule import autograd
from .strategies import arrays, broadcast_pair, shapes

FNS = {
    "tanh_mul": lambda x: (x.tanh() * x).sum(),
    "sigmoid_sq": lambda x: (x.sigmoid() ** 2).mean(),
    "softmax": lambda x: (x.softmax(-1) * x).sum(),
    "logsumexp": lambda x: x.logsumexp(-1).sum() if x.ndim else x.logsumexp(0),
    "norm": lambda x: (x * x + 1).sqrt().sum(),
    "exp_var": lambda x: x.exp().sum() + (x * 3).sin().sum(),
    "relu_abs": lambda x: (x.relu() - x.abs() * 0.5).sum(),
    "index": lambda x: x.reshape(-1)[[0, 0, -1]].sum() if x.numel() else x.sum(),
}


def _grad(fn, a):
    x = chainrule.tensor(a, requires_grad=True)
    return autograd.grad(fn(x), x)[0].numpy()


@given(a=st.builds(lambda s: s, shapes(0, 3)).flatmap(lambda s: arrays(s, np.float64)),
       f=st.sampled_from(sorted(FNS)), g=st.sampled_from(sorted(FNS)))
def test_gradient_of_sum_is_sum_of_gradients(a, f, g):
    both = _grad(lambda x: FNS[f](x) + FNS[g](x), a)
    np.testing.assert_allclose(both, _grad(FNS[f], a) + _grad(FNS[g], a), rtol=1e-10, atol=1e-12)


@given(data=st.data(), alpha=st.floats(-3, 3), beta=st.floats(-3, 3))
def test_gradient_is_linear_in_grad_outputs(data, alpha, beta):
    shape = data.draw(shapes(1, 3))
    a = data.draw(arrays(shape, np.float64))
    u = data.draw(arrays(shape, np.float64))
    v = data.draw(arrays(shape, np.float64))
    x = chainrule.tensor(a, requires_grad=True)
    y = (x.tanh() * x.exp()).softmax(-1) * x

    def g(w):
        return autograd.grad(y, x, grad_outputs=chainrule.tensor(w), retain_graph=True)[0].numpy()
    np.testing.assert_allclose(g(alpha * u + beta * v), alpha * g(u) + beta * g(v), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "where", "pow"])
@given(data=st.data())
def test_broadcasting_gradients_sum_back_to_input_shape(op, data):
    s1, s2 = data.draw(broadcast_pair())
    a = data.draw(arrays(s1, np.float64, 0.5, 2))
    b = data.draw(arrays(s2, np.float64, 0.5, 2)) + 0.013
    fns = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
           "div": lambda x, y: x / y, "maximum": lambda x, y: chainrule.maximum(x, y),
           "where": lambda x, y: chainrule.where(x > y, x, y), "pow": lambda x, y: x ** y}
    out_shape = np.broadcast_shapes(s1, s2)
    w = data.draw(arrays(out_shape, np.float64))
    x, y = chainrule.tensor(a, requires_grad=True), chainrule.tensor(b, requires_grad=True)
    fns[op](x, y).backward(chainrule.tensor(w))
    assert x.grad.shape == s1 and y.grad.shape == s2
    # same as expanding explicitly first: the gradient of expand is the sum over the broadcast dims
    xe = chainrule.tensor(a, requires_grad=True)
    ye = chainrule.tensor(b, requires_grad=True)
    fns[op](xe.expand(out_shape), ye.expand(out_shape)).backward(chainrule.tensor(w))
    np.testing.assert_allclose(x.grad.numpy(), xe.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ye.grad.numpy(), rtol=1e-12, atol=1e-12)


OPS = [
    lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / (y.abs() + 1),
    lambda x, y: x.abs() ** y, lambda x, y: chainrule.maximum(x, y), lambda x, y: chainrule.where(x > 0, x, y),
    lambda x, y: x.exp(), lambda x, y: x.sigmoid(), lambda x, y: x.tanh(), lambda x, y: x.relu(),
    lambda x, y: x.clamp(-0.5, 0.5), lambda x, y: x.sum(0), lambda x, y: x.mean(-1), lambda x, y: x.prod(),
    lambda x, y: x.amax(), lambda x, y: x.var(0), lambda x, y: x.norm(), lambda x, y: x.softmax(-1),
    lambda x, y: x.log_softmax(0), lambda x, y: x.logsumexp(-1), lambda x, y: x.T, lambda x, y: x.reshape(-1),
    lambda x, y: x.unsqueeze(0).expand(2, *x.shape), lambda x, y: x.repeat(2, 1), lambda x, y: x[0],
    lambda x, y: x[..., [0, 0]], lambda x, y: x[x > 0], lambda x, y: chainrule.cat([x, y]),
    lambda x, y: chainrule.stack([x, y], -1), lambda x, y: x @ y.T, lambda x, y: x.clone().mul_(2),
    lambda x, y: x.max(0).values, lambda x, y: x.split(1, 1)[0], lambda x, y: x.abs().sqrt(),
    lambda x, y: x.abs().log1p(), lambda x, y: (x.abs() + 1).log(), lambda x, y: (x.abs() + 1).rsqrt(),
]


@pytest.mark.parametrize("k", range(len(OPS)))
@given(data=st.data())
def test_no_op_changes_its_inputs(k, data):
    shape = data.draw(shapes(2, 2, min_side=1))
    dt = data.draw(st.sampled_from([np.float32, np.float64]))
    a = data.draw(arrays(shape, dt))
    b = data.draw(arrays(shape, dt))
    x, y = chainrule.tensor(a, requires_grad=True), chainrule.tensor(b, requires_grad=True)
    out = OPS[k](x, y)
    out.backward(chainrule.ones(out.shape, dtype=out.dtype))
    np.testing.assert_array_equal(x.detach().numpy(), a)
    np.testing.assert_array_equal(y.detach().numpy(), b)
    assert x._version == 0 and y._version == 0
