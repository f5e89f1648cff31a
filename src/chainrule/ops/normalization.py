"""Group normalisation — forward beside its vector-Jacobian product (batch and layer norm are in layers.py)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op


class NativeGroupNorm(Op):
    """y = x̂·γ_c + β_c,  x̂ = (x − μ)·s,  s = 1/√(σ² + ε), with μ, σ² (biased) over each sample's group of
    C/G channels and all their positions; γ, β per channel.  With h = g·γ and means over the group:

        ∂L/∂x = s·(h − mean(h) − x̂·mean(h·x̂)),   ∂L/∂γ_c = Σ_{n, positions} g·x̂,   ∂L/∂β_c = Σ g

    Statistics and gradients are accumulated in float64 and cast back to x's dtype."""

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        n, c = x.shape[:2]
        shape = (n, groups, -1)
        x64 = x.astype(np.float64).reshape(shape)
        mean = x64.mean(axis=2, keepdims=True)
        centered = x64 - mean
        invstd = 1.0 / np.sqrt((centered * centered).mean(axis=2, keepdims=True) + eps)
        xhat = (centered * invstd).reshape(x.shape)
        ch = (1, c) + (1,) * (x.ndim - 2)
        y = xhat if weight is None else xhat * weight.reshape(ch)
        if bias is not None:
            y = y + bias.reshape(ch)
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.groups, ctx.ch = groups, ch
        return y.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, invstd = ctx.saved_tensors
        need = ctx.needs_input_grad
        n = x.shape[0]
        grouped = (n, ctx.groups, -1)
        g64 = g.astype(np.float64)
        xhat = ((x.astype(np.float64).reshape(grouped) - mean) * invstd)
        axes = (0,) + tuple(range(2, x.ndim))
        gx = gw = gb = None
        if need[0]:
            h = (g64 if weight is None else g64 * weight.reshape(ctx.ch)).reshape(grouped)
            gx = invstd * (h - h.mean(axis=2, keepdims=True) - xhat * (h * xhat).mean(axis=2, keepdims=True))
            gx = gx.reshape(x.shape).astype(x.dtype)
        if need[1]:
            gw = (g64 * xhat.reshape(x.shape)).sum(axis=axes).astype(weight.dtype)
        if len(need) > 2 and need[2]:
            gb = g64.sum(axis=axes).astype(g.dtype)
        return gx, gw, gb
