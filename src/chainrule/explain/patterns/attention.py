"""Scaled dot-product attention, named and worked as a lecture does.

``F.scaled_dot_product_attention`` (and ``nn.MultiheadAttention`` through it) records
Kᵀ (``Permute``), S = QKᵀ (``Matmul``), Z = S·(1/√d) (``Mul``; a mask adds to it), A = softmax(Z) row by
row (``Softmax``) and O = AV (``Matmul``).  ``rename`` gives those values these names (Q, K, V only
where the values have no name of their own); ``forward`` works one entry of each with numbers:

    S[i, j] = Σₖ Q[i, k]·K[j, k],   A[i, j] = exp(Z[i, j]) / Σ_m exp(Z[i, m]),   O[i, k] = Σⱼ A[i, j]·V[j, k]

(the first batch and head; the entry with the largest gradient).  The backward through each step is
the ops' own rules (softmax's A⊙(G − Σⱼ G⊙A), the matrix products' G·Bᵀ and Aᵀ·G).
"""
from __future__ import annotations

import numpy as np

from ..derivation import Add, Equation, Frac, Func, Mul, Num, Para, Sum, Sym
from ..step_graph import Value


def _find(gb):
    """[(Kᵀ op, S op, Z value, softmax op, O op)] of every attention the graph ran."""
    out = []
    for sm in gb.ops:
        if sm.cls.__name__ != "Softmax" or sm.output.id not in gb.keep:
            continue
        z = sm.args[0]
        v = z
        while isinstance(v, Value) and v.producer is not None and v.producer.cls.__name__ in ("Mul", "Div", "Add"):
            v = v.producer.args[0]
        s = v.producer if isinstance(v, Value) else None
        if s is None or s.cls.__name__ != "Matmul" or not isinstance(s.args[1], Value):
            continue
        kt = s.args[1].producer
        if kt is None or kt.cls.__name__ != "Permute":
            continue
        outs = [op for op, i in sm.output.consumers if op.cls.__name__ == "Matmul" and i == 0 and op.output.id in gb.keep]
        if len(outs) != 1:
            continue
        out.append((kt, s, z, sm, outs[0]))
    return out


def rename(gb) -> None:
    found = _find(gb)
    gb.attention = found
    if not found:
        return
    used = {s for s in gb.sym.values() if s is not None}
    sub = (lambda k: str(k + 1)) if len(found) > 1 else (lambda k: "")

    def name(v, base, k, sup="", own=False):
        if not isinstance(v, Value) or (own and v.name):
            return
        s = Sym(base, sub=sub(k), sup=sup, ref=v.id)
        if s not in used:
            used.discard(gb.sym.get(v.id))
            used.add(s)
            gb.sym[v.id] = s

    for k, (kt, s, z, sm, o) in enumerate(found):
        name(s.args[0], "Q", k, own=True)
        name(kt.args[0], "K", k, own=True)
        name(o.args[1], "V", k, own=True)
        name(kt.output, "K", k, "T")
        name(s.output, "S", k)
        if z is not s.output:
            name(z, "Z", k)
        name(sm.output, "A", k)
        name(o.output, "O", k)


def _first(a):
    a = np.asarray(a, np.float64)
    return a.reshape((-1,) + a.shape[-2:])[0] if a.ndim > 2 else a


def _entry(g):
    g = _first(g)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(g))), g.shape))


def _at(sym, i, j):
    return Sym(sym.base, sub=sym.sub, sup=sym.sup, sample=f"{i},{j}", ref=sym.ref)


def _dot(gb, lhs_sym, a_sym, a, b_sym, b, i, j, transposed, what):
    """lhs[i, j] = Σₖ a[i, k]·b[j, k] (``transposed``) or a[i, k]·b[k, j], written out with numbers."""
    n = a.shape[1]
    bk = (lambda k: (j, k)) if transposed else (lambda k: (k, j))
    total = float(sum(a[i, k] * b[bk(k)] for k in range(n)))
    syms = tuple(Mul((_at(a_sym, i, k), _at(b_sym, *bk(k))), "dot") for k in range(n))
    nums = tuple(Mul((Num(float(a[i, k])), Num(float(b[bk(k)]))), "times") for k in range(n))
    rows = [Add(syms) if n > 1 else syms[0]]
    if n <= 16:
        rows.append(Add(nums) if n > 1 else nums[0])
    else:
        rows = [Sum("k", Mul((_at(a_sym, i, "k"), _at(b_sym, *bk("k"))), "dot"))]
    return total, rows


def forward(gb, op) -> list:
    for kt, s, z, sm, o in getattr(gb, "attention", ()):
        try:
            if op is s:
                return _scores(gb, kt, s)
            if op is sm:
                return _softmax(gb, z, sm)
            if op is o:
                return _weighted(gb, sm, o)
        except (ValueError, IndexError, TypeError):
            return []
    return []


def _scores(gb, kt, s):
    q, k = _first(s.args[0].value), _first(kt.args[0].value)
    S = _first(s.output.value)
    i, j = _entry(s.output.grad) if s.output.grad is not None else (0, 0)
    Q, K, Ss = gb.sym[s.args[0].id], gb.sym[kt.args[0].id], gb.sym[s.output.id]
    total, rows = _dot(gb, Ss, Q, q, K, k, i, j, True, "score")
    gb.check("an attention score as Σₖ Q·K", total, S[i, j])
    return [Para("layers.attn.scores", {"S": Ss, "Q": Q, "K": K, "d": q.shape[1],
                                        "entry": _at(Ss, i, j)}),
            Equation(_at(Ss, i, j), rows + [Num(float(S[i, j]))], role="forward")]


def _softmax(gb, z, sm):
    Z, A = _first(z.value), _first(sm.output.value)
    i, j = _entry(sm.output.grad) if sm.output.grad is not None else (0, 0)
    Zs, As = gb.sym[z.id], gb.sym[sm.output.id]
    m = Z.shape[1]
    den = float(np.exp(Z[i]).sum())
    gb.check("a softmax weight as exp/Σ exp", float(np.exp(Z[i, j])) / den, A[i, j])
    rows = [Frac(Func("exp", (_at(Zs, i, j),)), Sum("m", Func("exp", (_at(Zs, i, "m"),)))),
            Frac(Func("exp", (Num(float(Z[i, j])),)),
                 Add(tuple(Func("exp", (Num(float(Z[i, c])),)) for c in range(m))) if m > 1
                 else Func("exp", (Num(float(Z[i, 0])),))),
            Num(float(A[i, j]))]
    return [Para("layers.attn.softmax", {"A": As, "Z": Zs, "row": i}),
            Equation(_at(As, i, j), rows, role="forward")]


def _weighted(gb, sm, o):
    A, V, O = _first(sm.output.value), _first(o.args[1].value), _first(o.output.value)
    i, k = _entry(o.output.grad) if o.output.grad is not None else (0, 0)
    As, Vs, Os = gb.sym[sm.output.id], gb.sym[o.args[1].id], gb.sym[o.output.id]
    total, rows = _dot(gb, Os, As, A, Vs, V, i, k, False, "output")
    gb.check("an attention output as Σⱼ A·V", total, O[i, k])
    return [Para("layers.attn.output", {"O": Os, "A": As, "V": Vs}),
            Equation(_at(Os, i, k), rows + [Num(float(O[i, k]))], role="forward")]
