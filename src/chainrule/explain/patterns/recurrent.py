"""Recurrent layers unrolled in time, named as a lecture names them.

``nn.RNN``/``nn.LSTM``/``nn.GRU`` record (``nn/modules/rnn.py``) the input part of every step at once,
p = x·W_ihᵀ + b_ih (+ b_hh), cut into the steps p⁽ᵗ⁾ (``Unbind``), then per step one
``addmm`` z⁽ᵗ⁾ = p⁽ᵗ⁾ + h⁽ᵗ⁻¹⁾·W_hhᵀ and the cell:

* RNN:  h⁽ᵗ⁾ = tanh(z⁽ᵗ⁾)                       (or ReLU)
* LSTM: z⁽ᵗ⁾ cut into z_i, z_f, z_g, z_o (PyTorch's order);  i = σ(z_i), f = σ(z_f), g = tanh(z_g),
        o = σ(z_o);  c⁽ᵗ⁾ = f⊙c⁽ᵗ⁻¹⁾ + i⊙g;  h⁽ᵗ⁾ = o⊙tanh(c⁽ᵗ⁾)
* GRU:  p⁽ᵗ⁾ and q⁽ᵗ⁾ = h⁽ᵗ⁻¹⁾W_hhᵀ + b_hh cut into r, z, n parts;  r = σ(p_r + q_r),
        z = σ(p_z + q_z), n = tanh(p_n + r⊙q_n);  h⁽ᵗ⁾ = n + z⊙(h⁽ᵗ⁻¹⁾ − n)  (= (1 − z)⊙n + z⊙h⁽ᵗ⁻¹⁾)

``rename`` gives those values these names (the layer and direction in the subscript past layer 0);
``before_gradient`` says, at W_hh, that its gradient is the sum over the time steps (BPTT:
∂L/∂W_hh = Σₜ (∂L/∂z⁽ᵗ⁾)ᵀ h⁽ᵗ⁻¹⁾), and ``backward_end`` tabulates ‖∂L/∂h⁽ᵗ⁾‖ per step: the gradient
flowing back through time.  Names only — every number is the engine's, checked by the builder.
"""
from __future__ import annotations

import re

import numpy as np

from ..derivation import Num, Para, Partial, Sym, Table
from ..step_graph import Value

_PARAM = re.compile(r"(?:(.*)\.)?(weight|bias)_(ih|hh)_l(\d+)(_reverse)?$")


def _steps_of(gb):
    """[(layer tag, W_hh value, [Addmm op per step in run order], reverse)] of every recurrent layer."""
    out = []
    for v in gb.vals:
        m = _PARAM.match(v.name or "") if v.kind == "parameter" else None
        if not m or m.group(2) != "weight" or m.group(3) != "hh":
            continue
        perms = [op for op, i in v.consumers if op.cls.__name__ == "Permute" and op.output.id in gb.keep]
        if len(perms) == 1:          # RNN, LSTM: z⁽ᵗ⁾ = addmm(p⁽ᵗ⁾, h⁽ᵗ⁻¹⁾, W_hhᵀ)
            steps = [op for op, i in perms[0].output.consumers if op.cls.__name__ == "AddMatmul" and i == 2]
            shared = perms[0].output
        else:                        # GRU: q⁽ᵗ⁾ = linear(h⁽ᵗ⁻¹⁾, W_hh, b_hh)
            steps = [op for op, i in v.consumers if op.cls.__name__ in ("Linear", "Addmm") and i == 1]
            perms, shared = [None], v
        steps = sorted((op for op in steps if op.output.id in gb.keep), key=lambda op: op.id)
        if steps:
            out.append((m, v, perms[0], shared, steps))
    return out


