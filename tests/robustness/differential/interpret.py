"""Run one program against one library and record what a user would observe.

The same code runs both libraries: each statement is ``exec``'d in a namespace whose ``lib`` is
``chainrule`` or ``torch`` and whose ``F`` is ``lib.nn.functional``.  A statement that raises is
recorded (its exception's builtin class and message) and the program goes on with the next one.
"""
from __future__ import annotations

import builtins
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

NAME = re.compile(r"^[xv]\d+$")


@dataclass
class Seen:
    """A variable at the end of the program."""
    is_tensor: bool
    shape: tuple = ()
    dtype: str = ""
    requires_grad: bool = False
    array: np.ndarray | None = None
    text: str = ""                      # repr of a non-tensor


@dataclass
class Trace:
    steps: list = field(default_factory=list)      # per statement: None, or (exception class name, message)
    seen: dict = field(default_factory=dict)       # variable name -> Seen
    backward: object = "none"                      # "none" (nothing to differentiate), None (ran), or (class, message)
    loss: Seen | None = None
    grads: dict = field(default_factory=dict)      # leaf name -> Seen, or None where .grad is None
    warnings: list = field(default_factory=list)   # RuntimeWarning messages


def family(exc: BaseException) -> str:
    """The builtin exception class an error belongs to (``torch``'s own classes map to their base)."""
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls.__name__
    return type(exc).__name__


def dtype_name(dt) -> str:
    return str(dt).split(".")[-1]


def observe(lib, value) -> Seen:
    if isinstance(value, lib.Tensor):
        arr = np.array(value.detach().numpy(), copy=True)
        return Seen(True, tuple(value.shape), dtype_name(value.dtype), bool(value.requires_grad), arr)
    return Seen(False, text=repr(value))


def weights(lib, t):
    """The fixed weighting of an output in the loss: cos(1), cos(2), … in the output's dtype."""
    w = np.cos(np.arange(t.numel()) + 1.0).reshape(tuple(t.shape))
    return lib.tensor(w, dtype=t.dtype)


def run(program, lib) -> Trace:
    """Execute ``program`` with ``lib``; never raises for the program's own errors."""
    trace = Trace()
    ns = {"lib": lib, "F": lib.nn.functional, "np": np, "nan": float("nan"), "inf": float("inf")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for leaf in program.leaves:
            exec(leaf.source(), ns)
        for stmt in program.statements:
            try:
                exec(stmt, ns)
                trace.steps.append(None)
            except Exception as e:      # the program's own error: recorded, compared
                trace.steps.append((family(e), str(e).splitlines()[0][:200] if str(e) else ""))
        names = [k for k in ns if NAME.match(k)]
        for k in names:
            trace.seen[k] = observe(lib, ns[k])
        outs = [ns[k] for k in names if isinstance(ns[k], lib.Tensor) and ns[k].requires_grad
                and ns[k].is_floating_point()]
        if outs:
            try:
                loss = sum((v * weights(lib, v)).sum() for v in outs)
                trace.loss = observe(lib, loss)
                loss.backward()
                trace.backward = None
            except Exception as e:
                trace.backward = (family(e), str(e).splitlines()[0][:200] if str(e) else "")
        for k in names:
            if k.startswith("x") and isinstance(ns[k], lib.Tensor) and ns[k].is_leaf:
                g = ns[k].grad
                trace.grads[k] = None if g is None else observe(lib, g)
    trace.warnings = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return trace
