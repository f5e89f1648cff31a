"""``AdamW``: Adam with decoupled weight decay (Loshchilov & Hutter): ``θ ← θ − γλθ`` before the Adam step,
so the decay never passes through the moment estimates.  Default ``weight_decay=1e-2``.

    >>> opt = AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

See ``Adam`` for the full update rule.
"""
from __future__ import annotations

from .adam import Adam


class AdamW(Adam):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach=None,
                 capturable: bool = False, differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
