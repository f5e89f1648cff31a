"""Helpers every method family shares: argument parsing, views, call-form names, (values, indices) pairs."""
from __future__ import annotations

import numpy as np

Tensor = None  # the class the families mix into: bound by tensor_methods.bind(), as it cannot be imported here


def _shape_arg(shape) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(torch.Size)`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _named(out: "Tensor", when, name: str) -> "Tensor":
    """Give ``out``'s node PyTorch's name for this call form (``SumBackward1`` for ``sum(dim)``, ...)."""
    if when is not None and out.grad_fn is not None:
        out.grad_fn._name = name
    return out


def _as_view(base: "Tensor", out: "Tensor") -> "Tensor":
    """Mark ``out`` as a view of ``base`` when their memory overlaps: they share the version counter
    (an in-place change through either is seen by nodes that saved the other), and ``_base`` (the
    root tensor that owns the memory) lets an in-place op on the view re-route that tensor's gradient."""
    if out._data.base is not None and np.may_share_memory(out._data, base._data):
        out._vc = base._vc
        out._base = base if base._base is None else base._base
    return out


class _MinMax(tuple):
    """``(values, indices)`` returned by ``max(dim)`` / ``min(dim)``, like ``torch.return_types.max``."""

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"chainrule.return_types.{getattr(self, 'kind', 'max')}(\nvalues={self[0]!r},\nindices={self[1]!r})"
