"""A cheap test that a call may reuse the previous call's program: the cache key, checked in place.

Working out ``trace.signature`` (and walking the module tree for hooks and parameters) costs more than
the lecture's whole replayed step.  Between two calls of a training loop almost nothing changes, so the
step keeps, beside the program it last ran, a *guard*: generated code that re-checks each part of that
program's key against the objects themselves, one comparison each — the input's and target's shapes and
dtypes, every module's children, parameters, mode and hooks, every parameter's shape, dtype,
``requires_grad`` and hooks, the optimizer's groups and settings, and the grad / anomaly / observer
modes.  When every check holds, the key would be the same; when one fails, the step works the key out in
full (a new shape traces again, as before).  A setting the guard cannot compare by value (a tensor as a
learning rate, a target that is not a tensor) means no guard: every call takes the full path.
"""
from __future__ import annotations

from ..autograd import function as F
from ..tensor import Tensor
from .trace import _HOOKS

_PLAIN = (int, float, bool, str, type(None))


def _plain(value) -> bool:
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return type(value) in _PLAIN


def make(modules, params, optimizer, x, y):
    """``guard(x, y) -> bool`` for the state as it is now, or None where a part cannot be checked cheaply."""
    if not isinstance(y, Tensor):
        return None
    env = {"F": F}
    lines = []
    emit = lines.append

    def const(name, value):
        env[name] = value
        return name

    for name, t in (("x", x), ("y", y)):
        emit(f"d = {name}._data")
        emit(f"if d.shape != {const(name.upper() + 'S', t._data.shape)}: return False")
        emit(f"dt = d.dtype\nif dt is not {const(name.upper() + 'D', t._data.dtype)} and dt != {name.upper()}D: "
             f"return False")
    emit(f"if x._requires_grad is not {x._requires_grad}: return False")
    emit(f"if F._state['enabled'] is not {F._state['enabled']} or bool(F._anomaly[0]) is not {bool(F._anomaly[0])} "
         f"or F._forward_observers: return False")
    for k, m in enumerate(modules):
        if not all(hasattr(m, a) for a in _HOOKS + ("_modules", "_parameters", "training")):
            return None
        M = const(f"M{k}", m)
        emit(f"if {M}.training is not {bool(m.training)}: return False")
        emit("if " + " or ".join(f"{M}.{a}" for a in _HOOKS) + ": return False")
        for attr in ("_modules", "_parameters"):
            values = list(getattr(m, attr).values())
            emit(f"v = {M}.{attr}")
            emit(f"if len(v) != {len(values)}: return False")
            if values:
                emit("v = tuple(v.values())")
                emit("if " + " or ".join(f"v[{i}] is not {const(f'M{k}{attr}{i}', c)}"
                                         for i, c in enumerate(values)) + ": return False")
    for k, p in enumerate(params):
        P = const(f"P{k}", p)
        emit(f"d = {P}._data")
        emit(f"if d.shape != {const(f'PS{k}', p._data.shape)}: return False")
        emit(f"dt = d.dtype\nif dt is not {const(f'PD{k}', p._data.dtype)} and dt != PD{k}: return False")
        emit(f"if {P}._requires_grad is not {bool(p._requires_grad)} or {P}._hooks or "
             f"{P}._post_accumulate_hooks: return False")
    O = const("O", optimizer)
    emit(f"gs = {O}.param_groups")
    emit(f"if len(gs) != {len(optimizer.param_groups)}: return False")
    for k, g in enumerate(optimizer.param_groups):
        G = const(f"G{k}", g)
        emit(f"if gs[{k}] is not {G} or len({G}) != {len(g)}: return False")
        ps = g["params"]
        emit(f"v = {G}['params']")
        emit(f"if len(v) != {len(ps)}" + "".join(f" or v[{i}] is not {const(f'G{k}p{i}', p)}"
                                                for i, p in enumerate(ps)) + ": return False")
        for key, value in g.items():
            if key == "params":
                continue
            if not isinstance(key, str) or not _plain(value):
                return None
            emit(f"if {G}.get({key!r}, F) != {const(f'G{k}_{len(env)}', value)}: return False")
    emit("return True")
    src = "def guard(x, y):\n" + "\n".join("    " + s for line in lines for s in line.split("\n")) + "\n"
    exec(compile(src, "<compile_step guard>", "exec"), env)  # noqa: S102 - generated from the key's parts
    return env["guard"]
