"""``SGD``: stochastic gradient descent, with momentum, Nesterov momentum, weight decay and ``maximize``.

PyTorch's algorithm, for each parameter θ with gradient g (γ = lr, λ = weight_decay, μ = momentum,
τ = dampening)::

    g ← −g                      if maximize
    g ← g + λθ                  if λ ≠ 0
    b ← g                       first step (no dampening)
    b ← μb + (1 − τ)g           later steps           } if μ ≠ 0
    g ← g + μb  if nesterov, else g ← b               }
    θ ← θ − γg

The seed's update ``W(t+1) = W(t) − α ∂L/∂W(t)`` is the plain case (μ = λ = 0)::

    >>> opt = SGD(model.parameters(), lr=1)
"""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer
from ..tensor import Tensor


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _update(self, group, p, grad, state):
        lr, wd, mu = group["lr"], group["weight_decay"], group["momentum"]
        theta = p._data
        g = -grad if group["maximize"] else grad
        if wd != 0:
            g = g + wd * theta
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor._make(np.array(g, dtype=theta.dtype, copy=True))
            else:
                b = buf._data
                b *= mu
                tau = group["dampening"]
                b += g if tau == 0 else (1 - tau) * g      # in place: no temporary when τ = 0
            g = g + mu * buf._data if group["nesterov"] else buf._data
        theta -= lr * g
