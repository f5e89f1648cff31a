"""``Adam`` (and, with ``decoupled_weight_decay=True``, AdamW): adaptive moment estimation.

PyTorch's algorithm, for each parameter θ with gradient g at step t (γ = lr, β₁, β₂ = betas,
λ = weight_decay, ε = eps)::

    g ← −g                                    if maximize
    θ ← θ − γλθ                               if λ ≠ 0 and decoupled (AdamW)
    g ← g + λθ                                if λ ≠ 0 and not decoupled (Adam's L2 penalty)
    m ← β₁m + (1 − β₁)g                       first moment
    v ← β₂v + (1 − β₂)g²                      second moment
    v̂max ← max(v̂max, v)                       if amsgrad (then v̂max replaces v below)
    θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

ε is added after the bias-corrected square root, exactly as PyTorch writes it.

    >>> opt = Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
"""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, lerp_


class Adam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=(float(betas[0]), float(betas[1])), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, group, p, grad, state):
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        theta = p._data
        if len(state) == 0:
            state["step"] = self._new_step()
            state["exp_avg"] = self._zeros_like(p)
            state["exp_avg_sq"] = self._zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self._zeros_like(p)
        g = -grad if group["maximize"] else grad
        step = self._bump_step(state)
        if wd != 0:
            if group.get("decoupled_weight_decay", False):
                theta *= 1 - lr * wd
            else:
                g = g + wd * theta
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        lerp_(m, g, 1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = np.sqrt(v) / bias_correction2_sqrt + eps
        theta += -step_size * (m / denom)
