"""Whether operations are being recorded: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each works as a context manager and as a decorator, as in PyTorch::

    with chainrule.no_grad():
        w -= lr * w.grad          # not recorded

    @chainrule.no_grad()
    def evaluate(model, x): ...
"""
from __future__ import annotations

import functools

_state = {"enabled": True}


def is_grad_enabled() -> bool:
    return _state["enabled"]


class _GradModeContext:
    """Base: sets the mode on enter, restores the previous mode on exit; also a decorator."""

    _mode: bool = True

    def __new__(cls, *args, **kwargs):
        # ``@no_grad`` without parentheses: PyTorch accepts the function itself
        if len(args) == 1 and not kwargs and callable(args[0]) and cls in (no_grad, enable_grad):
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = _state["enabled"]
        _state["enabled"] = self._mode
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Disable graph recording inside the block (for evaluation and optimizer updates)."""

    _mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside the block, even within ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(mode)``: takes effect at once (like PyTorch) and restores on exit when used with ``with``."""

    def __init__(self, mode: bool):
        self._mode = bool(mode)
        self._prev = _state["enabled"]
        _state["enabled"] = self._mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self._prev
        return False

    def __call__(self, fn):
        _state["enabled"] = self._prev        # used as a decorator: undo the immediate effect
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class inference_mode(no_grad):
    """Alias of ``no_grad`` (PyTorch's faster variant; here they are the same)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode
