"""``RMSprop``: divide each step by a running root-mean-square of recent gradients.

PyTorch's algorithm, for each parameter θ with gradient g (γ = lr, α = alpha, λ = weight_decay,
μ = momentum, ε = eps)::

    g ← −g                            if maximize
    g ← g + λθ                        if λ ≠ 0
    v ← αv + (1 − α)g²                square average
    ḡ ← αḡ + (1 − α)g                 if centered (gradient average)
    d ← √(v − ḡ²) + ε  if centered, else √v + ε
    b ← μb + g/d;  θ ← θ − γb         if μ > 0
    θ ← θ − γ g/d                     otherwise

    >>> opt = RMSprop(model.parameters(), lr=0.01, alpha=0.99, centered=True)
"""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, lerp_


class RMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, p, grad, state):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, mu = group["weight_decay"], group["momentum"]
        theta = p._data
        if len(state) == 0:
            state["step"] = self._new_step()
            state["square_avg"] = self._zeros_like(p)
            if mu > 0:
                state["momentum_buffer"] = self._zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = self._zeros_like(p)
        g = -grad if group["maximize"] else grad
        self._bump_step(state)
        if wd != 0:
            g = g + wd * theta
        v = state["square_avg"]._data
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:
            gbar = state["grad_avg"]._data
            lerp_(gbar, g, 1 - alpha)
            avg = np.sqrt(v + (-1) * gbar * gbar)
        else:
            avg = np.sqrt(v)
        avg += eps
        if mu > 0:
            buf = state["momentum_buffer"]._data
            buf *= mu
            buf += g / avg
            theta += -lr * buf
        else:
            theta += -lr * (g / avg)
