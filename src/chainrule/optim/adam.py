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

    # -- explain: the update as ``chainrule explain`` writes it (the formula this class applies) -----------
    def explain_rule(self, E, group, th0, th1, g):
        m1, v1 = E.sym("m", time="t+1"), E.sym("v", time="t+1")
        b1, b2 = E.sym("β", sub="1"), E.sym("β", sub="2")
        decoupled = group.get("decoupled_weight_decay") and group["weight_decay"]
        gt = E.add(g, E.mul(E.sym("λ"), th0)) if group["weight_decay"] and not decoupled else g
        vv = E.sym("v", sup="max", time="t+1") if group["amsgrad"] else v1
        out = [E.eq(m1, E.add(E.juxt(b1, E.sym("m", time="t")), E.juxt(E.paren(E.sub(E.one, b1)), gt))),
               E.eq(v1, E.add(E.juxt(b2, E.sym("v", time="t")), E.juxt(E.paren(E.sub(E.one, b2)), E.pow(E.paren(gt), E.two))))]
        if group["amsgrad"]:
            out.append(E.eq(vv, E.func("max", E.sym("v", sup="max", time="t"), v1)))
        step = E.juxt(E.sym("α"), E.div(E.div(m1, E.sub(E.one, E.pow(b1, E.sym("t")))),
                                        E.add(E.sqrt(E.div(vv, E.sub(E.one, E.pow(b2, E.sym("t"))))), E.sym("ε"))))
        base = E.sub(th0, E.juxt(E.sym("α"), E.sym("λ"), th0)) if decoupled else th0
        out.append(E.eq(th1, E.sub(base, step) if not group["maximize"] else E.add(base, step)))
        return out

    def explain_update(self, E, group, sym, th, g, before, after, t):
        """One element's update, step by step, following ``_update``: [(lhs, symbolic, numeric, value)]."""
        th0, th1 = E.at(sym, t), E.at(sym, t + 1)
        gs = E.partial(E.sym("L"), th0)
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        sub = E.plain(sym)
        rows = []
        gv = -g if group["maximize"] else g
        gsym, gnum = (E.neg(gs), E.num(-g)) if group["maximize"] else (gs, E.num(g))
        base_sym, base_num, base = th0, E.num(th), th
        if wd and group.get("decoupled_weight_decay"):
            base = th * (1 - lr * wd)
            rows.append((E.sym("θ̃", sub=sub), E.sub(th0, E.juxt(E.sym("α"), E.sym("λ"), th0)),
                         E.sub(E.num(th), E.mul(E.num(lr), E.num(wd), E.num(th))), base))
            base_sym, base_num = rows[-1][0], E.num(base)
        elif wd:
            gt = gv + wd * th
            rows.append((E.sym("g̃", sub=sub), E.add(gsym, E.mul(E.sym("λ"), th0)),
                         E.add(gnum, E.mul(E.num(wd), E.num(th))), gt))
            gsym, gnum, gv = rows[-1][0], E.num(gt), gt
        step = int(after["step"])
        m0, v0 = before.get("exp_avg", 0.0), before.get("exp_avg_sq", 0.0)
        m, v = after["exp_avg"], after["exp_avg_sq"]
        ms0, ms1 = E.sym("m", sub=sub, time=t), E.sym("m", sub=sub, time=t + 1)
        vs0, vs1 = E.sym("v", sub=sub, time=t), E.sym("v", sub=sub, time=t + 1)
        rows.append((ms1, E.add(E.juxt(E.sym("β", sub="1"), ms0), E.juxt(E.paren(E.sub(E.one, E.sym("β", sub="1"))), gsym)),
                     E.add(E.mul(E.num(beta1), E.num(m0)), E.mul(E.num(1 - beta1), gnum)), m))
        rows.append((vs1, E.add(E.juxt(E.sym("β", sub="2"), vs0),
                                E.juxt(E.paren(E.sub(E.one, E.sym("β", sub="2"))), E.pow(E.paren(gsym), E.two))),
                     E.add(E.mul(E.num(beta2), E.num(v0)), E.mul(E.num(1 - beta2), E.pow(E.paren(gnum), E.two))), v))
        vsym, vval = vs1, v
        if group["amsgrad"]:
            x0, x1 = E.sym("v", sub=sub, sup="max", time=t), E.sym("v", sub=sub, sup="max", time=t + 1)
            vx = after["max_exp_avg_sq"]
            rows.append((x1, E.func("max", x0, vs1), E.func("max", E.num(before.get("max_exp_avg_sq", 0.0)), E.num(v)), vx))
            vsym, vval = x1, vx
        bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
        mh, vh = m / bc1, vval / bc2
        rows.append((E.sym("m", sub=sub, hat=True), E.div(ms1, E.sub(E.one, E.pow(E.sym("β", sub="1"), E.sym("t")))),
                     E.div(E.num(m), E.sub(E.one, E.pow(E.num(beta1), E.num(step)))), mh))
        rows.append((E.sym("v", sub=sub, hat=True), E.div(vsym, E.sub(E.one, E.pow(E.sym("β", sub="2"), E.sym("t")))),
                     E.div(E.num(vval), E.sub(E.one, E.pow(E.num(beta2), E.num(step)))), vh))
        new = base - (lr / bc1) * (m / ((vval ** 0.5) / bc2 ** 0.5 + eps))
        stp = E.juxt(E.sym("α"), E.div(E.sym("m", sub=sub, hat=True), E.add(E.sqrt(E.sym("v", sub=sub, hat=True)), E.sym("ε"))))
        rows.append((th1, E.sub(base_sym, stp),
                     E.sub(base_num, E.mul(E.num(lr), E.div(E.num(mh), E.add(E.sqrt(E.num(vh)), E.num(eps))))), new))
        return rows