def rename(gb) -> None:
    layers = _steps_of(gb)
    if not layers:
        return
    used = {s for s in gb.sym.values() if s is not None}
    prefixes = {m.group(1) or "" for m, *_ in layers}
    gb.recurrent = []

    def name(v, base, sub="", sup=""):
        if v is None or not isinstance(v, Value):
            return
        s = Sym(base, sub=sub, sup=sup, ref=v.id)
        if s in used:
            return
        old = gb.sym.get(v.id)
        used.discard(old)
        used.add(s)
        gb.sym[v.id] = s

    for m, whh, perm, shared, steps in layers:
        prefix, layer, rev = m.group(1) or "", m.group(4), bool(m.group(5))
        tag = ",".join(([prefix] if len(prefixes) > 1 else []) + ([f"l{layer}"] if layer != "0" or rev or
                                                                   _deep(layers) else []) + (["r"] if rev else []))
        sub = lambda s, tag=tag: ",".join(p for p in (s, tag) if p)       # noqa: E731
        for p in gb.vals:
            pm = _PARAM.match(p.name or "") if p.kind == "parameter" else None
            if pm and (pm.group(1) or "") == prefix and pm.group(4) == layer and bool(pm.group(5)) == rev:
                name(p, "W" if pm.group(2) == "weight" else "b", sub(pm.group(3)))
        if perm is not None:
            name(perm.output, "W", sub("hh"), "T")
        T = len(steps)
        times = list(range(T, 0, -1)) if rev else list(range(1, T + 1))
        kind = "GRU" if perm is None else _kind(steps[0])
        hs = {}
        for t, z in zip(times, steps):
            sup = f"({t})"
            name(z.output, "z" if kind != "GRU" else "q", sub(""), sup)
            p = z.args[0]
            h_prev = z.args[1] if kind != "GRU" else z.args[0]
            if t == times[0] and isinstance(h_prev, Value) and h_prev.producer is None:
                name(h_prev, "h", sub(""), f"({t - 1 if not rev else t + 1})")
            if kind == "GRU":
                h = _gru_step(gb, name, sub, sup, z)
            elif kind == "LSTM":
                h = _lstm_step(gb, name, sub, sup, z, first=t == times[0], rev=rev, t=t)
            else:
                h = _only_user(gb, z.output, ("Tanh", "Relu"))
                if h is not None:
                    name(h.output, "h", sub(""), sup)
                    h = h.output
            if kind == "GRU":
                p = getattr(gb, "_gru_p", None)
            if isinstance(p, Value) and p.producer is not None and p.producer.cls.__name__ == "Unbind":
                name(p, "p", sub(""), sup)
                if t == times[0]:
                    _name_input(gb, name, p.producer.args[0], sub)
            hs[t] = h
        outs = {id(h) for h in hs.values() if h is not None}
        for op in gb.ops:                     # the layer's output: every h⁽ᵗ⁾ stacked
            if op.cls.__name__ == "Stack" and outs and {id(a) for a in op.args if isinstance(a, Value)} == outs:
                name(op.output, "H", sub(""))
        gb.recurrent.append({"tag": tag, "whh": whh, "perm": perm, "shared": shared, "steps": steps, "times": times, "kind": kind,
                             "h": hs})


def _deep(layers) -> bool:
    return any(m.group(4) != "0" or m.group(5) for m, *_ in layers)


def _name_input(gb, name, v, sub):
    """The all-steps input part p = x·W_ihᵀ + b_ih (+ b_hh) and the input x it was computed from."""
    while isinstance(v, Value) and v.producer is not None and v.producer.cls.__name__ == "Add":
        name(v, "p", sub(""))
        v = v.producer.args[0]
    if isinstance(v, Value) and v.producer is not None and v.producer.cls.__name__ in ("Linear", "Addmm"):
        name(v, "p", sub("ih"))
        x = v.producer.args[0]
        if isinstance(x, Value) and x.producer is None and not x.name:
            name(x, "x")


def _users(gb, v):
    return [op for op, _ in v.consumers if op.output.id in gb.keep]


def _only_user(gb, v, classes):
    us = [op for op in _users(gb, v) if op.cls.__name__ in classes]
    return us[0] if len(us) == 1 else None


def _kind(z) -> str:
    pieces = [op for op, _ in z.output.consumers if op.cls.__name__ == "Split"]
    if len(pieces) == 4:
        return "LSTM"
    if len(pieces) == 3:
        return "GRU"
    return "RNN"


def _pieces(gb, v):
    return sorted((op for op, _ in v.consumers if op.cls.__name__ == "Split"), key=lambda op: op.id)


