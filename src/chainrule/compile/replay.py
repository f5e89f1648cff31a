"""Replay a traced ``Program``: run its lowered function (``compile.codegen``) — the same op kernels, on
arrays, in the same order: forward in call order, backward in the order the engine ran it, the gradients
summed in the same order — so the result equals the eager step bit for bit, without Tensors, graph nodes,
edges, version records or module calls.  Then hand each parameter its gradient as ``AccumulateGrad``
does after ``zero_grad()``.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def run(program, x, y, params) -> tuple:
    """One step's forward and backward: fills each parameter's ``.grad`` (fresh, as after ``zero_grad``)
    and returns the model's output and the loss (arrays).  The optimizer's update is the caller's."""
    for p in params:                 # zero_grad(): last step's gradients are not held beside the new ones
        p._grad = None
    out, loss, grads = program.fn(x._data, None if program.y_slot is None else y._data, [p._data for p in params])
    held = [id(g) for g in grads if g is not None]
    for p, g in zip(params, grads):                                   # AccumulateGrad, after zero_grad
        if g is None:
            p._grad = None
            continue
        # keep the array only if nothing else can see it (as the engine does): not a view of another
        # array, writable, and not the same array as another parameter's gradient
        if g.base is not None or not g.flags.writeable or held.count(id(g)) > 1:
            g = np.array(g, copy=True)
        p._grad = Tensor._make(g)
    return out, loss
