"""Hand-written NumPy training steps: explicit forward and backward, no framework.

This is the practical limit for a NumPy engine; chainrule's benchmark reports itself as a ratio
to these.  Parameters are lists of arrays in PyTorch's layout (weight (out, in), bias (out,)),
updated in place.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def seed_step(params, x, y, lr):
    """2-2-1 sigmoid net, BCE, SGD: one step on one sample (the lecture's example)."""
    w1, b1, w2, b2 = params
    z1 = x @ w1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2.T + b2
    p = sigmoid(z2)
    loss = -np.mean(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    dz2 = (p - y) / y.size                     # BCE ∘ sigmoid, fused
    gw2 = dz2.T @ a1
    gb2 = dz2.sum(0)
    dz1 = (dz2 @ w2) * a1 * (1 - a1)
    gw1 = dz1.T @ x
    gb1 = dz1.sum(0)
    for p_, g in zip(params, (gw1, gb1, gw2, gb2)):
        p_ -= lr * g
    return loss


def mlp_relu_ce_step(params, x, labels, lr, momentum=0.0, bufs=None):
    """ReLU MLP, softmax cross-entropy (mean), SGD (optionally with momentum, PyTorch's form)."""
    n_layers = len(params) // 2
    acts = [x]
    h = x
    for i in range(n_layers):
        w, b = params[2 * i], params[2 * i + 1]
        z = h @ w.T + b
        h = np.maximum(z, 0) if i < n_layers - 1 else z
        acts.append(h)
    logits = acts[-1]
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    logp = logits - m - np.log(s)
    n = x.shape[0]
    loss = -logp[np.arange(n), labels].mean()
    d = e / s
    d[np.arange(n), labels] -= 1
    d /= n
    grads = [None] * len(params)
    for i in reversed(range(n_layers)):
        w = params[2 * i]
        a_in = acts[i]
        grads[2 * i] = d.T @ a_in
        grads[2 * i + 1] = d.sum(axis=0)
        if i > 0:
            d = (d @ w) * (acts[i] > 0)
    for k, (p_, g) in enumerate(zip(params, grads)):
        if momentum:
            if bufs[k] is None:
                bufs[k] = g.copy()
            else:
                bufs[k] *= momentum
                bufs[k] += g
            g = bufs[k]
        p_ -= lr * g
    return loss
