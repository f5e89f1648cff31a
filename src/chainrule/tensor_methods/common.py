"""Helpers every method family shares: argument parsing, views, call-form names, (values, indices) pairs."""
from __future__ import annotations

import weakref

import numpy as np

from ..autograd.grad_mode import _state as _grad_state

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
    (an in-place change through either is seen by nodes that saved the other), ``_base`` (the root
    tensor that owns the memory) lets an in-place op on the view re-route that tensor's gradient, and
    the view is listed on the counter (``views``: id → (weak reference, how it was made)) so that an
    in-place change of the root, or of another view of it, re-bases it (``rebase_views``)."""
    b = out._data.base
    if b is not None and (np.may_share_memory(out._data, base._data)
                          or (out._data.size == 0 and (b is base._data or b is base._data.base))):
        vc = out._vc = base._vc
        out._base = base if base._base is None else base._base
        views = getattr(vc, "views", None)
        if views is None:
            views = vc.views = {}
        made = GRAD if _grad_state["enabled"] else NO_GRAD
        if base._base is not None:                   # a view of a split() piece is one too (PyTorch)
            parent = views.get(id(base))
            if parent is not None and type(parent[1]) is tuple and parent[0]() is base:
                made = (0, _view_name(out), parent[1][2])
        views[id(out)] = (weakref.ref(out), made)
        n = len(views)
        if n >= 16 and not n & (n - 1):   # at each power of two, forget the views that died (amortised O(1))
            for k in [k for k, e in views.items() if e[0]() is None]:
                del views[k]
    return out


#: How a view was made (the second item of its ``views`` entry); a piece of ``split``/``chunk``/
#: ``unbind`` has ``(output number, op name, whether it was made with grad)`` instead.
GRAD, NO_GRAD = "grad", "no_grad"


def _view_name(t) -> str:
    name = t.grad_fn.name if t.grad_fn is not None else "View"
    return name[:-len("Backward0")] if name.endswith("Backward0") else name


def view_made(t):
    """How the view ``t`` was made (``GRAD``, ``NO_GRAD`` or a split piece's tuple); None if unknown."""
    views = getattr(t._vc, "views", None)
    entry = views.get(id(t)) if views else None
    return entry[1] if entry is not None and entry[0]() is t else None


def mark_pieces(pieces: tuple, name: str, base: "Tensor") -> tuple:
    """Record that ``pieces`` are the views one ``split``-like op (``name``: PyTorch's, e.g. "Split")
    returned: PyTorch forbids changing them in place while they carry a history."""
    with_grad = bool(_grad_state["enabled"] and base._requires_grad)
    for i, p in enumerate(pieces):
        views = getattr(p._vc, "views", None)
        if p._base is not None and views and id(p) in views:
            views[id(p)] = (views[id(p)][0], (i, name, with_grad))
        if p.grad_fn is not None:
            p.grad_fn._name = name + "Backward0"
    return pieces


_MULTI = ("This view is the output of a function that returns multiple views. Such functions do not allow the "
          "output views to be modified inplace. You should replace the inplace operation by an out-of-place one.")
_AMBIGUOUS = ("Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code "
              "by moving both the view and the inplace either both inside the no_grad block (if you don't want "
              "the inplace to be tracked) or both outside (if you want the inplace to be tracked).")


def refused_in_place_message(made, *, through_base: bool):
    """PyTorch's refusal of an in-place change that would give a no_grad view, or a split piece, a new
    history; ``through_base``: the change was made to its base or another view, not to it.  None when
    the change is allowed."""
    if made == GRAD or made is None:
        return None
    if made == NO_GRAD:
        if through_base:
            return ("A view was created in no_grad mode and its base or another view of its base has been modified "
                    "inplace with grad mode enabled. " + _AMBIGUOUS)
        return "A view was created in no_grad mode and is being modified inplace with grad mode enabled. " + _AMBIGUOUS
    index, name, with_grad = made
    if not with_grad:
        if through_base:
            return ("A view was created in no_grad mode and its base or another view of its base has been modified "
                    "inplace with grad mode enabled. " + _MULTI)
        return "A view was created in no_grad mode and is being modified inplace with grad mode enabled. " + _MULTI
    if through_base:
        return (f"Output {index} of {name} is a view and its base or another view of its base has been modified "
                f"inplace. " + _MULTI)
    return f"Output {index} of {name} is a view and is being modified inplace. " + _MULTI


def rebase_views(root: "Tensor", written: "Tensor") -> None:
    """``root`` has just been given a new history by an in-place change (of itself or, through
    ``written``, of a view of it): every other live view of it now reads its numbers from that history
    (an ``AsStridedBackward0`` node over the root), as PyTorch's views do.  A view that PyTorch would
    refuse to re-base (taken under ``no_grad``, or a ``split`` piece) gets a node that refuses to
    backpropagate, with PyTorch's message."""
    from ..ops import shape as S
    views = getattr(root._vc, "views", None)
    if not views:
        return
    for ref, made in tuple(views.values()):
        v = ref()
        if v is None or v is written or v._base is not root or not np.may_share_memory(v._data, root._data):
            continue
        refusal = refused_in_place_message(made, through_base=True)
        if refusal is None:
            shape, strides = v._data.shape, v._data.strides
            repeats = any(st == 0 and n > 1 for n, st in zip(shape, strides))
            node = S.AsStrided.apply(root, S.view_positions(root._data, v._data), repeats).grad_fn
        else:
            node = S.RefusedView.apply(root, refusal).grad_fn
        if v._retains_grad and v.grad_fn is not None:
            v.grad_fn._retained = None
            node._retained = weakref.ref(v)
        v.grad_fn = node
        v._requires_grad = True


def scalar_of(value, np_dtype):
    """A Python number as one element of ``np_dtype`` (``x[0] = v``, ``x.fill_(v)``), refusing as PyTorch does
    a value an integer type cannot hold (inf, NaN, out of range) instead of NumPy's OverflowError."""
    if np_dtype.kind in "iu" and not isinstance(value, (bool, np.bool_)):
        if isinstance(value, (int, np.integer)) and not -2 ** 63 <= value < 2 ** 63:
            raise ValueError("Overflow when unpacking long long")
        info = np.iinfo(np_dtype)
        v = float(value) if not isinstance(value, (int, np.integer)) else value
        if v != v or not info.min <= v <= info.max:
            ctype = {"int64": "int64_t", "int32": "int", "int16": "short", "int8": "signed char",
                     "uint8": "unsigned char"}.get(np_dtype.name, np_dtype.name)
            raise RuntimeError(f"value cannot be converted to type {ctype} without overflow")
        return np_dtype.type(int(v))
    return np_dtype.type(value)


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
