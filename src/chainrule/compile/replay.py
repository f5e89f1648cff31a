"""Replay a traced ``Program``: the same op kernels, on arrays, in the same order — forward in call order,
backward in the order the engine ran it, the gradients summed in the same order — so the result equals
the eager step bit for bit, without Tensors, graph nodes, edges, version records or module calls.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class _Edge:
    """A marker standing where ``Node.backprop_step`` expects an edge (it only asks whether there is one)."""
    __slots__ = ()


EDGE = _Edge()


def run(program, x, y, params) -> np.ndarray:
    """One step's forward and backward: fills each parameter's ``.grad`` (fresh, as after ``zero_grad``)
    and returns the loss array.  The optimizer's update is the caller's (``optimizer.step()``)."""
    slots = [None] * program.n_slots
    slots[program.x_slot] = x._data
    if program.y_slot is not None:
        slots[program.y_slot] = y._data
    for p, s in zip(params, program.param_slots):
        slots[s] = p._data
    for s, t in program.constants.items():
        slots[s] = t._data
    ctxs = []
    checks = iter(program.checks)
    check = next(checks, None)
    for i, ins in enumerate(program.instrs):                          # forward
        while check is not None and check.before == i:
            check.fn(Tensor._make(slots[check.slot]), *check.rest, **check.kwargs)
            check = next(checks, None)
        arrays = [slots[ref[1]] if ref[0] == "slot" else ref[1] for ref in ins.args]
        ctx = ins.cls()
        ctx.needs_input_grad = ins.needs
        out = ins.cls.forward(ctx, *arrays, **ins.kwargs)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        slots[ins.out] = out
        if ins.recorded:
            ctx.edges = tuple(EDGE if need else None for need in ins.needs)
            ctx.input_meta = tuple((a.shape, a.dtype) if need else None for a, need in zip(arrays, ins.needs))
        ctxs.append(ctx)
    loss = slots[program.loss_slot]
    grads = {program.loss_slot: np.ones(loss.shape, dtype=loss.dtype)}
    for i in program.backward_order:                                  # backward, as the engine ran it
        ins = program.instrs[i]
        g = grads.pop(ins.out, None)
        if g is None:
            continue
        for slot, gi in zip(program.edge_slots[i], ctxs[i].backprop_step(g)):
            if slot is None or gi is None:
                continue
            prev = grads.get(slot)
            grads[slot] = gi if prev is None else prev + gi
    for p, s in zip(params, program.param_slots):                     # AccumulateGrad, after zero_grad
        g = grads.get(s)
        if g is None:
            p._grad = None
            continue
        if g.base is not None or not g.flags.writeable or any(g is other for k, other in grads.items() if k != s):
            g = np.array(g, copy=True)
        p._grad = Tensor._make(g)
    return loss
