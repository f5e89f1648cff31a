"""Sliding windows, as worked by hand: convolution and pooling.

Convolution (``ops.conv.Convolution``; x (N, C, H, W), W (O, C/G, k₁, k₂), stride s, padding p,
dilation d): every output entry is the kernel laid on one window of the zero-padded input,

    z[n, o, i, j] = Σ_{c, p, q} W[o, c, p, q] · xₚ[n, c, i·s₁ + p·d₁, j·s₂ + q·d₂] + b[o],

and the backward is two more sliding sums:

    ∂L/∂W[o, c, p, q] = Σ_{n, i, j} g[n, o, i, j] · xₚ[n, c, i·s₁ + p·d₁, j·s₂ + q·d₂]   (x correlated with g)
    ∂L/∂x = g, spread by the stride and padded by d(k − 1), correlated with the kernel turned by 180°
            (the full convolution), then cropped by the padding p;        ∂L/∂b[o] = Σ g[n, o, i, j]

(g = ∂L/∂z).  Max pooling sends each g[i, j] to the first cell holding its window's maximum; average
pooling gives each cell of the window g[i, j]/D.  Every sum written is recomputed here and checked
against the engine's (``gb.check``); small maps are worked entry by entry, larger ones through one
chosen entry (the largest gradient), the rest stay tensors.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..derivation import Add, Equation, Func, Matrix, Mul, Num, Para, Partial, Sum, Sym, Table
from ..step_graph import Value

#: an output map with at most this many entries is worked entry by entry
ENTRIES = 16
#: a sum with at most this many terms is written out term by term
TERMS = 25
#: grids (padded input, spread gradient) with at most this many cells are drawn
GRID = 100


def at(sym: Sym, idx) -> Sym:
    """``sym[idx]`` (indices 0-based, as PyTorch's)."""
    return Sym(sym.base, sub=sym.sub, sup=sym.sup, hat=sym.hat, sample=",".join(str(int(i)) for i in idx), ref=sym.ref)


def grid(a) -> Matrix:
    a = np.asarray(a, np.float64)
    return Matrix(tuple(tuple(Num(float(x)) for x in row) for row in a.reshape(-1, a.shape[-1])))


def _terms_expr(pairs):
    return Add(tuple(pairs)) if len(pairs) > 1 else pairs[0]


# -- convolution ----------------------------------------------------------------------------------------
class Conv:
    """The geometry of one recorded convolution, as 2-D (a 1-D one gets a height of 1)."""

    def __init__(self, op):
        x, w, b, stride, pads, dilation, groups = op.args[:7]
        self.op, self.xv, self.wv, self.bv = op, x, w, b if isinstance(b, Value) else None
        self.nd = x.value.ndim - 2
        self.ok = self.nd in (1, 2) and isinstance(w, Value)      # a layout drawn (else the generic form stands)
        if not self.ok:
            return
        lift = (lambda a: a[:, :, None, :]) if self.nd == 1 else (lambda a: a)
        self.x = lift(np.asarray(x.value, np.float64))
        self.w = lift(np.asarray(w.value, np.float64))
        self.z = lift(np.asarray(op.output.value, np.float64))
        self.g = None if op.output.grad is None else lift(np.asarray(op.output.grad, np.float64))
        self.b = None if self.bv is None else np.asarray(self.bv.value, np.float64)
        two = (lambda t: (1,) + tuple(t)) if self.nd == 1 else tuple
        self.s, self.d = two(stride), two(dilation)
        self.pads = (((0, 0),) + tuple(tuple(p) for p in pads)) if self.nd == 1 else tuple(tuple(p) for p in pads)
        self.G = int(groups)
        self.N, self.C, self.H, self.W = self.x.shape
        self.O, self.Cg, self.kh, self.kw = self.w.shape
        self.oh, self.ow = self.z.shape[2:]
        self.xp = np.pad(self.x, ((0, 0), (0, 0)) + self.pads)

    # indices as written: the 1-D lift's height dropped
    # with one sample and one channel the grid's own [row, column] (the 1-D lift's height dropped)
    def xi(self, n, c, r, s):
        return self._idx((n, c), (r, s), self.N == 1 and self.C == 1)

    def wi(self, o, c, p, q):
        return self._idx((o, c), (p, q), self.O == 1 and self.Cg == 1)

    def zi(self, n, o, i, j):
        return self._idx((n, o), (i, j), self.N == 1 and self.O == 1)

    def _idx(self, lead, pos, single):
        pos = pos[1:] if self.nd == 1 else pos
        return pos if single else lead + pos

    def window(self, n, o, i, j):
        """[(c_in, p, q, row in x or None, column in x or None, W value, x value)] of output (n, o, i, j)."""
        out = []
        g0 = (o // (self.O // self.G)) * self.Cg
        for c, p, q in itertools.product(range(self.Cg), range(self.kh), range(self.kw)):
            r = i * self.s[0] + p * self.d[0] - self.pads[0][0]
            s = j * self.s[1] + q * self.d[1] - self.pads[1][0]
            inside = 0 <= r < self.H and 0 <= s < self.W
            xv = self.x[n, g0 + c, r, s] if inside else 0.0
            out.append((g0 + c, c, p, q, r if inside else None, s if inside else None, self.w[o, c, p, q], xv))
        return out


def _syms(gb, op):
    x, w = op.args[0], op.args[1]
    b = op.args[2] if isinstance(op.args[2], Value) else None
    return gb.sym.get(x.id), gb.sym.get(w.id), (gb.sym.get(b.id) if b is not None else None), gb.sym[op.output.id]


def _chosen(a) -> tuple:
    """The entry of ``a`` with the largest magnitude (the first such)."""
    a = np.asarray(a)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(a))), a.shape))


