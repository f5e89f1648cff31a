"""Fused loss kernels (where PyTorch fuses them): forward beside its vector-Jacobian product.

``reduction`` is ``'none'`` (per element), ``'mean'`` or ``'sum'``; the backward of ``'mean'``
divides by the number of elements, that of ``'none'`` multiplies element-wise.  Every kernel is
warning-free for any finite input (logs of 0 are clamped, exponentials see only arguments ≤ 0).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .elementwise import sign_array


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":     # Σ/n (what ndarray.mean computes, without its Python-level wrapper)
        if not loss.size:
            return np.array(np.nan, loss.dtype)
        return np.asarray(np.add.reduce(loss, axis=None) / loss.size, dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(np.add.reduce(loss, axis=None), dtype=loss.dtype)
    return loss


def _spread(g: np.ndarray, shape: tuple, reduction: str) -> np.ndarray:
    """∂L/∂(per-element loss), given ∂L/∂(reduced loss): g itself for 'none'; for 'sum' and 'mean' the
    0-d factor g (or g/n) that every element shares — callers multiply it by a full-shape array, so
    it broadcasts instead of being materialised."""
    if reduction == "none":
        return g
    if reduction == "mean":
        n = 1
        for k in shape:
            n *= k
        return g / n
    return g


class MseLoss(Op):
    """ℓ = (a − t)²;  ∂ℓ/∂a = 2(a − t),  ∂ℓ/∂t = −2(a − t)"""
    @staticmethod
    def forward(ctx, a, t, reduction="mean"):
        d = a - t
        ctx.save_for_backward(d)
        ctx.reduction = reduction
        return _reduce(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        d, = ctx.saved_tensors
        ga = 2 * _spread(g, d.shape, ctx.reduction) * d
        return ga, (-ga if ctx.needs_input_grad[1] else None)


class SmoothL1Loss(Op):
    """ℓ = ½(a − t)²/β if |a − t| < β else |a − t| − ½β;  ∂ℓ/∂a = (a − t)/β inside, sign(a − t) outside"""
    @staticmethod
    def forward(ctx, a, t, reduction="mean", beta=1.0):
        d = a - t
        ctx.save_for_backward(d)
        ctx.reduction, ctx.beta = reduction, beta
        z = np.abs(d)
        if beta == 0:
            loss = z
        else:
            loss = np.where(z < beta, 0.5 * d * d / beta, z - 0.5 * beta).astype(d.dtype, copy=False)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        d, = ctx.saved_tensors
        beta = ctx.beta
        g = _spread(g, d.shape, ctx.reduction)
        if beta == 0:
            local = sign_array(d)
        else:
            local = np.where(d < -beta, -1.0, np.where(d > beta, 1.0, d / beta)).astype(d.dtype, copy=False)
        ga = g * local
        return ga, (-ga if ctx.needs_input_grad[1] else None)


class HuberLoss(Op):
    """ℓ = ½(a − t)² if |a − t| < δ else δ(|a − t| − ½δ);  ∂ℓ/∂a = clamp(a − t, −δ, δ)"""
    @staticmethod
    def forward(ctx, a, t, reduction="mean", delta=1.0):
        d = a - t
        ctx.save_for_backward(d)
        ctx.reduction, ctx.delta = reduction, delta
        z = np.abs(d)
        loss = np.where(z < delta, 0.5 * d * d, delta * (z - 0.5 * delta)).astype(d.dtype, copy=False)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        d, = ctx.saved_tensors
        delta = ctx.delta
        g = _spread(g, d.shape, ctx.reduction)
        local = np.where(d < -delta, -delta, np.where(d > delta, delta, d)).astype(d.dtype, copy=False)
        ga = g * local
        return ga, (-ga if ctx.needs_input_grad[1] else None)


_EPSILON = float(np.float32(1e-12))   # PyTorch keeps this constant in float even for double inputs


class BinaryCrossEntropy(Op):
    """ℓ = −w·(t·max(ln p, −100) + (1 − t)·max(ln(1 − p), −100))  (p, t in [0, 1]);
    ∂ℓ/∂p = w·(p − t) / max(p(1 − p), 10⁻¹²),  ∂ℓ/∂t = w·(ln(1 − p) − ln p)"""
    @staticmethod
    def forward(ctx, p, t, weight=None, reduction="mean"):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        loss = -(t * log_p + (1 - t) * log_1mp)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(p, t, weight)
        ctx.reduction = reduction
        return _reduce(loss.astype(p.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        p, t, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        g_base = _spread(g, p.shape, ctx.reduction)
        g = g_base if weight is None else g_base * weight
        gp = gt = gw = None
        if need[0]:
            gp = g * (p - t) / np.maximum((1 - p) * p, _EPSILON)
        if need[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gt = g * (np.log1p(-p) - np.log(p))
        if len(need) > 2 and need[2]:
            with np.errstate(divide="ignore"):
                log_p = np.maximum(np.log(p), -100)
                log_1mp = np.maximum(np.log1p(-p), -100)
            gw = -(t * log_p + (1 - t) * log_1mp) * g_base
        return gp, gt, gw


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class BinaryCrossEntropyWithLogits(Op):
    """ℓ = w·((1 − t)·x − (1 + (pw − 1)·t)·ln σ(x))  — BCE of σ(x), computed without ever forming σ(x);
    ∂ℓ/∂x = w·((pw·t + 1 − t)·σ(x) − pw·t),  ∂ℓ/∂t = w·(−x − (pw − 1)·ln σ(x)).
    ``x`` and ``t`` may be float32 and float64: as in PyTorch, ln σ(x) (times the pos_weight factor) is
    computed in x's dtype, (1 − t)·x in the wider one, and the loss has t's dtype."""
    @staticmethod
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        ls = _log_sigmoid(x)
        if pos_weight is not None:
            ls = (((pos_weight - 1) * t + 1) * ls).astype(x.dtype, copy=False)
        loss = ((1 - t) * x).astype(t.dtype, copy=False) - ls
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, weight, pos_weight)
        ctx.reduction = reduction
        return _reduce(np.asarray(loss, dtype=t.dtype), reduction)

    @staticmethod
    def backward(ctx, g):
        x, t, weight, pos_weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        shape = np.broadcast_shapes(x.shape, t.shape, *(() if weight is None else (weight.shape,)),
                                    *(() if pos_weight is None else (pos_weight.shape,)))
        g = _spread(g, shape, ctx.reduction)
        gw_base = g
        if weight is not None:
            g = g * weight
        gx = gt = gw = gpw = None
        if need[0]:
            s = _sigmoid(x)
            if pos_weight is not None:
                pt = pos_weight * t
                gx = g * ((pt + 1 - t) * s - pt)
            else:
                gx = g * (s - t)
        if need[1]:
            if pos_weight is not None:
                gt = g * (-x - (pos_weight - 1) * _log_sigmoid(x))
            else:
                gt = g * -x
        if len(need) > 2 and need[2]:
            ls = _log_sigmoid(x)
            lw = 1 if pos_weight is None else (pos_weight - 1) * t + 1
            gw = gw_base * ((1 - t) * x - lw * ls)
        if len(need) > 3 and need[3]:
            gpw = g * (-t * _log_sigmoid(x))
        return gx, gt, gw, gpw


def _along_classes(logp: np.ndarray, t: np.ndarray, cdim: int):
    """Index of the entries logp[i, tᵢ] (one per sample, along the class dimension ``cdim``)."""
    if logp.ndim == 2:     # the common (N, C) case: plain fancy indexing
        return np.arange(t.shape[0]), t
    idx = list(np.indices(t.shape, sparse=True))
    idx.insert(cdim, t)
    return tuple(idx)


class NllLoss(Op):
    """ℓᵢ = −w[tᵢ]·logp[i, tᵢ] (0 where tᵢ = ignore_index);  'mean' divides by Σ w[tᵢ] over kept i.
    ∂ℓ/∂logp[i, c] = −w[tᵢ] where c = tᵢ, else 0.  ``logp``: (C,), (N, C) or (N, C, d₁, …)."""
    @staticmethod
    def forward(ctx, logp, target, weight=None, reduction="mean", ignore_index=-100):
        cdim = 0 if logp.ndim == 1 else 1
        keep = target != ignore_index
        safe_t = np.where(keep, target, 0)
        where = _along_classes(logp, safe_t, cdim)
        picked = logp[where]
        if not keep.all():        # an ignored row may hold −inf/NaN: it is left out, not multiplied by 0
            picked = np.where(keep, picked, 0)
        if weight is None:
            w = keep.astype(logp.dtype)
        else:
            w = weight[safe_t].astype(logp.dtype, copy=False) * keep
        loss = -w * picked
        ctx.save_for_backward(w)
        ctx.where, ctx.shape, ctx.reduction = where, logp.shape, reduction
        if reduction == "mean":
            total = np.add.reduce(w, axis=None)
            ctx.total = total
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.asarray(np.add.reduce(loss, axis=None) / total, dtype=logp.dtype)
        if reduction == "sum":
            return np.asarray(np.add.reduce(loss, axis=None), dtype=logp.dtype)
        return loss.astype(logp.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        w, = ctx.saved_tensors
        if ctx.reduction == "mean":
            if ctx.total == 0:          # every target ignored: the loss is NaN, its gradient 0 (PyTorch)
                return np.zeros(ctx.shape, dtype=g.dtype), None, None
            with np.errstate(invalid="ignore", divide="ignore"):
                per = -w * (g / ctx.total)
        else:
            per = -w * g
        out = np.zeros(ctx.shape, dtype=g.dtype)
        out[ctx.where] = per
        return out, None, None


# -- explain rules (see chainrule/explain/rules.py): ℓ over the inputs' symbols, ∂ℓ/∂input per element ----
def _mean_of(E, n, term, size):
    """``Σ term`` or ``(1/n)·Σ term`` as the op's reduction did it."""
    red = getattr(n, "reduction", "mean")
    if red == "none":
        return term
    s = E.sum("k", term)
    return E.mul(E.div(E.one, E.num(size)), s) if red == "mean" else s


