"""Layer kernels that are neither activations nor losses: linear on a batch (PyTorch's names),
dropout, embedding lookup, batch and layer normalisation — each forward beside its vector-Jacobian
product."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .linalg import Linear


class Addmm(Linear):
    """``linear`` on a 2-D input with a bias: y = b + x·Wᵀ, recorded as PyTorch does (AddmmBackward0)."""


class Mm(Linear):
    """``linear`` on a 2-D input without bias: y = x·Wᵀ (MmBackward0)."""


class NativeDropout(Op):
    """out = a·noise with noise = m/(1 − p), m ~ Bernoulli(1 − p) drawn by the caller (``F.dropout``, PyTorch's
    stream);  ∂out/∂a = noise"""
    @staticmethod
    def forward(ctx, a, noise):
        ctx.save_for_backward(noise)
        return a * noise

    @staticmethod
    def backward(ctx, g):
        noise, = ctx.saved_tensors
        return g * noise


class Embedding(Op):
    """out[...] = W[idx[...]] (rows of the table);  ∂L/∂W[r] = Σ of g over positions where idx = r
    (divided by the number of such positions with ``scale_grad_by_freq``; the ``padding_idx`` row gets none)"""
    @staticmethod
    def forward(ctx, weight, idx, padding_idx=None, scale_grad_by_freq=False):
        ctx.save_for_backward(idx)
        ctx.rows, ctx.padding_idx, ctx.by_freq = weight.shape, padding_idx, scale_grad_by_freq
        return weight[idx]

    @staticmethod
    def backward(ctx, g):
        idx, = ctx.saved_tensors
        out = np.zeros(ctx.rows, dtype=g.dtype)
        if ctx.by_freq:     # each use of a row counts 1/(uses of that row in the batch)
            counts = np.bincount(idx.ravel(), minlength=ctx.rows[0])
            g = g / counts[idx][..., None].astype(g.dtype)
        np.add.at(out, idx, g)
        if ctx.padding_idx is not None:
            out[ctx.padding_idx] = 0
        return out, None


def _moments(x64: np.ndarray, axes: tuple):
    if not x64.size:   # NumPy's mean of nothing warns "Mean of empty slice"; PyTorch's is a silent nan
        mean = np.full(np.sum(x64, axis=axes, keepdims=True).shape, np.nan)
        return mean, mean
    mean = x64.mean(axis=axes, keepdims=True)
    centered = x64 - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return mean, var


class NativeBatchNorm(Op):
    """y = x̂·γ + β,  x̂ = (x − μ)·s,  s = 1/√(σ² + ε), statistics per channel (dim 1).

    With batch statistics (training), μ and σ² depend on x:
        ∂L/∂x = s·γ·(g − mean(g) − x̂·mean(g·x̂))   (means over the batch axes);
    with fixed running statistics (eval): ∂L/∂x = s·γ·g.  ∂L/∂γ = Σ g·x̂,  ∂L/∂β = Σ g.
    ``mean`` and ``invstd`` arrive precomputed (float64, shape (1, C, 1…)); computed in float64."""
    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, batch_stats):
        axes = (0,) + tuple(range(2, x.ndim))
        shape = [1] * x.ndim
        shape[1] = x.shape[1]
        xhat = (x.astype(np.float64) - mean) * invstd
        y = xhat if weight is None else xhat * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.axes, ctx.shape, ctx.batch_stats = axes, shape, batch_stats
        return y.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, invstd = ctx.saved_tensors
        need = ctx.needs_input_grad
        axes = ctx.axes
        g64 = g.astype(np.float64)
        xhat = (x.astype(np.float64) - mean) * invstd
        gx = gw = gb = None
        if need[0]:
            scale = invstd if weight is None else invstd * weight.reshape(ctx.shape)
            if ctx.batch_stats:
                gx = scale * (g64 - g64.mean(axis=axes, keepdims=True)
                              - xhat * (g64 * xhat).mean(axis=axes, keepdims=True))
            else:
                gx = scale * g64
            gx = gx.astype(x.dtype)
        if need[1]:
            gw = (g64 * xhat).sum(axis=axes).astype(weight.dtype)
        if need[2]:
            gb = g64.sum(axis=axes).astype(g.dtype)
        return gx, gw, gb


class NativeLayerNorm(Op):
    """y = x̂·γ + β,  x̂ = (x − μ)·s over the last ``k`` dims (each sample on its own);
    ∂L/∂x = s·(h − mean(h) − x̂·mean(h·x̂)) with h = g·γ;  ∂L/∂γ = Σ g·x̂,  ∂L/∂β = Σ g."""
    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        axes = tuple(range(x.ndim - k, x.ndim))
        x64 = x.astype(np.float64)
        mean, var = _moments(x64, axes)
        invstd = 1.0 / np.sqrt(var + eps)
        xhat = (x64 - mean) * invstd
        y = xhat if weight is None else xhat * weight
        if bias is not None:
            y = y + bias
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.axes = axes
        return y.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, invstd = ctx.saved_tensors
        need = ctx.needs_input_grad
        axes = ctx.axes
        lead = tuple(range(x.ndim - len(axes)))
        g64 = g.astype(np.float64)
        xhat = (x.astype(np.float64) - mean) * invstd
        gx = gw = gb = None
        if need[0] and not x.size:
            gx = np.zeros_like(x)      # (nothing to normalise: NumPy's mean of it would warn)
        elif need[0]:
            h = g64 if weight is None else g64 * weight
            gx = (invstd * (h - h.mean(axis=axes, keepdims=True)
                            - xhat * (h * xhat).mean(axis=axes, keepdims=True))).astype(x.dtype)
        if need[1]:
            gw = (g64 * xhat).sum(axis=lead).astype(weight.dtype)
        if need[2]:
            gb = g64.sum(axis=lead).astype(g.dtype)
        return gx, gw, gb


# -- explain rules (see chainrule/explain/rules.py) ----------------------------------------------------
NativeDropout.explain = lambda E, n, a, *_, out: E.rule(E.had(a, E.sym("m")), d=(E.div(E.sym("m"), E.sub(E.one, E.sym("p"))),))
Embedding.explain = lambda E, n, w, idx, *_, out: E.rule(E.func("rows", w, idx))
def _norm_rule(E, n, x, w, b, *_, out):
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β (μ, σ² over the batch for BatchNorm, over each sample for LayerNorm)."""
    xhat = E.div(E.sub(x, E.sym("μ")), E.sqrt(E.add(E.sym("σ", sup="2"), E.sym("ε"))))
    y = xhat if w is None else E.had(w, xhat)
    return E.rule(y if b is None else E.add(y, b))


NativeBatchNorm.explain = _norm_rule
NativeLayerNorm.explain = _norm_rule