def _lstm_step(gb, name, sub, sup, z, first, rev, t):
    pieces = _pieces(gb, z.output)
    gates = {}
    for g, piece in zip("ifgo", pieces):
        name(piece.output, "z", sub(g), sup)
        act = _only_user(gb, piece.output, ("Sigmoid", "Tanh"))
        if act is not None:
            name(act.output, g, sub(""), sup)
            gates[g] = act.output
    if len(gates) != 4:
        return None
    prod_f = _only_user(gb, gates["f"], ("Mul",))
    if prod_f is not None:
        c_prev = next((a for a in prod_f.args if isinstance(a, Value) and a is not gates["f"]), None)
        if first and c_prev is not None and c_prev.producer is None:
            name(c_prev, "c", sub(""), f"({t - 1 if not rev else t + 1})")
        cell = _only_user(gb, prod_f.output, ("Add",))
        if cell is not None:
            name(cell.output, "c", sub(""), sup)
    out = _only_user(gb, gates["o"], ("Mul",))
    if out is not None:
        name(out.output, "h", sub(""), sup)
        return out.output
    return None


def _gru_step(gb, name, sub, sup, q):
    hidden = _pieces(gb, q.output)
    for g, piece in zip("rzn", hidden):
        name(piece.output, "q", sub(g), sup)
    gb._gru_p = None
    gates = {}
    for g, piece in zip("rz", hidden):
        add = _only_user(gb, piece.output, ("Add",))
        act = _only_user(gb, add.output, ("Sigmoid",)) if add is not None else None
        if act is None:
            return None
        ps = add.args[0]
        if isinstance(ps, Value) and ps.producer is not None and ps.producer.cls.__name__ == "Split":
            name(ps, "p", sub(g), sup)
            gb._gru_p = ps.producer.args[0]
        name(add.output, "a", sub(g), sup)
        name(act.output, g, sub(""), sup)
        gates[g] = act.output
    if len(hidden) != 3:
        return None
    rq = _only_user(gb, hidden[2].output, ("Mul",))
    add = _only_user(gb, rq.output, ("Add",)) if rq is not None else None
    act = _only_user(gb, add.output, ("Tanh",)) if add is not None else None
    if act is None:
        return None
    pn = add.args[0]
    if isinstance(pn, Value) and pn.producer is not None and pn.producer.cls.__name__ == "Split":
        name(pn, "p", sub("n"), sup)
    name(add.output, "a", sub("n"), sup)
    name(act.output, "n", sub(""), sup)
    outs = [op for op in _users(gb, act.output) if op.cls.__name__ == "Add"]
    if len(outs) == 1:
        name(outs[0].output, "h", sub(""), sup)
        return outs[0].output
    return None


def forward(gb, op) -> list:
    """Before a layer's first time step: how its cell is written (the names used below)."""
    for r in getattr(gb, "recurrent", ()):
        if op is r["steps"][0]:
            return [Para(f"layers.rnn.cell_{r['kind'].lower()}", {"T": len(r["steps"])})]
    return []


def before_gradient(gb, v, cons) -> list:
    for r in getattr(gb, "recurrent", ()):
        if v is r["shared"] and len(r["steps"]) > 1:
            return [Para("layers.rnn.bptt", {"w": gb.sym[v.id], "T": len(r["steps"]),
                                             "z": Sym("z" if r["kind"] != "GRU" else "q", sup="(t)"),
                                             "h": Sym("h", sup="(t-1)")})]
    return []


def backward_end(gb) -> list:
    blocks = []
    for r in getattr(gb, "recurrent", ()):
        rows = []
        for t in sorted(r["h"]):
            h = r["h"][t]
            if h is None or h.grad is None or gb.sym.get(h.id) is None:
                continue
            rows.append([str(t), Partial(gb.Lsym, gb.sym[h.id]), Num(float(np.linalg.norm(np.asarray(h.grad))))])
        if len(rows) > 1:
            blocks.append(Table(["table.step", "layers.rnn.gradient", "layers.rnn.norm"], rows,
                                Para("layers.rnn.through_time", {"T": len(rows)})))
    return blocks