def _per(E, n, d, size):
    return E.mul(E.div(E.one, E.num(size)), d) if getattr(n, "reduction", "mean") == "mean" else d


def _size(n, i=0):
    return int(np.size(n._saved[i])) if n._saved and not isinstance(n._saved, type(None)) else 1


MseLoss.explain = lambda E, n, a, t, *_, out: E.rule(
    _mean_of(E, n, E.pow(E.paren(E.sub(a, t)), E.two), _size(n)),
    d=(_per(E, n, E.juxt(E.two, E.paren(E.sub(a, t))), _size(n)),
       _per(E, n, E.neg(E.juxt(E.two, E.paren(E.sub(a, t)))), _size(n))))
BinaryCrossEntropy.explain = lambda E, n, p, t, *_, out: E.rule(
    _mean_of(E, n, E.neg(E.paren(E.add(E.mul(t, E.func("log", p)),
                                       E.mul(E.paren(E.sub(E.one, t)), E.func("log", E.sub(E.one, p)))))), _size(n)),
    d=(_per(E, n, E.div(E.sub(p, t), E.juxt(p, E.paren(E.sub(E.one, p)))), _size(n)), None))
def _nll_rule(E, n, logp, t, *_, out):
    """ℓ = −(1/N)·Σₙ logp[n, yₙ] (mean over the N kept targets) or −Σₙ logp[n, yₙ];  ∂ℓ/∂logp = −(1/N)·onehot(y)."""
    picked = E.sym(logp.base, sub=logp.sub, sample="n,yₙ") if hasattr(logp, "base") else E.func("pick", logp, t)
    onehot = E.func("onehot", E.expr_or(t, E.sym("y")))
    if n.reduction == "mean":
        scale = E.div(E.one, E.num(n.total))
        return E.rule(E.neg(E.mul(scale, E.sum("n", picked))), vjp=(E.neg(E.mul(scale, onehot)), None))
    return E.rule(E.neg(E.sum("n", picked)), vjp=(E.neg(onehot), None))


NllLoss.explain = _nll_rule
