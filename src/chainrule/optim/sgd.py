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

    # -- explain: the update as ``chainrule explain`` writes it (the formula this class applies) -----------
    def explain_rule(self, E, group, th0, th1, g):
        """The general update of this group, as equations over the symbols θ(t), θ(t+1), g = ∂L/∂θ(t)."""
        sign = E.add if group["maximize"] else E.sub
        gt = E.add(g, E.mul(E.sym("λ"), th0)) if group["weight_decay"] else g
        if not group["momentum"]:
            return [E.eq(th1, sign(th0, E.mul(E.sym("α"), E.paren(gt) if group["weight_decay"] else gt)))]
        v0, v1 = E.sym("v", time="t"), E.sym("v", time="t+1")
        damp = E.juxt(E.paren(E.sub(E.one, E.sym("τ"))), E.paren(gt)) if group["dampening"] else gt
        step = E.paren(E.add(gt, E.juxt(E.sym("μ"), v1))) if group["nesterov"] else v1
        return [E.eq(v1, E.add(E.juxt(E.sym("μ"), v0), damp)), E.eq(th1, sign(th0, E.mul(E.sym("α"), step)))]

    def explain_update(self, E, group, sym, th, g, before, after, t):
        """One element's update, step by step: [(lhs, symbolic row, numeric row, value)], ending with θ(t+1).

        ``sym``: the parameter's symbol; ``th``, ``g``: its value and gradient; ``before``/``after``:
        the optimizer's state for this element (floats) around the step.  Follows ``_update`` exactly."""
        th0, th1 = E.at(sym, t), E.at(sym, t + 1)
        gs = E.partial(E.sym("L"), th0)
        lr, wd, mu, tau = group["lr"], group["weight_decay"], group["momentum"], group["dampening"]
        rows = []
        gv = -g if group["maximize"] else g
        gsym, gnum = (E.neg(gs), E.num(-g)) if group["maximize"] else (gs, E.num(g))
        if wd:
            gt = gv + wd * th
            rows.append((E.sym("g̃", sub=E.plain(sym)), E.add(gsym, E.mul(E.sym("λ"), th0)),
                         E.add(gnum, E.mul(E.num(wd), E.num(th))), gt))
            gsym, gnum, gv = rows[-1][0], E.num(gt), gt
        if mu:
            v0, v1 = E.sym("v", sub=E.plain(sym), time=t), E.sym("v", sub=E.plain(sym), time=t + 1)
            prev = before.get("momentum_buffer")
            buf = after["momentum_buffer"]
            if prev is None:
                rows.append((v1, gsym, gnum, buf))
            else:
                dsym = E.juxt(E.num(1 - tau), E.paren(gsym)) if tau else gsym
                dnum = E.mul(E.num(1 - tau), gnum) if tau else gnum
                rows.append((v1, E.add(E.juxt(E.sym("μ"), v0), dsym), E.add(E.mul(E.num(mu), E.num(prev)), dnum), buf))
            if group["nesterov"]:
                ssym, snum, sval = E.paren(E.add(gsym, E.juxt(E.sym("μ"), v1))), \
                    E.paren(E.add(gnum, E.mul(E.num(mu), E.num(buf)))), gv + mu * buf
            else:
                ssym, snum, sval = v1, E.num(buf), buf
        else:
            ssym, snum, sval = gsym, gnum, gv
        rows.append((th1, E.sub(th0, E.mul(E.sym("α"), ssym)), E.sub(E.num(th), E.mul(E.num(lr), snum)), th - lr * sval))
        return rows