def conv_forward(gb, op) -> list:
    cv = Conv(op)
    xs, ws, bs, zs = _syms(gb, op)
    if not cv.ok or xs is None or ws is None or not (op.args[0].known and op.output.known):
        return []
    blocks = [Para("layers.conv.window", {"out": zs, "x": xs, "w": ws, "kernel": f"{cv.kh}×{cv.kw}" if cv.nd == 2 else str(cv.kw),
                                          "stride": _dims(cv, *cv.s), "padding": _dims(cv, cv.pads[0][0], cv.pads[1][0]),
                                          "dilation": _dims(cv, *cv.d)})]
    if any(map(any, cv.pads)) and cv.xp.shape[2] * cv.xp.shape[3] <= GRID:
        blocks.append(Para("layers.conv.padded", {"x": xs, "p": _dims(cv, cv.pads[0][0], cv.pads[1][0])}))
        blocks.append(Equation(Sym(xs.base, sub=xs.sub, sup="pad" if not xs.sup else xs.sup + ",pad", ref=xs.ref),
                               [grid(cv.xp[0, 0] if cv.nd == 2 else cv.xp[0, 0, 0])], role=""))
    maps = cv.N * cv.O
    if maps == 1 and cv.oh * cv.ow <= ENTRIES and cv.Cg * cv.kh * cv.kw <= TERMS:
        entries = [(0, 0, i, j) for i in range(cv.oh) for j in range(cv.ow)]
    else:
        entries = [_chosen(cv.g) if cv.g is not None else (0, 0, 0, 0)]
        blocks.append(Para("layers.conv.chosen", {"entry": at(zs, cv.zi(*entries[0])), "n": cv.z.size - 1}))
    for n, o, i, j in entries:
        blocks += _conv_entry(gb, cv, xs, ws, bs, zs, n, o, i, j)
    return blocks


def _dims(cv, a, b):
    return str(b) if cv.nd == 1 else f"{a}×{b}" if a != b else str(a)


