"""Singular values of (batches of) matrices, for the spectral and nuclear matrix norms.

For A = U·diag(σ)·Vᵀ (σ sorted descending), each singular value's gradient is ∂σᵢ/∂A = uᵢ·vᵢᵀ (when the
σᵢ are distinct), so the VJP of ``out = σ`` is ∂L/∂A = U·diag(∂L/∂σ)·Vᵀ.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op


class SingularValues(Op):
    """out = σ(A), shape (*, min(m, n)), descending;  ∂L/∂A = U·diag(g)·Vᵀ"""
    _name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh)
        return s.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        u, vh = ctx.saved_tensors
        return np.matmul(u * g[..., None, :], vh)
