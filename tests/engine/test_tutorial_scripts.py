"""PyTorch's 'Learning PyTorch with Examples' scripts run unchanged with ``import chainrule as torch``
(only the initial weights are shared, so both libraries start from the same numbers)."""
from __future__ import annotations

import numpy as np
import pytest
import torch as real_torch

import chainrule

MANUAL_BACKWARD = '''
learning_rate = 1e-6
for t in range(30):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2)
    loss = (y_pred - y).pow(2).sum().item()
    losses.append(loss)
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h_relu = grad_y_pred.mm(w2.t())
    grad_h = grad_h_relu.clone()
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2
'''

AUTOGRAD = '''
learning_rate = 1e-6
w1.requires_grad_(True)
w2.requires_grad_(True)
for t in range(30):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
'''


def run(lib, script, dtype):
    rng = np.random.default_rng(0)
    arrays = {k: rng.standard_normal(s).astype(dtype) for k, s in
              dict(x=(64, 100), y=(64, 10), w1=(100, 50), w2=(50, 10)).items()}
    scope = {"torch": lib, "losses": []}
    scope.update({k: lib.tensor(v) for k, v in arrays.items()})
    exec(script, scope)
    return scope["losses"], scope["w1"].detach().numpy(), scope["w2"].detach().numpy()


@pytest.mark.parametrize("script", [MANUAL_BACKWARD, AUTOGRAD], ids=["manual_backward", "autograd"])
@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_two_layer_net_matches_torch(script, dtype, rtol):
    ours, theirs = run(chainrule, script, dtype), run(real_torch, script, dtype)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
    assert ours[0][-1] < ours[0][0]
