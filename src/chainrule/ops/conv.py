"""Convolution and its relatives — each forward beside its vector-Jacobian product.

Everything here is one idea: the *window view*.  For an input x (N, C, *spatial) padded to xp, a
strided view (``np.lib.stride_tricks.as_strided``) reads, without copying,

    view[g, c, p…, n, i…] = xp[n, g·C/G + c, i·s + p·d …]          (s: stride, d: dilation)

so a convolution is ONE matrix product of that view (reshaped: the im2col copy) with the weights,

    y[n, o, i…] = b[o] + Σ_{c, p…} W[o, c, p…] · xp[n, g(o)·C/G + c, i·s + p·d …]

and every backward is the same product transposed plus ``col2im`` — adding each kernel offset's slab
of the column gradient back onto the input grid (a loop over the k₁·k₂ offsets, never over positions).

    Convolution          y = W ⋆ x + b                         (F.conv1d/2d/3d; ConvolutionBackward0)
    ConvolutionTranspose y = the adjoint of a convolution       (F.conv_transpose1d/2d)
    Im2Col / Col2Im      F.unfold / F.fold
    ConstantPadNd, IndexPad  F.pad's constant and reflect / replicate / circular modes
"""
from __future__ import annotations

import itertools
import math
import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Op


# ------------------------------------------------------------------------------------ the kernels
class Scratch:
    """Large work arrays (im2col columns, their gradients) reused from one training step to the next.

    A fresh multi-megabyte array costs more than the product it feeds: the C library hands memory that
    big back to the system when it is freed, so every step faults its pages in again (half of a LeNet-5
    step's CPU time here).  ``take(shape, dtype)`` returns an array that nothing outside this pool
    refers to any more — not the graph that saved it, not a view of it — or a new one; the reference
    count is the proof, so a buffer still saved for a backward (two graphs alive, ``retain_graph``) is
    never handed out twice.  Only arrays of at least ``min_bytes`` are pooled, at most ``per_shape`` of
    each shape."""

    min_bytes = 1 << 20
    per_shape = 4

    def __init__(self):
        self._free = {}

    def take(self, shape, dtype) -> np.ndarray:
        shape, dtype = tuple(shape), np.dtype(dtype)
        if math.prod(shape) * dtype.itemsize < self.min_bytes:
            return np.empty(shape, dtype)
        bufs = self._free.setdefault((shape, dtype.str), [])
        for buf in bufs:
            if sys.getrefcount(buf) <= 3:      # the list, this loop's name, getrefcount's argument
                return buf
        buf = np.empty(shape, dtype)
        if len(bufs) < self.per_shape:
            bufs.append(buf)
        return buf


SCRATCH = Scratch()


def out_size(n: int, k: int, stride: int, dilation: int, lo: int, hi: int) -> int:
    """Positions a window of k taps (spaced ``dilation``) takes on n + lo + hi cells, every ``stride``:
    ⌊(n + lo + hi − d·(k − 1) − 1) / s⌋ + 1."""
    return (n + lo + hi - dilation * (k - 1) - 1) // stride + 1


