"""``Adagrad``: per-coordinate steps shrink with the sum of all past squared gradients.

PyTorch's algorithm, for each parameter θ with gradient g at step t (γ = lr, η = lr_decay,
λ = weight_decay, ε = eps; the sum starts at ``initial_accumulator_value``)::

    g ← −g                      if maximize
    g ← g + λθ                  if λ ≠ 0
    γ̃ ← γ / (1 + (t − 1)η)
    s ← s + g²
    θ ← θ − γ̃ g / (√s + ε)

    >>> opt = Adagrad(model.parameters(), lr=0.01, lr_decay=1e-3)
"""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer
from ..tensor import Tensor


class Adagrad(Optimizer):
    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        for p in self.param_groups[-1]["params"]:     # PyTorch creates Adagrad's state up front
            if p not in self.state:
                self._init_state(self.param_groups[-1], p)

    def _init_state(self, group, p):
        state = self.state[p]
        state["step"] = self._new_step()
        state["sum"] = Tensor._make(np.full_like(p._data, group["initial_accumulator_value"]))

    def _update(self, group, p, grad, state):
        theta = p._data
        if len(state) == 0:
            self._init_state(group, p)
        step = self._bump_step(state)
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * theta
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        s = state["sum"]._data
        s += 1 * g * g
        std = np.sqrt(s)
        std += group["eps"]
        theta += -clr * (g / std)

    # -- explain: the update as ``chainrule explain`` writes it (the formula this class applies) -----------
    def explain_rule(self, E, group, th0, th1, g):
        gt = E.add(g, E.mul(E.sym("λ"), th0)) if group["weight_decay"] else g
        s1 = E.sym("s", time="t+1")
        lr = E.div(E.sym("γ"), E.add(E.one, E.juxt(E.paren(E.sub(E.sym("t"), E.one)), E.sym("η")))) \
            if group["lr_decay"] else E.sym("γ")
        return [E.eq(s1, E.add(E.sym("s", time="t"), E.pow(E.paren(gt), E.two))),
                E.eq(th1, E.sub(th0, E.mul(lr, E.div(gt, E.add(E.sqrt(s1), E.sym("ε"))))))]

    def explain_update(self, E, group, sym, th, g, before, after, t):
        """One element's update, following ``_update``: [(lhs, symbolic, numeric, value)]."""
        th0, th1 = E.at(sym, t), E.at(sym, t + 1)
        sub = E.plain(sym)
        gv = -g if group["maximize"] else g
        gs = E.partial(E.sym("L"), th0)
        gsym, gnum = (E.neg(gs), E.num(-g)) if group["maximize"] else (gs, E.num(g))
        rows = []
        if group["weight_decay"]:
            gv = gv + group["weight_decay"] * th
            rows.append((E.sym("g̃", sub=sub), E.add(gsym, E.mul(E.sym("λ"), th0)),
                         E.add(gnum, E.mul(E.num(group["weight_decay"]), E.num(th))), gv))
            gsym, gnum = rows[-1][0], E.num(gv)
        step = int(after["step"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        s = after["sum"]
        s0, s1 = E.sym("s", sub=sub, time=t), E.sym("s", sub=sub, time=t + 1)
        rows.append((s1, E.add(s0, E.pow(E.paren(gsym), E.two)),
                     E.add(E.num(before.get("sum", 0.0)), E.pow(E.paren(gnum), E.two)), s))
        rows.append((th1, E.sub(th0, E.mul(E.sym("γ", sub="t"), E.div(gsym, E.add(E.sqrt(s1), E.sym("ε"))))),
                     E.sub(E.num(th), E.mul(E.num(clr), E.div(gnum, E.add(E.sqrt(E.num(s)), E.num(group["eps"]))))),
                     th - clr * (gv / (s ** 0.5 + group["eps"]))))
        return rows
