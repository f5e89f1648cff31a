"""Layer kernels that are neither activations nor losses: dropout and embedding lookup,
each forward beside its vector-Jacobian product."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op


class NativeDropout(Op):
    """out = a·m/(1 − p) with m ~ Bernoulli(1 − p) drawn once per element;  ∂out/∂a = m/(1 − p)"""
    @staticmethod
    def forward(ctx, a, p, generator):
        if p >= 1:
            scale = np.zeros(a.shape, dtype=a.dtype)
        else:
            keep = generator.random(a.shape) >= p
            scale = (keep / (1 - p)).astype(a.dtype)
        ctx.save_for_backward(scale)
        return a * scale

    @staticmethod
    def backward(ctx, g):
        scale, = ctx.saved_tensors
        return g * scale


class Embedding(Op):
    """out[...] = W[idx[...]] (rows of the table);  ∂L/∂W[r] = Σ of g over positions where idx = r
    (rows equal to ``padding_idx`` get no gradient)"""
    @staticmethod
    def forward(ctx, weight, idx, padding_idx=None):
        ctx.save_for_backward(idx)
        ctx.rows, ctx.padding_idx = weight.shape, padding_idx
        return weight[idx]

    @staticmethod
    def backward(ctx, g):
        idx, = ctx.saved_tensors
        out = np.zeros(ctx.rows, dtype=g.dtype)
        np.add.at(out, idx, g)
        if ctx.padding_idx is not None:
            out[ctx.padding_idx] = 0
        return out, None
