"""Lower a traced ``Program`` to one straight-line Python function: the replay without an interpreter loop.

``replay.run`` walks the instructions and the backward order in loops, looking each argument up in a slot
list, building a node per op and going through ``Node.backprop_step``.  All of that is fixed by the cache
key (shapes, dtypes, which inputs need gradients, the engine's order), so it can be decided once: this
module writes the step out as source — one line per kernel call, the arrays in local variables — and
compiles it.  For the lecture's 2-2-1 step the program reads::

    c0 = C0(); c0.needs_input_grad = N0
    s6 = C0.forward(c0, s0, s2, s3)          # addmm: x·W₁ᵀ + b₁
    ...
    g10 = ones(...)                          # ∂L/∂L
    r = C4.backward(c4, g10)                 # BCE
    ...

What each line does is exactly what the eager step does at that point, in the same order: the op's own
``forward`` and ``backward`` (the same NumPy calls, so the same bits), ``backprop_step``'s reshaping of
each input's gradient (``_unbroadcast`` when the shape differs, ``astype`` when the dtype does), and the
engine's sum over paths (``earlier + later``, in the order the engine ran the nodes).  Each node's saved
arrays and each forward array are dropped as soon as the step no longer needs them, as the eager engine
frees the graph node by node, so peak memory stays that of the eager step.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import _unbroadcast
from ..tensor import Tensor
from .trace import NotReplayable


def lower(program, x, y, params) -> callable:
    """``fn(x_array, y_array, param_arrays) -> (output, loss, [grad array or None per parameter])``."""
    env = {"_nd": np.ndarray, "_asarray": np.asarray, "_ones": np.ones, "_unb": _unbroadcast,
           "_make": Tensor._make}
    lines = []
    emit = lines.append
    n = len(program.instrs)
    outputs = {ins.out for ins in program.instrs}
    # which slots receive gradients, and the leaves among them: only parameters may (an input that
    # requires grad would need its own .grad, which the replay does not fill)
    receivers = {s for slots in program.edge_slots.values() for s in slots if s is not None}
    stray = [s for s in receivers if s not in outputs and s not in program.param_slots]
    if stray:
        raise NotReplayable("a tensor other than a parameter (the input, a target or a captured tensor) "
                            "requires grad, and the replay fills only the parameters' .grad")

    emit("s%d = x" % program.x_slot)
    if program.y_slot is not None:
        emit("s%d = y" % program.y_slot)
    for k, s in enumerate(program.param_slots):
        emit("s%d = P[%d]" % (s, k))
    for s, t in program.constants.items():
        env["T%d" % s] = t
        emit("s%d = T%d._data" % (s, s))      # read at replay time: buffers may have been loaded since

    # last forward use of each op output (the loss is kept): after it, the local is dropped
    last_use = {}
    for i, ins in enumerate(program.instrs):
        for ref in ins.args:
            if ref[0] == "slot":
                last_use[ref[1]] = i
    for c in program.checks:
        last_use[c.slot] = max(last_use.get(c.slot, -1), c.before)

    checks = list(program.checks)
    for k, c in enumerate(checks):
        env["V%d" % k] = c.fn
        env["VR%d" % k] = c.rest
        env["VK%d" % k] = c.kwargs

    def emit_checks(before):
        for k, c in enumerate(checks):
            if c.before == before:
                emit("V%d(_make(s%d), *VR%d, **VK%d)" % (k, c.slot, k, k))

    # -- forward, in call order ------------------------------------------------------------------------
    for i, ins in enumerate(program.instrs):
        emit_checks(i)
        env["C%d" % i] = ins.cls
        env["N%d" % i] = ins.needs
        args = []
        for j, ref in enumerate(ins.args):
            if ref[0] == "slot":
                args.append("s%d" % ref[1])
            else:
                env["A%d_%d" % (i, j)] = ref[1]
                args.append("A%d_%d" % (i, j))
        if ins.kwargs:
            env["KW%d" % i] = ins.kwargs
            args.append("**KW%d" % i)
        ctx = "c%d" % i if ins.recorded else "_c"
        emit("%s = C%d(); %s.needs_input_grad = N%d" % (ctx, i, ctx, i))
        emit("s%d = C%d.forward(%s, %s)" % (ins.out, i, ctx, ", ".join(args)))
        emit("if type(s%d) is not _nd: s%d = _asarray(s%d)" % (ins.out, ins.out, ins.out))
        if not ins.recorded:
            emit("_c = None")
        dead = [s for s in {r[1] for r in ins.args if r[0] == "slot"}
                if last_use.get(s) == i and s in outputs and s not in (program.loss_slot, program.out_slot)]
        if dead:
            emit("del " + ", ".join("s%d" % s for s in sorted(dead)))
    emit_checks(n)

    # -- backward, in the order the engine ran it --------------------------------------------------------
    grad_slots = sorted(receivers | {program.loss_slot})
    emit(" = ".join("g%d" % s for s in grad_slots) + " = None")
    loss_meta = program.instrs[[ins.out for ins in program.instrs].index(program.loss_slot)].out_meta
    env["LOSS_SHAPE"], env["LOSS_DT"] = loss_meta
    emit("g%d = _ones(LOSS_SHAPE, dtype=LOSS_DT)" % program.loss_slot)
    shapes = _slot_meta(program, x, y, params)
    for i in program.backward_order:
        ins = program.instrs[i]
        o = ins.out
        emit("if g%d is not None:" % o)
        emit("    r = C%d.backward(c%d, g%d)" % (i, i, o))
        emit("    if type(r) is not tuple: r = (r,)")
        emit("    if len(r) < %d: r = r + (None,) * (%d - len(r))" % (len(ins.args), len(ins.args)))
        for j, s in enumerate(program.edge_slots[i]):
            if s is None:
                continue
            shape, dt = shapes[ins.args[j][1]]
            env["SH%d_%d" % (i, j)], env["DT%d_%d" % (i, j)] = shape, dt
            emit("    gi = r[%d]" % j)
            emit("    if gi is not None:")
            emit("        if type(gi) is not _nd: gi = _asarray(gi, dtype=DT%d_%d)" % (i, j))
            emit("        if gi.shape != SH%d_%d: gi = _unb(gi, SH%d_%d)" % (i, j, i, j))
            emit("        if gi.dtype is not DT%d_%d and gi.dtype != DT%d_%d: gi = gi.astype(DT%d_%d)"
                 % (i, j, i, j, i, j))
            emit("        g%d = gi if g%d is None else g%d + gi" % (s, s, s))
        emit("    r = gi = None")
        emit("c%d = g%d = None" % (i, o))
    emit("return s%d, s%d, [%s]" % (program.out_slot, program.loss_slot,
                               ", ".join("g%d" % s if s in receivers else "None" for s in program.param_slots)))
    src = "def _replay(x, y, P):\n" + "\n".join("    " + line for line in lines) + "\n"
    code = compile(src, "<compile_step replay>", "exec")
    exec(code, env)  # noqa: S102 - our own generated source, from the traced program
    fn = env["_replay"]
    fn.source = src
    return fn


def _slot_meta(program, x, y, params) -> dict:
    """(shape, dtype) of every slot an instruction reads (fixed by the cache key)."""
    meta = {program.x_slot: (x._data.shape, x._data.dtype)}
    if program.y_slot is not None:
        meta[program.y_slot] = (y._data.shape, y._data.dtype)
    for p, s in zip(params, program.param_slots):
        meta[s] = (p._data.shape, p._data.dtype)
    for s, t in program.constants.items():
        meta[s] = (t._data.shape, t._data.dtype)
    for ins in program.instrs:
        meta[ins.out] = ins.out_meta
    return meta