def _conv_entry(gb, cv, xs, ws, bs, zs, n, o, i, j) -> list:
    win = cv.window(n, o, i, j)
    value = float(cv.z[n, o, i, j])
    bias = [] if bs is None else [(at(bs, (o,)), Num(float(cv.b[o])))]
    lhs = at(zs, cv.zi(n, o, i, j))

    def term(cin, c, p, q, r, s, wv, xv):
        xe = at(xs, cv.xi(n, cin, r, s)) if r is not None else Num(0, integer=True)
        return Mul((at(ws, cv.wi(o, c, p, q)), xe), "dot"), Mul((Num(float(wv)), Num(float(xv), integer=r is None)),
                                                                 "times")
    total = sum(wv * xv for *_, wv, xv in win) + (float(cv.b[o]) if bs is not None else 0.0)
    gb.check(lambda: f"{lhs} as the window's weighted sum", total, value)
    if len(win) <= TERMS:
        ts = [term(*t) for t in win]
        srow = _terms_expr([a for a, _ in ts] + [s for s, _ in bias])
        nrow = _terms_expr([b for _, b in ts] + [v for _, v in bias])
        return [Equation(lhs, [srow, nrow, Num(value)], role="forward")]
    # many input channels: the sum per channel, then the first channel's window in full
    parts = {}
    for t in win:
        parts.setdefault(t[0], []).append(t)
    chans = list(parts)
    s_of = lambda c: Sym("s", sub=str(c))     # noqa: E731
    psum = {c: sum(wv * xv for *_, wv, xv in parts[c]) for c in chans}
    rows = [_terms_expr([s_of(c) for c in chans] + [s for s, _ in bias]),
            _terms_expr([Num(float(psum[c])) for c in chans] + [v for _, v in bias]), Num(value)]
    out = [Para("layers.conv.channels", {"entry": lhs, "c": len(chans)}), Equation(lhs, rows, role="forward")]
    first = parts[chans[0]]
    if len(first) <= TERMS:
        ts = [term(*t) for t in first]
        out.append(Equation(s_of(chans[0]), [_terms_expr([a for a, _ in ts]), _terms_expr([b for _, b in ts]),
                                             Num(float(psum[chans[0]]))], role="forward"))
    return out


