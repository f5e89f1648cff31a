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


def plan(program, x, y, params) -> list:
    """Each instruction as the tuple the replay loop unpacks, with what is fixed by the cache key worked out
    once: which arguments are slots, and the ``edges`` / ``input_meta`` that ``backprop_step`` reads."""
    shapes = [None] * program.n_slots
    shapes[program.x_slot] = (x._data.shape, x._data.dtype)
    if program.y_slot is not None:
        shapes[program.y_slot] = (y._data.shape, y._data.dtype)
    for p, s in zip(params, program.param_slots):
        shapes[s] = (p._data.shape, p._data.dtype)
    for s, t in program.constants.items():
        shapes[s] = (t._data.shape, t._data.dtype)
    steps = []
    for ins in program.instrs:
        slot_only = all(ref[0] == "slot" for ref in ins.args)
        refs = tuple(ref[1] for ref in ins.args) if slot_only else ins.args
        edges = tuple(EDGE if need else None for need in ins.needs) if ins.recorded else None
        metas = tuple(shapes[ref[1]] if need else None for ref, need in zip(ins.args, ins.needs)) \
            if ins.recorded else None
        steps.append((ins.cls, ins.needs, slot_only, refs, ins.kwargs, ins.out, edges, metas))
        shapes[ins.out] = ins.out_meta
    return steps


def run(program, x, y, params) -> np.ndarray:
    """One step's forward and backward: fills each parameter's ``.grad`` (fresh, as after ``zero_grad``)
    and returns the loss array.  The optimizer's update is the caller's (``optimizer.step()``)."""
    steps = program.plan
    slots = [None] * program.n_slots
    slots[program.x_slot] = x._data
    if program.y_slot is not None:
        slots[program.y_slot] = y._data
    for p, s in zip(params, program.param_slots):
        slots[s] = p._data
    for s, t in program.constants.items():
        slots[s] = t._data
    ctxs = [None] * len(steps)
    checks = program.checks
    next_check = checks[0].before if checks else -1
    c = 0
    for i, (cls, needs, slot_only, refs, kwargs, out_slot, edges, metas) in enumerate(steps):      # forward
        while i == next_check:
            check = checks[c]
            check.fn(Tensor._make(slots[check.slot]), *check.rest, **check.kwargs)
            c += 1
            next_check = checks[c].before if c < len(checks) else -1
        arrays = [slots[r] for r in refs] if slot_only else \
            [slots[r[1]] if r[0] == "slot" else r[1] for r in refs]
        ctx = cls()
        ctx.needs_input_grad = needs
        out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        slots[out_slot] = out
        if edges is not None:
            ctx.edges = edges
            ctx.input_meta = metas
            ctxs[i] = ctx
    loss = slots[program.loss_slot]
    grads = {program.loss_slot: np.ones(loss.shape, dtype=loss.dtype)}
    edge_slots = program.edge_slots
    for i in program.backward_order:                                  # backward, as the engine ran it
        g = grads.pop(steps[i][5], None)
        if g is None:
            continue
        for slot, gi in zip(edge_slots[i], ctxs[i].backprop_step(g)):
            if slot is None or gi is None:
                continue
            prev = grads.get(slot)
            grads[slot] = gi if prev is None else prev + gi
    held = [id(v) for v in grads.values()]
    for p, s in zip(params, program.param_slots):                     # AccumulateGrad, after zero_grad
        g = grads.get(s)
        if g is None:
            p._grad = None
            continue
        if g.base is not None or not g.flags.writeable or held.count(id(g)) > 1:
            g = np.array(g, copy=True)
        p._grad = Tensor._make(g)
    return loss