def pad_zeros(x: np.ndarray, pads) -> np.ndarray:
    """x with ``pads`` = ((lo, hi), …) zeros around each spatial dim (x itself when there are none)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    return np.pad(x, ((0, 0), (0, 0)) + tuple(pads))


def im2col(xp: np.ndarray, kernel, stride, dilation, out, groups: int) -> np.ndarray:
    """The window view copied into columns, offset-major: (G, C/G·Π kernel, N·Π out), row (c, p…) holding
    xp[n, g·C/G + c, i·s + p·d …] for every position (n, i…).  (This order copies 3–4× faster than
    position-major: reads and writes both run along the output width.)"""
    n, c = xp.shape[:2]
    cg = c // groups
    s_n, s_c = xp.strides[:2]
    s_sp = xp.strides[2:]
    shape = (groups, cg) + tuple(kernel) + (n,) + tuple(out)
    strides = ((cg * s_c, s_c) + tuple(a * d for a, d in zip(s_sp, dilation)) + (s_n,)
               + tuple(a * s for a, s in zip(s_sp, stride)))
    cols = SCRATCH.take((groups, cg * math.prod(kernel), n * math.prod(out)), xp.dtype)
    np.copyto(cols.reshape(shape), as_strided(xp, shape, strides, writeable=False))
    return cols


def col2im(cols: np.ndarray, shape, kernel, stride, dilation, out, groups: int) -> np.ndarray:
    """The adjoint of ``im2col``: the column gradient, laid out offset-major as (G, C/G, *kernel, N, *out),
    summed onto a zero grid ``shape`` (N, C, *spatial) — every tap adds into the cell it read.  One
    strided add per kernel offset, each reading a contiguous (G, C/G, N, *out) slab."""
    n, c = shape[:2]
    d = len(kernel)
    grid = np.zeros(shape, dtype=cols.dtype)
    view = grid.reshape((n, groups, c // groups) + tuple(shape[2:]))
    to_grid = (2, 0, 1) + tuple(range(3, 3 + d))              # (G, Cg, N, *out) → (N, G, Cg, *out)
    for offset in itertools.product(*(range(k) for k in kernel)):
        where = tuple(slice(p * dl, p * dl + s * (o - 1) + 1, s)
                      for p, dl, s, o in zip(offset, dilation, stride, out))
        view[(Ellipsis,) + where] += cols[(slice(None), slice(None)) + offset].transpose(to_grid)
    return grid


def crop(grid: np.ndarray, pads, sizes) -> np.ndarray:
    """The inner region of a padded grid: grid[:, :, lo:lo + n, …]."""
    if not any(lo for lo, _ in pads) and tuple(grid.shape[2:]) == tuple(sizes):
        return grid
    return grid[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, sizes))]


def _product_per_sample(wm: np.ndarray, cols: np.ndarray, n: int, out) -> np.ndarray:
    """W·X computed sample by sample, so that it lands channels-first: wm (G, O/G, K), cols (G, K, N·Π out)
    → (N, O, *out) contiguous, with no transposing copy (one BLAS product per sample and group)."""
    groups, og = wm.shape[:2]
    p = math.prod(out)
    per_sample = cols.reshape(groups, cols.shape[1], n, p).transpose(2, 0, 1, 3)     # (N, G, K, Π out)
    y = np.matmul(wm[None], per_sample)                                               # (N, G, O/G, Π out)
    return y.reshape((n, groups * og) + tuple(out))


def _channel_rows(g: np.ndarray, groups: int) -> np.ndarray:
    """(N, O, *out) → (G, O/G, N·Π out): each group's channels as rows over all samples and positions."""
    n, o = g.shape[:2]
    p = math.prod(g.shape[2:])
    g = g.reshape(n, groups, o // groups, p).transpose(1, 2, 0, 3)
    return g.reshape(groups, o // groups, n * p)


def _bias_shape(d: int) -> tuple:
    return (-1,) + (1,) * d


class Convolution(Op):
    """y[n, o, i…] = b[o] + Σ_{c, p…} W[o, c, p…] · xp[n, g·C/G + c, i·s + p·d …]

    Shapes: x (N, C, *spatial), W (O, C/G, *k), b (O,) → y (N, O, *out), out = ⌊(n + pads − d(k−1) − 1)/s⌋ + 1;
    ``pads`` is ((lo, hi), …) per spatial dim (zeros), xp the padded x.  With the window view copied
    into the matrix X (K, M) [K = C/G·Π k rows, M = N·Π out columns: ``im2col``], W (O/G, K) and the
    output gradient as Γ (O/G, M), per group:

        Y = W·X,   ∂L/∂W = Γ·Xᵀ,   ∂L/∂X = Wᵀ·Γ → col2im,   ∂L/∂b = Σ_{n, i…} g
  ∂L/∂x is the full correlation of g with the
    flipped kernel: col2im adds each column back onto the cell it was read from."""
    _name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups):
        kernel = w.shape[2:]
        spatial = x.shape[2:]
        out = tuple(out_size(n, k, s, d, lo, hi)
                    for n, k, s, d, (lo, hi) in zip(spatial, kernel, stride, dilation, pads))
        xp = pad_zeros(x, pads)
        cols = im2col(xp, kernel, stride, dilation, out, groups)
        wm = w.reshape(groups, w.shape[0] // groups, -1)
        y = _product_per_sample(wm, cols, x.shape[0], out)
        if b is not None:
            y += b.reshape(_bias_shape(len(out)))
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None, cols if need[1] else None)
        ctx.geometry = (xp.shape, kernel, stride, dilation, out, groups, pads, spatial)
        ctx.w_shape = w.shape
        return y

    @staticmethod
    def backward(ctx, g):
        x, w, cols = ctx.saved_tensors
        padded, kernel, stride, dilation, out, groups, pads, spatial = ctx.geometry
        need = ctx.needs_input_grad
        rows = _channel_rows(g, groups)                                     # Γ: (G, O/G, M)
        gx = gw = gb = None
        if need[0]:
            wm = w.reshape(groups, w.shape[0] // groups, -1)
            gcols = np.matmul(wm.transpose(0, 2, 1), rows,                   # (G, K, M), offset-major
                              out=SCRATCH.take((groups, wm.shape[2], rows.shape[2]), rows.dtype))
            gcols = gcols.reshape((groups, w.shape[1]) + tuple(kernel) + (padded[0],) + tuple(out))
            gx = crop(col2im(gcols, padded, kernel, stride, dilation, out, groups), pads, spatial)
        if need[1]:
            gw = np.matmul(rows, cols.transpose(0, 2, 1)).reshape(ctx.w_shape)
        if len(need) > 2 and need[2]:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb


class ConvolutionTranspose(Op):
    """The adjoint of a convolution (what its ∂L/∂x does), used as a layer: each input cell spreads its
    value over a kernel-sized patch of the output,

        full[n, g·O/G + o, i·s + p·d …] += Σ_c x[n, g·C/G + c, i…] · W[g·C/G + c, o, p…],   y = full cropped by ``padding``

    Shapes: x (N, C, *spatial), W (C, O/G, *k), b (O,) → y (N, O, *out) with
    out = (n − 1)·s − 2·padding + d·(k − 1) + output_padding + 1.  Backward is a plain convolution of g:
    with Γ = ``im2col`` of g (padded back to the full grid; (O/G·Π k, M)) and X = x as (C/G, M),

        ∂L/∂x = W·Γ,   ∂L/∂W = X·Γᵀ,   ∂L/∂b = Σ g"""
    _name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, output_padding, groups):
        kernel = w.shape[2:]
        spatial = x.shape[2:]
        n, c = x.shape[:2]
        og = w.shape[1]
        full = tuple((m - 1) * s + d * (k - 1) + 1 + op
                     for m, s, d, k, op in zip(spatial, stride, dilation, kernel, output_padding))
        xm = _channel_rows(x, groups)                           # (G, C/G, N·Π spatial)
        wm = w.reshape(groups, c // groups, -1)                 # (G, C/G, O/G·Π k)
        cols = np.matmul(wm.transpose(0, 2, 1), xm).reshape((groups, og) + tuple(kernel) + (n,) + tuple(spatial))
        grid = col2im(cols, (n, groups * og) + full, kernel, stride, dilation, spatial, groups)
        pads = tuple((p, p) for p in padding)
        out = tuple(f - 2 * p for f, p in zip(full, padding))
        y = np.ascontiguousarray(crop(grid, pads, out))
        if b is not None:
            y += b.reshape(_bias_shape(len(out)))
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        ctx.geometry = (kernel, stride, dilation, spatial, groups, pads, full)
        ctx.w_shape = w.shape
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        kernel, stride, dilation, spatial, groups, pads, full = ctx.geometry
        need = ctx.needs_input_grad
        gfull = np.pad(g, ((0, 0), (0, 0)) + tuple((lo, f - lo - n) for (lo, _), f, n in zip(pads, full, g.shape[2:])))
        cols = im2col(gfull, kernel, stride, dilation, spatial, groups)    # (G, O/G·Π k, N·Π spatial)
        gx = gw = gb = None
        if need[0]:
            wm = w.reshape(groups, w.shape[0] // groups, -1)
            gx = _product_per_sample(wm, cols, g.shape[0], spatial)
        if need[1]:
            gw = np.matmul(_channel_rows(x, groups), cols.transpose(0, 2, 1)).reshape(ctx.w_shape)
        if len(need) > 2 and need[2]:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb


def unfold_array(x: np.ndarray, kernel, stride, pads, dilation, out) -> np.ndarray:
    """x (N, C, *spatial) → (N, C·Π k, L): F.unfold's layout of the window view,
    out[n, (c, p…), (i…)] = xp[n, c, i·s + p·d …]."""
    xp = pad_zeros(x, pads)
    n, c = xp.shape[:2]
    s_n, s_c = xp.strides[:2]
    s_sp = xp.strides[2:]
    view = as_strided(xp, (n, c) + tuple(kernel) + tuple(out),
                      (s_n, s_c) + tuple(a * d for a, d in zip(s_sp, dilation))
                      + tuple(a * s for a, s in zip(s_sp, stride)), writeable=False)
    return view.reshape(n, c * math.prod(kernel), math.prod(out))


def _offset_major(cols: np.ndarray, kernel, out) -> np.ndarray:
    """F.unfold's layout (N, C·Π k, L) as the view (1, C, *k, N, *out) that ``col2im`` takes."""
    d = len(kernel)
    view = cols.reshape((cols.shape[0], cols.shape[1] // math.prod(kernel)) + tuple(kernel) + tuple(out))
    return view.transpose((1,) + tuple(range(2, 2 + d)) + (0,) + tuple(range(2 + d, 2 + 2 * d)))[None]


class Im2Col(Op):
    """F.unfold: out[n, (c, p…), l] = xp[n, c, i·s + p·d …] with l = the flat output position i…;
    x (N, C, *spatial) → (N, C·Π k, L).  ∂L/∂x = col2im of g (each column added back where it was read)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, pads, dilation):
        spatial = x.shape[2:]
        out = tuple(out_size(n, k, s, d, lo, hi)
                    for n, k, s, d, (lo, hi) in zip(spatial, kernel, stride, dilation, pads))
        ctx.geometry = (tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, ((0, 0), (0, 0)) + tuple(pads))),
                        kernel, stride, dilation, out, pads, spatial)
        return unfold_array(x, kernel, stride, pads, dilation, out)

    @staticmethod
    def backward(ctx, g):
        padded, kernel, stride, dilation, out, pads, spatial = ctx.geometry
        return crop(col2im(_offset_major(g, kernel, out), padded, kernel, stride, dilation, out, 1), pads, spatial)


class Col2Im(Op):
    """F.fold: the adjoint of unfold — y[n, c, i·s + p·d − pad …] += cols[n, (c, p…), l];
    cols (N, C·Π k, L) → (N, C, *output_size).  ∂L/∂cols = unfold of g."""

    @staticmethod
    def forward(ctx, cols, output_size, kernel, stride, pads, dilation, out):
        n = cols.shape[0]
        c = cols.shape[1] // math.prod(kernel)
        padded = (n, c) + tuple(m + lo + hi for m, (lo, hi) in zip(output_size, pads))
        view = _offset_major(cols, kernel, out)
        ctx.geometry = (kernel, stride, pads, dilation, out)
        return np.ascontiguousarray(crop(col2im(view, padded, kernel, stride, dilation, out, 1), pads, output_size))

    @staticmethod
    def backward(ctx, g):
        kernel, stride, pads, dilation, out = ctx.geometry
        return unfold_array(g, kernel, stride, pads, dilation, out)


# ------------------------------------------------------------------------------------------ padding
class ConstantPadNd(Op):
    """out = x with ``value`` added around the last dims (``pads`` = ((lo, hi), …) for them, first to
    last; a negative width crops);  ∂L/∂x = g cut back to x's cells (cropped cells get 0)."""

    @staticmethod
    def forward(ctx, x, pads, value):
        lead = x.ndim - len(pads)
        grow = ((0, 0),) * lead + tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
        y = np.pad(x, grow, constant_values=value) if any(a or b for a, b in grow) else x.copy()
        cut = (slice(None),) * lead + tuple(slice(-min(lo, 0), y.shape[lead + i] + min(hi, 0))
                                            for i, (lo, hi) in enumerate(pads))
        ctx.pads, ctx.lead = pads, lead
        return np.ascontiguousarray(y[cut])

    @staticmethod
    def backward(ctx, g):
        # (a scratch ctx: forward stores the pads it was given, and this node's must stay as they are, so
        # that a second backward through a retained graph pads, not crops, the other way round again)
        scratch = type(ctx)()
        return ConstantPadNd.forward(scratch, g, tuple((-lo, -hi) for lo, hi in ctx.pads), 0)


def pad_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For each cell of a dim of n cells padded by (lo, hi), the input cell it copies:
    reflect mirrors about the edge cells (−1 → 1), replicate repeats them (−1 → 0), circular wraps (−1 → n − 1)."""
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        j = np.abs(j) % period
        return np.where(j >= n, period - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    return j % n


class IndexPad(Op):
    """out = x read through one index array per padded dim (``pad_index``: reflect, replicate, circular):
    out[…, j] = x[…, idx[j]];  ∂L/∂x[…, i] = Σ_{j: idx[j] = i} g[…, j] (every copy sends its gradient home)."""

    @staticmethod
    def forward(ctx, x, pads, mode):
        lead = x.ndim - len(pads)
        ctx._name = {"reflect": f"ReflectionPad{len(pads)}DBackward0",
                     "replicate": f"ReplicationPad{len(pads)}DBackward0"}.get(mode, "CopySlices")
        idx = [pad_index(x.shape[lead + i], lo, hi, mode) for i, (lo, hi) in enumerate(pads)]
        y = x
        for i, ix in enumerate(idx):
            y = np.take(y, ix, axis=lead + i)
        ctx.idx, ctx.lead, ctx.shape = idx, lead, x.shape
        return y

    @staticmethod
    def backward(ctx, g):
        for i in reversed(range(len(ctx.idx))):
            axis = ctx.lead + i
            shape = list(g.shape)
            shape[axis] = ctx.shape[axis]
            back = np.zeros(shape, dtype=g.dtype)
            np.add.at(np.moveaxis(back, axis, 0), ctx.idx[i], np.moveaxis(g, axis, 0))
            g = back
        return g


# -- explain rules (see chainrule/explain/rules.py; the sliding-window sums are explain/patterns/windows.py) --
def _conv_rule(E, n, x, w, b=None, *_, out):
    """y = conv(x, W) + b;  ∂L/∂x = conv_full(G, flip(W)),  ∂L/∂W = corr(x, G),  ∂L/∂b = Σ G."""
    fwd = E.func("conv", x, w)
    return E.rule(E.add(fwd, b) if b is not None and not isinstance(b, (int, float)) else fwd,
                  vjp=(E.func("conv_full", E.G, E.func("flip", w)), E.func("corr", x, E.G), E.sum("n,i,j", E.G)))


Convolution.explain = _conv_rule
