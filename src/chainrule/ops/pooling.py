"""Pooling — each forward beside its vector-Jacobian product, on (N, C, H, W) arrays.

    MaxPool2DWithIndices   y = max over each window;  the gradient goes to the winner only
    AvgPool2D              y = Σ window / divisor;    the gradient is split evenly over the window
    AdaptiveAvgPool2D      windows [⌊i·H/Hₒ⌋, ⌈(i+1)·H/Hₒ⌉): y = A_h·x·A_wᵀ with averaging matrices
    AdaptiveMaxPool2D      max over the same windows

A window is read as strided slices, one per kernel offset (k₁·k₂ of them): no loop over positions.
Max pooling keeps PyTorch's rule for ties and NaN: a later cell replaces the running maximum only when
it is strictly larger, or NaN — so the first of equal maxima wins, and a NaN propagates.  ``indices``
are PyTorch's: the flat position h·W + w of the winner in its input plane.
1-d pooling is 2-d pooling on (N, C, 1, L), as in PyTorch (its node is the 2-d one, under a squeeze).
"""
from __future__ import annotations

import itertools

import numpy as np

from ..autograd.function import Op


def pool_out_size(n: int, k: int, s: int, pad: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size: ⌊ or ⌈(n + 2·pad − d·(k − 1) − 1)/s⌉ + 1, and with ``ceil_mode``
    one fewer when the last window would start in the right padding."""
    span = n + 2 * pad - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + pad:
        out -= 1
    return out


def _as4d(x: np.ndarray) -> np.ndarray:
    return x[None] if x.ndim == 3 else x


def _running_max(candidates, shape, dtype, first, nan: bool):
    """Fold ``(values, flat_index, valid)`` candidates (in PyTorch's scan order) into the maximum and its
    index, as PyTorch's kernels do: start from −∞ at index ``first`` (the window's first cell), and let a
    valid candidate win where it is strictly larger, or NaN (``nan``: whether the input holds any)."""
    best = idx = None
    for v, flat, valid in candidates:
        if best is None and valid is None:     # a first candidate valid everywhere simply wins
            best, idx = np.array(v, dtype=dtype), np.array(np.broadcast_to(flat, shape), dtype=np.int64)
            continue
        if best is None:
            best = np.full(shape, -np.inf, dtype=dtype)
            idx = np.array(np.broadcast_to(first, shape), dtype=np.int64)
        win = np.greater(v, best)
        if nan:
            win |= np.isnan(v)
        if valid is not None:
            win &= valid
        np.copyto(best, v, where=win)
        np.copyto(idx, flat, where=win)
    if best is None:
        best = np.full(shape, -np.inf, dtype=dtype)
        idx = np.array(np.broadcast_to(first, shape), dtype=np.int64)
    return best, idx


def _scatter_to_winners(g: np.ndarray, idx: np.ndarray, shape) -> np.ndarray:
    """∂L/∂x: each g entry added to the cell its window's maximum came from (np.bincount over flat cells)."""
    n, c, h, w = shape
    plane = h * w
    base = (np.arange(n * c, dtype=np.int64) * plane).reshape(n, c, 1, 1)
    inside = (idx >= 0) & (idx < plane)      # a window of padding only points past its plane: it gets none
    if not inside.all():
        g, idx = np.where(inside, g, 0), np.where(inside, idx, 0)
    flat = np.bincount((idx + base).ravel(), weights=g.ravel(), minlength=n * c * plane)
    return flat.reshape(shape).astype(g.dtype, copy=False)


def _offset_view(a: np.ndarray, p: int, q: int, stride, dilation, out) -> np.ndarray:
    """The cells kernel offset (p, q) reads for every output position: a strided slice of ``a``."""
    return a[:, :, p * dilation[0]: p * dilation[0] + stride[0] * (out[0] - 1) + 1: stride[0],
             q * dilation[1]: q * dilation[1] + stride[1] * (out[1] - 1) + 1: stride[1]]


class MaxPool2DWithIndices(Op):
    """y[n, c, i, j] = max_{p, q} x[n, c, i·s − pad + p·d, j·s − pad + q·d] (cells outside x never win);
    ∂L/∂x[n, c, h, w] = Σ of g over the windows whose maximum sat at (h, w) — the first cell, in scan
    order, that holds the maximum.

    The maximum is a running ``np.maximum`` over the k₁·k₂ offset slices; the winners are found again
    in backward by comparing each slice with it (no index array is kept).  A window whose maximum is
    NaN or −∞ takes the exact scan of PyTorch's kernel instead (``_running_max``: a NaN wins, the
    last one; a window of −∞ keeps its first cell).
    ``indices_out``: a list the indices (int64, y's shape; the flat h·W + w) are appended to."""
    _name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode, indices_out=None):
        x4 = _as4d(x)
        n, c, h, w = x4.shape
        out = tuple(pool_out_size(m, k, s, p, d, ceil_mode)
                    for m, k, s, p, d in zip((h, w), kernel, stride, padding, dilation))
        reach = [(o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(out, stride, dilation, kernel)]
        pads = tuple((p, max(r - m - p, 0)) for p, r, m in zip(padding, reach, (h, w)))
        xp = np.pad(x4, ((0, 0), (0, 0)) + pads, constant_values=-np.inf) if any(map(any, pads)) else x4
        starts = [np.arange(o) * s - p for o, s, p in zip(out, stride, padding)]
        offsets = list(itertools.product(range(kernel[0]), range(kernel[1])))
        best = None
        for p, q in offsets:
            v = _offset_view(xp, p, q, stride, dilation, out)
            best = np.array(v) if best is None else np.maximum(best, v, out=best)
        ctx.geometry = (offsets, stride, dilation, out, pads, x4.shape, xp.shape)
        exact = best.size and (np.isnan(best).any() or (best == -np.inf).any())
        if not exact:
            ctx.save_for_backward(xp, best.copy())      # a copy: an in-place op on y must not change it
            if indices_out is not None:
                code = _first_winner(xp, best, offsets, stride, dilation, out)
                kh = np.array([p for p, _ in offsets]) * dilation[0]
                kw = np.array([q for _, q in offsets]) * dilation[1]
                idx = (starts[0][:, None] + kh[code]) * w + starts[1][None, :] + kw[code]
        else:
            def candidates():
                for p, q in offsets:
                    ih, iw = starts[0] + p * dilation[0], starts[1] + q * dilation[1]
                    ok_h, ok_w = (ih >= 0) & (ih < h), (iw >= 0) & (iw < w)
                    valid = None if ok_h.all() and ok_w.all() else ok_h[:, None] & ok_w[None, :]
                    yield _offset_view(xp, p, q, stride, dilation, out), ih[:, None] * w + iw[None, :], valid

            # PyTorch's first cell of a window: its start moved past the left padding in steps of d
            first = [st + -(-np.maximum(-st, 0) // d) * d for st, d in zip(starts, dilation)]
            best, idx = _running_max(candidates(), (n, c) + out, x.dtype, first[0][:, None] * w + first[1][None, :],
                                     True)
            ctx.save_for_backward(None, None, idx)
        if indices_out is not None:
            indices_out.append(idx.reshape(best.shape if x.ndim == 4 else best.shape[1:]))
        return best if x.ndim == 4 else best[0]

    @staticmethod
    def backward(ctx, g):
        offsets, stride, dilation, out, pads, shape, padded = ctx.geometry
        saved = ctx.saved_tensors
        g4 = _as4d(g)
        if len(saved) == 3:
            gx = _scatter_to_winners(g4, saved[2], shape)
        else:
            xp, best = saved
            gxp = np.zeros(padded, dtype=g.dtype)
            taken = None
            for p, q in offsets:                      # each window's first cell equal to its maximum wins
                won = _offset_view(xp, p, q, stride, dilation, out) == best
                if taken is None:
                    taken = won
                else:
                    np.logical_and(won, ~taken, out=won)
                    taken |= won
                _offset_view(gxp, p, q, stride, dilation, out)[...] += g4 * won
            gx = gxp[:, :, pads[0][0]: pads[0][0] + shape[2], pads[1][0]: pads[1][0] + shape[3]]
        return gx if g.ndim == 4 else gx[0]


def _first_winner(xp, best, offsets, stride, dilation, out) -> np.ndarray:
    """For each output cell, the number of the first kernel offset whose cell equals the maximum."""
    code = np.full(best.shape, len(offsets), dtype=np.int64)
    for k in reversed(range(len(offsets))):
        p, q = offsets[k]
        np.copyto(code, k, where=_offset_view(xp, p, q, stride, dilation, out) == best)
    return code


def _avg_divisor(n, k, s, pad, out, count_include_pad):
    """Per output position along one dim: the cells its window covers (padding counted or not)."""
    start = np.arange(out) * s - pad
    end = np.minimum(start + k, n + pad)
    size = end - start
    if count_include_pad:
        return size
    return np.minimum(end, n) - np.maximum(start, 0)


class AvgPool2D(Op):
    """y[n, c, i, j] = Σ_{p, q} xp[n, c, i·s + p, j·s + q] / D[i, j]  (xp: x zero-padded);
    D = the window's cell count (padding included with ``count_include_pad``), or ``divisor_override``.
    ∂L/∂x = each g[i, j]/D[i, j] added to every cell of its window."""
    _name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        x4 = _as4d(x)
        n, c, h, w = x4.shape
        out = tuple(pool_out_size(m, k, s, p, 1, ceil_mode)
                    for m, k, s, p in zip((h, w), kernel, stride, padding))
        reach = [(o - 1) * s + k for o, s, k in zip(out, stride, kernel)]
        pads = tuple((p, max(r - m - p, 0)) for p, r, m in zip(padding, reach, (h, w)))
        xp = np.pad(x4, ((0, 0), (0, 0)) + pads) if any(map(any, pads)) else x4
        total = np.zeros((n, c) + out, dtype=x.dtype)
        for p, q in itertools.product(range(kernel[0]), range(kernel[1])):
            total += xp[:, :, p: p + stride[0] * (out[0] - 1) + 1: stride[0], q: q + stride[1] * (out[1] - 1) + 1: stride[1]]
        if divisor_override:
            divisor = np.full(out, divisor_override)
        else:
            divisor = np.outer(*(_avg_divisor(m, k, s, p, o, count_include_pad)
                                 for m, k, s, p, o in zip((h, w), kernel, stride, padding, out)))
        divisor = divisor.astype(x.dtype)
        ctx.geometry = (xp.shape, pads, kernel, stride, out, divisor, x4.shape)
        y = total / divisor
        return y if x.ndim == 4 else y[0]

    @staticmethod
    def backward(ctx, g):
        padded, pads, kernel, stride, out, divisor, shape = ctx.geometry
        share = _as4d(g) / divisor
        gxp = np.zeros(padded, dtype=g.dtype)
        for p, q in itertools.product(range(kernel[0]), range(kernel[1])):
            gxp[:, :, p: p + stride[0] * (out[0] - 1) + 1: stride[0], q: q + stride[1] * (out[1] - 1) + 1: stride[1]] += share
        gx = gxp[:, :, pads[0][0]: pads[0][0] + shape[2], pads[1][0]: pads[1][0] + shape[3]]
        return gx if g.ndim == 4 else gx[0]


def adaptive_windows(n: int, out: int):
    """PyTorch's adaptive windows along one dim: start = ⌊i·n/out⌋, end = ⌈(i + 1)·n/out⌉."""
    i = np.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


def _averaging_matrix(n: int, out: int, dtype) -> np.ndarray:
    start, end = adaptive_windows(n, out)
    cols = np.arange(n)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2D(Op):
    """y[n, c, i, j] = mean of x[n, c, hᵢ₀:hᵢ₁, wⱼ₀:wⱼ₁] (``adaptive_windows``), i.e. y = A_h·x·A_wᵀ with
    A_h (Hₒ, H) holding 1/(window length) on each window;  ∂L/∂x = A_hᵀ·g·A_w."""
    _name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, out):
        h, w = x.shape[-2:]
        a_h, a_w = _averaging_matrix(h, out[0], x.dtype), _averaging_matrix(w, out[1], x.dtype)
        ctx.mats = (a_h, a_w)
        return np.matmul(np.matmul(a_h, x), a_w.T)

    @staticmethod
    def backward(ctx, g):
        a_h, a_w = ctx.mats
        return np.matmul(np.matmul(a_h.T, g), a_w)


class AdaptiveMaxPool2D(Op):
    """y[n, c, i, j] = max of x[n, c, hᵢ₀:hᵢ₁, wⱼ₀:wⱼ₁] (``adaptive_windows``); indices as max pooling's.
    ∂L/∂x: each g goes to its window's winner.  The windows differ in length by at most one cell, so
    they are read as (longest length)² offsets, the cells past a short window's end marked invalid."""
    _name = "AdaptiveMaxPool2DBackward0"

    @staticmethod
    def forward(ctx, x, out, indices_out=None):
        x4 = _as4d(x)
        n, c, h, w = x4.shape
        (h0, h1), (w0, w1) = adaptive_windows(h, out[0]), adaptive_windows(w, out[1])
        kh, kw = int((h1 - h0).max(initial=0)), int((w1 - w0).max(initial=0))

        def candidates():
            for p, q in itertools.product(range(kh), range(kw)):
                ih, iw = h0 + p, w0 + q
                ok_h, ok_w = ih < h1, iw < w1
                ih, iw = np.minimum(ih, h - 1), np.minimum(iw, w - 1)
                valid = None if ok_h.all() and ok_w.all() else ok_h[:, None] & ok_w[None, :]
                yield x4[:, :, ih[:, None], iw[None, :]], ih[:, None] * w + iw[None, :], valid

        y, idx = _running_max(candidates(), (n, c) + tuple(out), x.dtype, h0[:, None] * w + w0[None, :],
                              bool(np.isnan(np.sum(x4))))
        ctx.idx, ctx.shape = idx, x4.shape
        if indices_out is not None:
            indices_out.append(idx if x.ndim == 4 else idx[0])
        return y if x.ndim == 4 else y[0]

    @staticmethod
    def backward(ctx, g):
        gx = _scatter_to_winners(_as4d(g), ctx.idx, ctx.shape)
        return gx if g.ndim == 4 else gx[0]


# -- explain rules (see chainrule/explain/rules.py; the windows are explain/patterns/windows.py) --------
MaxPool2DWithIndices.explain = lambda E, n, x, *_, out: E.rule(E.func("maxpool", x))
AvgPool2D.explain = lambda E, n, x, *_, out: E.rule(E.func("avgpool", x))