def conv_backward(gb, v, op, i) -> list:
    cv = Conv(op)
    xs, ws, bs, zs = _syms(gb, op)
    if not cv.ok or cv.g is None or xs is None or ws is None or i not in op.contribution:
        return []
    contrib = np.asarray(op.contribution[i], np.float64)
    L = gb.Lsym
    g = Sym("g", ref=op.output.id)
    intro = [Para("layers.conv.g", {"g": g, "out": zs}),
             Equation(g, [Partial(L, zs)] + ([grid(cv.g[0, 0])] if cv.oh * cv.ow <= ENTRIES and cv.N * cv.O == 1
                                             else []), role="gradient")]
    positions = [(n, a, c) for n in range(cv.N) for a in range(cv.oh) for c in range(cv.ow)]
    if i == 1:                        # ∂L/∂W: the input correlated with g
        cw = contrib.reshape(cv.w.shape)
        blocks = intro + [Para("layers.conv.dw", {"w": ws, "x": xs, "g": g})]
        if cv.w.size <= ENTRIES:
            idxs = list(np.ndindex(cv.w.shape))
        else:
            idxs = [_chosen(cw)]
            blocks.append(Para("layers.conv.chosen_grad", {"entry": at(ws, cv.wi(*idxs[0])), "n": cv.w.size - 1}))
        for o, c, p, q in idxs:
            cin = (o // (cv.O // cv.G)) * cv.Cg + c
            terms = []
            for n, a, b in positions:
                r = a * cv.s[0] + p * cv.d[0] - cv.pads[0][0]
                s = b * cv.s[1] + q * cv.d[1] - cv.pads[1][0]
                inside = 0 <= r < cv.H and 0 <= s < cv.W
                terms.append((n, a, b, r, s, inside, cv.g[n, o, a, b], cv.x[n, cin, r, s] if inside else 0.0))
            total = sum(gv * xv for *_, gv, xv in terms)
            lhs = Partial(L, at(ws, cv.wi(o, c, p, q)))
            gb.check(lambda: f"{lhs} as the sum over the kernel's positions", total, cw[o, c, p, q])
            if len(terms) <= TERMS:
                srow = _terms_expr([Mul((at(g, cv.zi(n, o, a, b)), at(xs, cv.xi(n, cin, r, s)) if inside
                                         else Num(0, integer=True)), "dot") for n, a, b, r, s, inside, *_ in terms])
                nrow = _terms_expr([Mul((Num(float(gv)), Num(float(xv), integer=not inside)), "times")
                                    for *_, inside, gv, xv in terms])
                rows = [srow, nrow, Num(float(cw[o, c, p, q]))]
            else:
                rows = [Sum("n,i,j", Mul((Sym("g", sample=f"n,{o},i,j"),
                                          Sym(xs.base, sub=xs.sub, sample=f"n,{cin},i·{cv.s[0]}+{p * cv.d[0]},"
                                                                          f"j·{cv.s[1]}+{q * cv.d[1]}")), "dot")),
                        Num(float(cw[o, c, p, q]))]
            blocks.append(Equation(lhs, rows, role="gradient"))
        return blocks
    if i == 2:                        # ∂L/∂b: every position's g
        cb = contrib.reshape(-1)
        blocks = [Para("layers.conv.db", {"b": bs, "g": g})]
        for o in range(min(cv.O, 4)):
            total = float(cv.g[:, o].sum())
            gb.check(lambda: f"∂L/∂{bs}[{o}] as Σ g", total, cb[o])
            if len(positions) <= TERMS:
                rows = [_terms_expr([at(g, cv.zi(n, o, a, b)) for n, a, b in positions]),
                        _terms_expr([Num(float(cv.g[n, o, a, b])) for n, a, b in positions]), Num(float(cb[o]))]
            else:
                rows = [Sum("n,i,j", Sym("g", sample=f"n,{o},i,j")), Num(float(cb[o]))]
            blocks.append(Equation(Partial(L, at(bs, (o,))), rows, role="gradient"))
        return blocks
    if i == 0:                        # ∂L/∂x: the full convolution with the flipped kernel
        return intro + _conv_dx(gb, cv, xs, ws, g, contrib.reshape(cv.x.shape))
    return []


def _conv_dx(gb, cv, xs, ws, g, cx) -> list:
    L = gb.Lsym
    kh, kw = (cv.kh - 1) * cv.d[0] + 1, (cv.kw - 1) * cv.d[1] + 1        # the kernel's reach
    sh, sw = (cv.oh - 1) * cv.s[0] + 1, (cv.ow - 1) * cv.s[1] + 1        # g spread by the stride
    gt = np.zeros((cv.N, cv.O, sh + 2 * (kh - 1), sw + 2 * (kw - 1)))
    gt[:, :, kh - 1: kh - 1 + sh: cv.s[0], kw - 1: kw - 1 + sw: cv.s[1]] = cv.g
    flip = cv.w[:, :, ::-1, ::-1]
    full = np.zeros((cv.N, cv.C) + cv.xp.shape[2:])
    for n, o, c in itertools.product(range(cv.N), range(cv.O), range(cv.Cg)):
        cin = (o // (cv.O // cv.G)) * cv.Cg + c
        for a, b in itertools.product(range(sh + kh - 1), range(sw + kw - 1)):
            full[n, cin, a, b] += sum(gt[n, o, a + p * cv.d[0], b + q * cv.d[1]] * flip[o, c, p, q]
                                      for p in range(cv.kh) for q in range(cv.kw))
    top, left = cv.pads[0][0], cv.pads[1][0]
    dx = full[:, :, top: top + cv.H, left: left + cv.W]
    gb.check(lambda: f"∂L/∂{xs} as the full convolution of g with the flipped kernel", dx, cx)
    gs = Sym("g", hat=False, sup="full", ref=g.ref)
    wf = Sym(ws.base, sub=ws.sub, sup="flip", ref=ws.ref)
    blocks = [Para("layers.conv.dx", {"x": xs, "g": g, "gfull": gs, "w": ws, "wflip": wf,
                                      "spread": cv.s[0] - 1 if cv.s[0] == cv.s[1] else f"{cv.s[0] - 1}×{cv.s[1] - 1}",
                                      "pad": kh - 1 if kh == kw else f"{kh - 1}×{kw - 1}",
                                      "crop": _dims(cv, top, left)})]
    small = cv.N * cv.O == 1 and cv.C == 1
    if small and gt.shape[2] * gt.shape[3] <= GRID:
        blocks.append(Equation(wf, [grid(flip[0, 0])], role=""))
        blocks.append(Equation(gs, [grid(gt[0, 0])], role=""))
    if small and cv.H * cv.W <= ENTRIES:
        idxs = [(0, 0, r, s) for r in range(cv.H) for s in range(cv.W)]
    else:
        idxs = [_chosen(cx)]
        blocks.append(Para("layers.conv.chosen_grad", {"entry": at(xs, cv.xi(*idxs[0])), "n": cv.x.size - 1}))
    for n, cin, r, s in idxs:
        a, b = r + top, s + left
        terms = []
        for o in range(cv.O):
            if (o // (cv.O // cv.G)) != cin // cv.Cg:
                continue
            c = cin - (o // (cv.O // cv.G)) * cv.Cg
            for p, q in itertools.product(range(cv.kh), range(cv.kw)):
                terms.append((o, a + p * cv.d[0], b + q * cv.d[1], c, p, q,
                              gt[n, o, a + p * cv.d[0], b + q * cv.d[1]], flip[o, c, p, q]))
        lhs = Partial(L, at(xs, cv.xi(n, cin, r, s)))
        total = sum(gv * wv for *_, gv, wv in terms)
        gb.check(lambda: f"{lhs} as the flipped kernel's window sum", total, cx[n, cin, r, s])
        if len(terms) <= TERMS:
            one = cv.O == 1
            srow = _terms_expr([Mul((at(gs, (u, e) if one and cv.N == 1 else (n, o, u, e)),
                                     at(wf, (p, q) if one and cv.Cg == 1 else (o, c, p, q))), "dot")
                                for o, u, e, c, p, q, _, _ in terms])
            nrow = _terms_expr([Mul((Num(float(gv)), Num(float(wv))), "times") for *_, gv, wv in terms])
            rows = [srow, nrow, Num(float(cx[n, cin, r, s]))]
        else:
            rows = [Sum("o,p,q", Mul((Sym(gs.base, sup=gs.sup, sample=f"{n},o,{a}+p,{b}+q"),
                                      Sym(wf.base, sub=wf.sub, sup=wf.sup, sample=f"o,{cin},p,q")), "dot")),
                    Num(float(cx[n, cin, r, s]))]
        blocks.append(Equation(lhs, rows, role="gradient"))
    return blocks


# -- pooling -------------------------------------------------------------------------------------------
class Pool:
    """A recorded 2-D max or average pooling: its windows over the (padded) input."""

    def __init__(self, op):
        x = op.args[0]
        self.ok = isinstance(x, Value) and x.value.ndim == 4
        if not self.ok:
            return
        self.op, self.xv = op, x
        self.max = op.cls.__name__ == "MaxPool2DWithIndices"
        self.x = np.asarray(x.value, np.float64)
        self.z = np.asarray(op.output.value, np.float64)
        self.g = None if op.output.grad is None else np.asarray(op.output.grad, np.float64)
        k, s, p = op.args[1], op.args[2], op.args[3]
        self.k, self.s, self.p = tuple(k), tuple(s), tuple(p)
        self.d = tuple(op.args[4]) if self.max else (1, 1)
        if not self.max:
            self.divisor = np.asarray(op.node.geometry[5], np.float64)
        self.N, self.C, self.H, self.W = self.x.shape
        self.oh, self.ow = self.z.shape[2:]

    def cells(self, i, j):
        """The window of output (i, j): [(row, column) or None for a padding cell]."""
        out = []
        for p, q in itertools.product(range(self.k[0]), range(self.k[1])):
            r, c = i * self.s[0] + p * self.d[0] - self.p[0], j * self.s[1] + q * self.d[1] - self.p[1]
            out.append((r, c) if 0 <= r < self.H and 0 <= c < self.W else None)
        return out

    def at(self, n, c, i, j):
        """An index as written: the grid's own [row, column] with one sample and one channel."""
        return (i, j) if self.N * self.C == 1 else (n, c, i, j)

    def winner(self, n, c, i, j):
        """The first cell, in scan order, holding the window's maximum (PyTorch's choice)."""
        best, where = -np.inf, None
        for cell in self.cells(i, j):
            if cell is not None and (where is None or self.x[n, c][cell] > best):
                best, where = self.x[n, c][cell], cell
        return where


def pool_forward(gb, op) -> list:
    pl = Pool(op)
    if not pl.ok:
        return []
    xs, zs = gb.sym.get(pl.xv.id), gb.sym[op.output.id]
    if xs is None or not (pl.xv.known and op.output.known):
        return []
    blocks = [Para("layers.pool.max" if pl.max else "layers.pool.avg",
                   {"out": zs, "x": xs, "kernel": f"{pl.k[0]}×{pl.k[1]}", "stride": f"{pl.s[0]}×{pl.s[1]}"})]
    if pl.N * pl.C == 1 and pl.oh * pl.ow <= ENTRIES and pl.k[0] * pl.k[1] <= TERMS:
        entries = [(0, 0, i, j) for i in range(pl.oh) for j in range(pl.ow)]
    else:
        entries = [_chosen(pl.g) if pl.g is not None else (0, 0, 0, 0)]
        blocks.append(Para("layers.conv.chosen", {"entry": at(zs, pl.at(*entries[0])), "n": pl.z.size - 1}))
    for n, c, i, j in entries:
        cells = [cell for cell in pl.cells(i, j) if cell is not None or not pl.max]
        syms = tuple(at(xs, pl.at(n, c, *cell)) if cell is not None else Num(0, integer=True) for cell in cells)
        nums = tuple(Num(float(pl.x[n, c][cell])) if cell is not None else Num(0, integer=True) for cell in cells)
        value = float(pl.z[n, c, i, j])
        if pl.max:
            gb.check(lambda: f"{zs}[{i},{j}] as its window's maximum", max(float(x.value) for x in nums), value)
            rows = [Func("max", syms), Func("max", nums), Num(value)]
        else:
            D = float(pl.divisor[i, j])
            gb.check(lambda: f"{zs}[{i},{j}] as its window's average", sum(float(x.value) for x in nums) / D, value)
            from ..derivation import Frac, Paren
            rows = [Frac(Paren(_terms_expr(list(syms))), Num(D, integer=True)),
                    Frac(Paren(_terms_expr(list(nums))), Num(D, integer=True)), Num(value)]
        blocks.append(Equation(at(zs, pl.at(n, c, i, j)), rows, role="forward"))
    return blocks


def pool_backward(gb, v, op, i) -> list:
    if i != 0 or i not in op.contribution:
        return []
    pl = Pool(op)
    if not pl.ok:
        return []
    xs, zs = gb.sym.get(pl.xv.id), gb.sym[op.output.id]
    if pl.g is None or xs is None:
        return []
    contrib = np.asarray(op.contribution[0], np.float64).reshape(pl.x.shape)
    routed = np.zeros_like(pl.x)
    rows = []
    show = pl.N * pl.C * pl.oh * pl.ow <= ENTRIES
    for n, c, a, b in np.ndindex(pl.z.shape):
        gv = pl.g[n, c, a, b]
        if pl.max:
            cell = pl.winner(n, c, a, b)
            if cell is not None:
                routed[n, c][cell] += gv
            if show:
                rows.append([at(zs, pl.at(n, c, a, b)), at(xs, pl.at(n, c, *cell)) if cell is not None else "—",
                             Num(float(pl.x[n, c][cell])) if cell is not None else "—", Num(float(gv))])
        else:
            D = float(pl.divisor[a, b])
            for cell in pl.cells(a, b):
                if cell is not None:
                    routed[n, c][cell] += gv / D
            if show:
                from ..derivation import Frac
                rows.append([at(zs, pl.at(n, c, a, b)), Num(float(gv)), Num(D, integer=True),
                             Frac(Num(float(gv)), Num(D, integer=True)), Num(float(gv / D))])
    gb.check(lambda: f"∂L/∂{xs}: each window's gradient {'to its maximum' if pl.max else 'shared'}", routed, contrib)
    L = gb.Lsym
    if pl.max:
        head = ["layers.pool.window", "layers.pool.winner", "table.value", "layers.pool.passed"]
        title = Para("layers.pool.max_backward", {"x": xs, "out": zs, "L": L})
    else:
        head = ["layers.pool.window", "layers.pool.passed", "layers.pool.divisor", "layers.pool.share", "table.value"]
        title = Para("layers.pool.avg_backward", {"x": xs, "out": zs, "L": L})
    if rows:
        return [Table(head, rows, title)]
    return [title]


# -- the hooks --------------------------------------------------------------------------------------------
_FORWARD = {"Convolution": conv_forward, "MaxPool2DWithIndices": pool_forward, "AvgPool2D": pool_forward}
_BACKWARD = {"Convolution": conv_backward, "MaxPool2DWithIndices": pool_backward, "AvgPool2D": pool_backward}


def forward(gb, op) -> list:
    fn = _FORWARD.get(op.cls.__name__)
    if fn is None or op.output.id in gb.hidden:
        return []
    try:
        return fn(gb, op)
    except (ValueError, TypeError, IndexError):     # a layout this pattern does not draw: the generic form stands
        return []


def backward(gb, v, cons) -> list:
    out = []
    for op, i in cons:
        fn = _BACKWARD.get(op.cls.__name__)
        if fn is None:
            continue
        try:
            out += fn(gb, v, op, i)
        except (ValueError, TypeError, IndexError):
            continue
    return out
