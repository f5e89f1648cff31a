"""``nn.utils``: gradient clipping.

    clip_grad_norm_:  total = ‖(‖g₁‖, ‖g₂‖, …)‖_p;  every g ← g · min(1, max_norm / (total + 10⁻⁶))
    clip_grad_value_: every g ← clamp(g, −clip_value, clip_value)
"""
from __future__ import annotations

import math

import numpy as np

from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _params(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``;
    returns the total norm before clipping (a 0-d tensor)."""
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.array(0.0, dtype=np.float32))
    dtype = grads[0]._data.dtype
    if math.isinf(norm_type):
        norms = [np.max(np.abs(g._data)) if g._data.size else np.zeros((), g._data.dtype) for g in grads]
        total = np.max(np.array(norms))
    else:
        norms = [np.sum(np.abs(g._data.astype(np.float64)) ** norm_type) ** (1 / norm_type) for g in grads]
        total = np.sum(np.array(norms) ** norm_type) ** (1 / norm_type)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           f"it cannot be clipped. To disable this error and scale the gradients by the "
                           f"non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = float(max_norm) / (float(total) + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
    return Tensor._make(total)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and concatenated into one vector."""
    from ...functions import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of parameters_to_vector)."""
    offset = 0
    for p in parameters:
        n = p.numel()
        p._data[...] = vec._data[offset:offset + n].reshape(p._data.shape)
        p._vc.value += 1
        offset += n


from . import rnn  # noqa: E402,F401  (nn.utils.rnn: pad_sequence, pack_padded_sequence, PackedSequence …)
