"""Anomaly mode: ``with chainrule.autograd.detect_anomaly(): ...`` makes a NaN or Inf an error that
names the op, which of its inputs/outputs went bad, and the line of *your* code that created the op.

It costs a stack capture per op, so it is off by default (as in PyTorch).
"""
from __future__ import annotations

import os
import traceback

import numpy as np

from . import function as F

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    return F._anomaly[0]


def _user_frames():
    frames = traceback.extract_stack()[:-3]
    user = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    return user or frames


def _where(node) -> str:
    stack = getattr(node, "_creation_stack", None)
    if not stack:
        return ""
    last = stack[-1]
    lines = "".join(traceback.format_list(stack[-3:]))
    return (f"\nThe operation was created at {last.filename}:{last.lineno} ({last.line}).\n"
            f"Traceback of the forward call that created it:\n{lines}")


def _bad(arr) -> str | None:
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
        if np.isnan(arr).any():
            return "nan"
        if np.isinf(arr).any():
            return "inf"
    return None


def _anomaly_forward(ctx, result, args=()):
    ctx._creation_stack = _user_frames()
    kind = _bad(result._data)
    if kind:
        raise RuntimeError(f"Function '{ctx.name}' produced {kind} values in its output during the forward "
                           f"pass (detect_anomaly is on){_blame(result._data, args)}.{_where(ctx)}")


def _blame(out: np.ndarray, args) -> str:
    """Which argument is to blame: one that already held NaN/Inf, or else the values at the first bad place."""
    arrays = [(i, getattr(a, "_data", a)) for i, a in enumerate(args)]
    arrays = [(i, a) for i, a in arrays if isinstance(a, np.ndarray)]
    for i, a in arrays:
        kind = _bad(a)
        if kind:
            return f": its input {i} (shape {tuple(a.shape)}) already contained {kind}"
    where = np.argwhere(~np.isfinite(out))
    if where.size == 0:
        return ""
    pos = tuple(int(k) for k in where[0])
    shown = []
    for i, a in arrays:
        try:
            v = np.broadcast_to(a, out.shape)[pos] if a.ndim else a
            shown.append(f"input {i} = {float(v):g}")
        except (ValueError, IndexError, TypeError):
            continue
    at = f" at index {pos}" if pos else ""
    vals = f" where {', '.join(shown)}" if shown else ""
    return f": its inputs are finite, so the op itself went out of range{at}{vals}"


def _anomaly_backward(node, grads):
    for i, g in enumerate(grads):
        kind = _bad(g)
        if kind:
            raise RuntimeError(f"Function '{node.name}' returned {kind} values in its {_ordinal(i)} output "
                               f"(the gradient for input {i}).{_where(node)}")


def _ordinal(i: int) -> str:
    return f"{i}th"


F._anomaly_forward = _anomaly_forward
F._anomaly_backward = _anomaly_backward


class set_detect_anomaly:
    """Switch anomaly mode on or off; as a context manager it restores the previous setting."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = F._anomaly[0]
        F._anomaly[0] = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        F._anomaly[0] = self._prev
        return False


class detect_anomaly(set_detect_anomaly):
    """Context manager (and decorator) that turns anomaly mode on inside its block."""

    def __init__(self, check_nan: bool = True):
        self._prev = F._anomaly[0]

    def __enter__(self):
        F._anomaly[0] = True
        return self

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return fn(*args, **kwargs)
        return wrapper
