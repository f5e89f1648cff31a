"""The trust check: every chain-rule product shown must equal the gradient autograd computed.

``check(label, product, autograd, dtype)`` raises ``ChainRuleMismatch`` when they differ by more
than the dtype allows (relative 1e-4 for float32, 1e-9 for float64, scaled by the gradient's size).
``verify(record)`` runs the whole-network checks once (matrix form); the derivation builder calls
``check`` again for each scalar product it prints.
"""
from __future__ import annotations

import numpy as np

from .errors import ChainRuleMismatch


def tolerance(dtype) -> float:
    return 1e-9 if np.dtype(dtype) == np.float64 else 2e-4


def check(label: str, product, autograd, dtype) -> None:
    if type(product) in (float, np.float64) and np.ndim(autograd) == 0:      # one number: no array machinery
        g = float(autograd)
        if abs(float(product) - g) <= tolerance(dtype) * max(1.0, abs(g)):
            return
    p = np.asarray(product, dtype=np.float64)
    g = np.asarray(autograd, dtype=np.float64)
    tol = tolerance(dtype)
    scale = max(1.0, float(np.max(np.abs(g))) if g.size else 1.0)
    bad = np.abs(p - g) > tol * scale
    if np.any(bad):
        i = np.unravel_index(int(np.argmax(np.abs(p - g))), p.shape) if p.ndim else ()
        raise ChainRuleMismatch(
            f"chain rule check failed for {label}: the product of the recorded factors is "
            f"{float(p[i]):.8g} but autograd computed {float(g[i]):.8g} (tolerance {tol:g}); "
            f"the explanation is withheld because it would not show what the engine did")


def verify(rec) -> None:
    """Check the recorded step as a whole: loss, ∂L/∂out, each layer's δ, ∂L/∂W, ∂L/∂b, the update."""
    dt = rec.dtype
    lf = rec.loss_fn
    N = rec.x.shape[0]
    c = 1.0 / N if lf.reduction == "mean" else 1.0
    check("the loss L", c * lf.per_sample(rec.out.astype(np.float64), rec.y).sum(), rec.loss, dt)
    check("∂L/∂ŷ", c * lf.grad(rec.out.astype(np.float64), rec.y), rec.dout, dt)
    layers = rec.layers
    for l in range(len(layers) - 1, -1, -1):
        L = layers[l]
        da = rec.dout if l == len(layers) - 1 else layers[l + 1].dz @ layers[l + 1].weight
        check(f"∂L/∂a of layer {l + 1} (Wᵀδ)", da, L.da, dt)
        check(f"∂a/∂z of layer {l + 1}", L.activation.dfn(L.z.astype(np.float64), L.a.astype(np.float64)),
              L.local, dt)
        check(f"δ = ∂L/∂z of layer {l + 1}", L.da * L.local, L.dz, dt)
        check(f"∂L/∂W of layer {l + 1}", L.dz.T @ L.inp, L.weight_grad, dt)
        if L.bias is not None:
            check(f"∂L/∂b of layer {l + 1}", L.dz.sum(axis=0), L.bias_grad, dt)
        for pname, grad in (("weight", L.weight_grad), ("bias", L.bias_grad)):
            if grad is None:
                continue
            before = L.weight if pname == "weight" else L.bias
            after = L.weight_after if pname == "weight" else L.bias_after
            steps = update_terms(rec.optimizer, L.opt[pname], before, grad)
            check(f"the {rec.optimizer} update of layer {l + 1} {pname}", steps["new"], after, dt)


def update_terms(kind: str, opt: dict, theta, g) -> dict:
    """The optimiser's intermediate quantities for one parameter, from the recorded state.

    SGD: g̃ = g + λθ; b = g̃ (first step) or μb + (1 − τ)g̃; θ' = θ − α·b (α·g̃ without momentum;
    α·(g̃ + μb) with Nesterov momentum).
    Adam: m = β₁m + (1 − β₁)g̃; v = β₂v + (1 − β₂)g̃²; m̂ = m/(1 − β₁ᵗ); v̂ = v/(1 − β₂ᵗ) (with amsgrad
    vᵐᵃˣ = max(vᵐᵃˣ, v) replaces v); θ' = θ − α·m̂/(√v̂ + ε).  AdamW (decoupled weight decay) uses
    g̃ = g and θ' = θ − αλθ − α·m̂/(√v̂ + ε).  Moments are the optimiser's own (its state after the step).
    """
    grp, before, after = opt["group"], opt["before"], opt["after"]
    theta = np.asarray(theta, np.float64)
    g = np.asarray(g, np.float64)
    wd = float(grp.get("weight_decay", 0) or 0)
    decay = 0.0
    if kind == "AdamW" or grp.get("decoupled_weight_decay"):
        wd, decay = 0.0, wd          # AdamW: the decay acts on θ directly, not through the gradient
    gt = g + wd * theta
    out = {"g": g, "gt": gt, "wd": wd, "decay": decay, "lr": float(grp["lr"])}
    if kind == "SGD":
        mu = float(grp.get("momentum", 0) or 0)
        out["mu"], out["tau"] = mu, float(grp.get("dampening", 0) or 0)
        if mu:
            out["buf_prev"] = before.get("momentum_buffer")
            buf = after.get("momentum_buffer")
            out["buf"] = np.asarray(buf, np.float64)
            out["nesterov"] = bool(grp.get("nesterov"))
            step = gt + mu * out["buf"] if out["nesterov"] else out["buf"]
            out["new"] = theta - out["lr"] * step
        else:
            out["new"] = theta - out["lr"] * gt
    else:
        b1, b2 = grp["betas"]
        eps = float(grp["eps"])
        t = int(after["step"])
        m_prev = before.get("exp_avg", np.zeros_like(theta))
        v_prev = before.get("exp_avg_sq", np.zeros_like(theta))
        m = np.asarray(after["exp_avg"], np.float64)
        v = np.asarray(after["exp_avg_sq"], np.float64)
        amsgrad = bool(grp.get("amsgrad"))
        if amsgrad:
            out["vmax_prev"] = before.get("max_exp_avg_sq", np.zeros_like(theta))
            out["vmax"] = np.asarray(after["max_exp_avg_sq"], np.float64)
        mhat = m / (1 - b1 ** t)
        vhat = (out["vmax"] if amsgrad else v) / (1 - b2 ** t)
        out.update(b1=float(b1), b2=float(b2), eps=eps, t=t, m_prev=m_prev, v_prev=v_prev, m=m, v=v, amsgrad=amsgrad,
                   mhat=mhat, vhat=vhat,
                   new=theta - out["lr"] * decay * theta - out["lr"] * mhat / (np.sqrt(vhat) + eps))
    return out
