"""Batch norm over images, as worked by hand: per-channel statistics, then one entry.

``ops.layers.NativeBatchNorm`` gets the statistics precomputed (its arguments ``mean``, ``invstd``):
for an image batch x (N, C, H, W) each channel c has one mean μ_c and one 1/√(σ²_c + ε) over its
N·H·W values, and

    y[n, c, i, j] = γ_c·(x[n, c, i, j] − μ_c)/√(σ²_c + ε) + β_c;
    with batch statistics: ∂L/∂x = γ_c/√(σ²_c + ε) · (g − mean(g) − x̂·mean(g·x̂))   (means over N, H, W).

``forward`` tabulates the channels' statistics and works one entry; ``backward`` writes the formula of
∂L/∂x above and checks it, for the whole tensor, against the engine's.
"""
from __future__ import annotations

import numpy as np

from ..derivation import Equation, Mul, Num, Para, Paren, Sub, Sym, Table
from ..step_graph import Value
from .windows import at

#: at most this many channels are listed one by one
CHANNELS = 16


def _parts(op):
    x, w, b, mean, invstd, batch = op.args[:6]
    if not isinstance(x, Value) or x.value.ndim < 3:
        return None
    C = x.value.shape[1]
    return (x, w if isinstance(w, Value) else None, b if isinstance(b, Value) else None,
            np.asarray(mean, np.float64).reshape(C), np.asarray(invstd, np.float64).reshape(C), bool(batch))


def forward(gb, op) -> list:
    if op.cls.__name__ != "NativeBatchNorm" or op.output.id in gb.hidden:
        return []
    p = _parts(op)
    if p is None:
        return []
    x, w, b, mean, invstd, batch = p
    X = np.asarray(x.value, np.float64)
    axes = (0,) + tuple(range(2, X.ndim))
    m = X.size // X.shape[1]
    if batch:
        gb.check("the channels' means", X.mean(axis=axes), mean)
    gam = np.asarray(w.value, np.float64) if w is not None else np.ones_like(mean)
    bet = np.asarray(b.value, np.float64) if b is not None else np.zeros_like(mean)
    xs, ys = gb.sym.get(x.id), gb.sym[op.output.id]
    blocks = [Para("layers.bn.images" if batch else "layers.bn.running", {"x": xs, "out": ys, "m": m})]
    rows = [[str(c), Num(float(mean[c])), Num(float(invstd[c])), Num(float(gam[c])), Num(float(bet[c]))]
            for c in range(min(len(mean), CHANNELS))]
    blocks.append(Table(["layers.bn.channel", "layers.bn.mean", "layers.bn.invstd", "layers.bn.gamma",
                         "layers.bn.beta"], rows))
    g = op.output.grad
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(g))), g.shape)) if g is not None else \
        (0,) * X.ndim
    c = idx[1]
    value = float(np.asarray(op.output.value, np.float64)[idx])
    want = gam[c] * (X[idx] - mean[c]) * invstd[c] + bet[c]
    gb.check("a batch-norm entry", want, value)
    ws = gb.sym.get(w.id) if w is not None else None
    bs = gb.sym.get(b.id) if b is not None else None
    mu, s = Sym("μ", sub=str(c)), Sym("s", sub=str(c))
    srow = [Paren(Sub(at(xs, idx), mu)), s]
    nrow = [Paren(Sub(Num(float(X[idx])), Num(float(mean[c])))), Num(float(invstd[c]))]
    if ws is not None:
        srow.insert(0, at(ws, (c,)))
        nrow.insert(0, Num(float(gam[c])))
    from ..derivation import Add
    s_expr, n_expr = Mul(tuple(srow), "dot"), Mul(tuple(nrow), "times")
    if bs is not None:
        s_expr, n_expr = Add((s_expr, at(bs, (c,)))), Add((n_expr, Num(float(bet[c]))))
    blocks.append(Equation(at(ys, idx), [s_expr, n_expr, Num(value)], role="forward"))
    return blocks


def backward(gb, v, cons) -> list:
    out = []
    for op, i in cons:
        if op.cls.__name__ != "NativeBatchNorm" or i != 0 or i not in op.contribution:
            continue
        p = _parts(op)
        if p is None or not p[5] or op.output.grad is None:
            continue
        x, w, b, mean, invstd, batch = p
        X = np.asarray(x.value, np.float64)
        shape = [1] * X.ndim
        shape[1] = X.shape[1]
        axes = (0,) + tuple(range(2, X.ndim))
        g = np.asarray(op.output.grad, np.float64)
        gam = (np.asarray(w.value, np.float64) if w is not None else np.ones_like(mean)).reshape(shape)
        s = invstd.reshape(shape)
        xhat = (X - mean.reshape(shape)) * s
        dx = s * gam * (g - g.mean(axis=axes, keepdims=True) - xhat * (g * xhat).mean(axis=axes, keepdims=True))
        gb.check("∂L/∂x of batch norm with batch statistics", dx, np.asarray(op.contribution[0], np.float64))
        out.append(Para("layers.bn.backward", {"x": gb.sym.get(x.id), "out": gb.sym[op.output.id],
                                               "m": X.size // X.shape[1]}))
    return out
