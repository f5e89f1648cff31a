"""Hand-written NumPy LeNet-5 training step: explicit forward and backward, no framework.

The practical limit for a NumPy convolution: im2col through a strided window view and one matrix
product per layer (col2im by a loop over the k·k kernel offsets), 2×2 max pooling by reshaping.
Parameters are PyTorch's layout (conv weight (O, C, k, k), linear weight (out, in)), updated in place.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_forward(x, w, b, pad):
    """y = W ⋆ x + b (stride 1); returns y (N, O, Ho, Wo) and the columns (N·Ho·Wo, C·k·k) for backward."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    n, c, h, wd = xp.shape
    o, _, k, _ = w.shape
    ho, wo = h - k + 1, wd - k + 1
    s = xp.strides
    cols = as_strided(xp, (n, ho, wo, c, k, k), (s[0], s[2], s[3], s[1], s[2], s[3])).reshape(n * ho * wo, c * k * k)
    y = cols @ w.reshape(o, -1).T
    y += b
    return np.ascontiguousarray(y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)), cols


def conv_backward(g, cols, w, x_shape, pad, need_x):
    n, o, ho, wo = g.shape
    k = w.shape[2]
    gm = g.transpose(0, 2, 3, 1).reshape(-1, o)
    gw = (gm.T @ cols).reshape(w.shape)
    gb = gm.sum(0)
    gx = None
    if need_x:
        c = x_shape[1]
        gcols = (gm @ w.reshape(o, -1)).reshape(n, ho, wo, c, k, k).transpose(0, 3, 1, 2, 4, 5)
        gxp = np.zeros((n, c, x_shape[2] + 2 * pad, x_shape[3] + 2 * pad), g.dtype)
        for p in range(k):
            for q in range(k):
                gxp[:, :, p:p + ho, q:q + wo] += gcols[..., p, q]
        gx = gxp[:, :, pad:pad + x_shape[2], pad:pad + x_shape[3]]
    return gx, gw, gb


def pool_forward(x):
    """2×2 max pooling, stride 2: the window's winner (first of ties) and where it was."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    idx = win.argmax(-1)
    return np.take_along_axis(win, idx[..., None], -1)[..., 0], idx


def pool_backward(g, idx, shape):
    n, c, h, w = shape
    gw = np.zeros((n, c, h // 2, w // 2, 4), g.dtype)
    np.put_along_axis(gw, idx[..., None], g[..., None], -1)
    return gw.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)


def lenet5_step(params, x, labels, lr):
    """conv(1→6, 5, pad 2)-relu-pool, conv(6→16, 5)-relu-pool, 400-120-84-10 relu MLP; CE mean; SGD."""
    cw1, cb1, cw2, cb2, w3, b3, w4, b4, w5, b5 = params
    z1, cols1 = conv_forward(x, cw1, cb1, 2)
    a1 = np.maximum(z1, 0)
    p1, i1 = pool_forward(a1)
    z2, cols2 = conv_forward(p1, cw2, cb2, 0)
    a2 = np.maximum(z2, 0)
    p2, i2 = pool_forward(a2)
    f = p2.reshape(len(x), -1)
    h3 = np.maximum(f @ w3.T + b3, 0)
    h4 = np.maximum(h3 @ w4.T + b4, 0)
    logits = h4 @ w5.T + b5
    m = logits.max(1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(1, keepdims=True)
    n = len(x)
    loss = -(logits[np.arange(n), labels] - m[:, 0] - np.log(s[:, 0])).mean()
    d = e / s
    d[np.arange(n), labels] -= 1
    d /= n
    g5w, g5b = d.T @ h4, d.sum(0)
    d = (d @ w5) * (h4 > 0)
    g4w, g4b = d.T @ h3, d.sum(0)
    d = (d @ w4) * (h3 > 0)
    g3w, g3b = d.T @ f, d.sum(0)
    d = (d @ w3).reshape(p2.shape)
    d = pool_backward(d, i2, a2.shape) * (z2 > 0)
    d, g2w, g2b = conv_backward(d, cols2, cw2, p1.shape, 0, True)
    d = pool_backward(d, i1, a1.shape) * (z1 > 0)
    _, g1w, g1b = conv_backward(d, cols1, cw1, x.shape, 2, False)
    for p, g in zip(params, (g1w, g1b, g2w, g2b, g3w, g3b, g4w, g4b, g5w, g5b)):
        p -= lr * g
    return loss
