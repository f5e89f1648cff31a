"""Matrix products: ``matmul`` in all of PyTorch's 1-D / 2-D / batched cases, and the fused
``linear`` (y = x·Wᵀ + b) that ``nn.Linear`` uses.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op


def _fmt(shape) -> str:
    return "(" + "x".join(str(n) for n in shape) + ")" if shape else "()"


def check_matmul_shapes(a_shape, b_shape, op="matmul") -> None:
    """Raise the learner-friendly error when inner dimensions disagree."""
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise RuntimeError(f"{op}: both arguments to matmul need to be at least 1D, but they are "
                           f"{len(a_shape)}D and {len(b_shape)}D")
    k_a = a_shape[-1]
    k_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if k_a != k_b:
        raise RuntimeError(f"{op}: {_fmt(a_shape)} @ {_fmt(b_shape)} — inner dimensions {k_a} and {k_b} "
                           f"differ (mat1 and mat2 shapes cannot be multiplied)")


_MATMUL_NAMES = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0", (1, 2): "SqueezeBackward4"}


class Matmul(Op):
    """out = a @ b;  ∂L/∂a = g @ bᵀ,  ∂L/∂b = aᵀ @ g  (1-D operands are promoted, then squeezed)"""
    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        ctx.ndims = (a.ndim, b.ndim)
        ctx.shapes = (a.shape, b.shape)
        ctx._name = _MATMUL_NAMES.get(ctx.ndims, "UnsafeViewBackward0")
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors      # a is kept only when b needs a gradient, and vice versa
        need = ctx.needs_input_grad
        (nda, ndb), (sa, sb) = ctx.ndims, ctx.shapes
        g2 = g                         # (an ndarray already; a Traced one keeps its graph)
        if nda == 1 and ndb == 1:      # dot product: g is a scalar
            g2 = g2.reshape(1, 1)
        elif nda == 1:                 # out: (*, m) from (1, k) @ (*, k, m)
            g2 = g2[..., None, :]
        elif ndb == 1:                 # out: (*, n) from (*, n, k) @ (k, 1)
            g2 = g2[..., None]
        ga = gb = None
        if need[0]:
            b2 = b[:, None] if ndb == 1 else b          # (k, 1)
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if nda == 1:
                ga = ga[..., 0, :]
            ga = _sum_to(ga, sa)
        if need[1]:
            a2 = a[None, :] if nda == 1 else a          # (1, k)
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if ndb == 1:
                gb = gb[..., 0]
            gb = _sum_to(gb, sb)
        return ga, gb


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum the leading batch dimensions that broadcasting added."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


class Linear(Op):
    """y = x·Wᵀ + b  — x: (*, in), W: (out, in), b: (out,);  ∂L/∂x = g·W,  ∂L/∂W = gᵀ·x,  ∂L/∂b = Σ g"""
    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        y = x @ w.T
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = g @ w if need[0] else None
        gw = gb = None
        if need[1]:
            if g.ndim == 2:
                gw = g.T @ x
            elif g.ndim == 1:            # an unbatched input (in,): ∂L/∂W = g xᵀ
                gw = np.outer(g, x)
            else:                        # (explicit row counts: reshape(-1, 0) is ambiguous for empty tensors)
                rows = int(np.prod(g.shape[:-1]))
                gw = g.reshape(rows, g.shape[-1]).T @ x.reshape(rows, x.shape[-1])
        if len(need) > 2 and need[2]:
            gb = np.add.reduce(g, axis=tuple(range(g.ndim - 1))) if g.ndim > 1 else g
        return gx, gw, gb


def parse_einsum(equation: str, n_operands: int):
    """'ij,jk->ik' → (['ij', 'jk'], 'ik'); without '->' the output is the indices seen once, sorted."""
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise NotImplementedError("einsum: '...' (ellipsis) is not supported by chainrule yet; write the "
                                  "dimensions out, e.g. 'bij,bjk->bik'")
    lhs, _, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != n_operands:
        raise RuntimeError(f"einsum(): the equation '{equation}' names {len(ins)} operands but {n_operands} "
                           f"were given")
    for s in ins:
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum: an index repeated inside one operand ('{s}', a diagonal) is "
                                      f"not supported by chainrule yet")
    if not _:
        counts = {}
        for s in ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        rhs = "".join(sorted(c for c, n in counts.items() if n == 1))
    return ins, rhs


class Einsum(Op):
    """out = einsum(equation, *operands);  ∂L/∂operandₖ = einsum of g with the other operands onto
    operandₖ's indices (indices only operandₖ has are summed in forward, so the gradient is broadcast)"""
    @staticmethod
    def forward(ctx, *arrays, equation):
        ins, out = parse_einsum(equation, len(arrays))
        ctx.ins, ctx.out = ins, out
        need = ctx.needs_input_grad
        ctx.save_for_backward(*arrays if any(need) else ())
        return np.asarray(np.einsum(f"{','.join(ins)}->{out}", *arrays))

    @staticmethod
    def backward(ctx, g):
        arrays = ctx.saved_tensors
        grads = []
        for k, (sub, a) in enumerate(zip(ctx.ins, arrays)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(s, x) for i, (s, x) in enumerate(zip(ctx.ins, arrays)) if i != k]
            seen = set(ctx.out).union(*[set(s) for s, _ in others]) if others else set(ctx.out)
            keep = "".join(c for c in sub if c in seen)
            terms = ",".join([ctx.out] + [s for s, _ in others])
            gk = np.einsum(f"{terms}->{keep}", g, *[x for _, x in others])
            shape = [a.shape[i] if c in seen else 1 for i, c in enumerate(sub)]
            grads.append(np.broadcast_to(gk.reshape(shape), a.shape))
        return tuple(grads)


# -- explain rules (see chainrule/explain/rules.py): forward over the inputs' symbols, ∂L/∂input in matrix form
Matmul.explain = lambda E, n, a, b, out: E.rule(E.juxt(a, b), vjp=(E.juxt(E.G, E.T(b)), E.juxt(E.T(a), E.G)))
Linear.explain = lambda E, n, x, w, b=None, out=None: E.rule(
    E.add(E.juxt(x, E.T(w)), b) if b is not None else E.juxt(x, E.T(w)),
    vjp=(E.juxt(E.G, w), E.juxt(E.T(E.G), x), E.sum("n", E.G)))
