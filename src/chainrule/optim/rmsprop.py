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

    # -- explain: the update as ``chainrule explain`` writes it (the formula this class applies) -----------
    def explain_rule(self, E, group, th0, th1, g):
        v0, v1, a = E.sym("v", time="t"), E.sym("v", time="t+1"), E.sym("α", sub="s")
        gt = E.add(g, E.mul(E.sym("λ"), th0)) if group["weight_decay"] else g
        out = [E.eq(v1, E.add(E.juxt(a, v0), E.juxt(E.paren(E.sub(E.one, a)), E.pow(E.paren(gt), E.two))))]
        den = E.add(E.sqrt(v1), E.sym("ε"))
        if group["centered"]:
            gb1 = E.sym("ḡ", time="t+1")
            out.append(E.eq(gb1, E.add(E.juxt(a, E.sym("ḡ", time="t")), E.juxt(E.paren(E.sub(E.one, a)), gt))))
            den = E.add(E.sqrt(E.sub(v1, E.pow(gb1, E.two))), E.sym("ε"))
        if group["momentum"]:
            b1 = E.sym("b", time="t+1")
            out.append(E.eq(b1, E.add(E.juxt(E.sym("μ"), E.sym("b", time="t")), E.div(gt, den))))
            out.append(E.eq(th1, E.sub(th0, E.mul(E.sym("γ"), b1))))
        else:
            out.append(E.eq(th1, E.sub(th0, E.mul(E.sym("γ"), E.div(gt, den)))))
        return out

    def explain_update(self, E, group, sym, th, g, before, after, t):
        """One element's update, following ``_update``: [(lhs, symbolic, numeric, value)]."""
        th0, th1 = E.at(sym, t), E.at(sym, t + 1)
        sub = E.plain(sym)
        lr, alpha, eps, wd, mu = group["lr"], group["alpha"], group["eps"], group["weight_decay"], group["momentum"]
        gv = -g if group["maximize"] else g
        gs = E.partial(E.sym("L"), th0)
        gsym, gnum = (E.neg(gs), E.num(-g)) if group["maximize"] else (gs, E.num(g))
        rows = []
        if wd:
            gv = gv + wd * th
            rows.append((E.sym("g̃", sub=sub), E.add(gsym, E.mul(E.sym("λ"), th0)),
                         E.add(gnum, E.mul(E.num(wd), E.num(th))), gv))
            gsym, gnum = rows[-1][0], E.num(gv)
        a = E.sym("α", sub="s")
        vs0, vs1 = E.sym("v", sub=sub, time=t), E.sym("v", sub=sub, time=t + 1)
        v = after["square_avg"]
        rows.append((vs1, E.add(E.juxt(a, vs0), E.juxt(E.paren(E.sub(E.one, a)), E.pow(E.paren(gsym), E.two))),
                     E.add(E.mul(E.num(alpha), E.num(before.get("square_avg", 0.0))),
                           E.mul(E.num(1 - alpha), E.pow(E.paren(gnum), E.two))), v))
        if group["centered"]:
            gb = after["grad_avg"]
            gb0, gb1 = E.sym("ḡ", sub=sub, time=t), E.sym("ḡ", sub=sub, time=t + 1)
            rows.append((gb1, E.add(E.juxt(a, gb0), E.juxt(E.paren(E.sub(E.one, a)), gsym)),
                         E.add(E.mul(E.num(alpha), E.num(before.get("grad_avg", 0.0))), E.mul(E.num(1 - alpha), gnum)), gb))
            d = (v - gb * gb) ** 0.5 + eps
            rows.append((E.sym("d", sub=sub), E.add(E.sqrt(E.sub(vs1, E.pow(gb1, E.two))), E.sym("ε")),
                         E.add(E.sqrt(E.sub(E.num(v), E.pow(E.paren(E.num(gb)), E.two))), E.num(eps)), d))
        else:
            d = v ** 0.5 + eps
            rows.append((E.sym("d", sub=sub), E.add(E.sqrt(vs1), E.sym("ε")), E.add(E.sqrt(E.num(v)), E.num(eps)), d))
        ds = rows[-1][0]
        if mu:
            b = after["momentum_buffer"]
            b0, b1 = E.sym("b", sub=sub, time=t), E.sym("b", sub=sub, time=t + 1)
            rows.append((b1, E.add(E.juxt(E.sym("μ"), b0), E.div(gsym, ds)),
                         E.add(E.mul(E.num(mu), E.num(before.get("momentum_buffer", 0.0))), E.div(gnum, E.num(d))), b))
            rows.append((th1, E.sub(th0, E.mul(E.sym("γ"), b1)), E.sub(E.num(th), E.mul(E.num(lr), E.num(b))), th - lr * b))
        else:
            rows.append((th1, E.sub(th0, E.mul(E.sym("γ"), E.div(gsym, ds))),
                         E.sub(E.num(th), E.mul(E.num(lr), E.div(gnum, E.num(d)))), th - lr * (gv / d)))
        return rows
