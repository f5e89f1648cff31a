"""In-place ops (``x.add_(y)``, ``x += y``, ``x.zero_()`` …) and the one routine that writes results back."""
from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import _state as _grad_state
from ..ops import elementwise as E, shape as S

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class InPlaceMixin:
    """``x.mul_(2)``, ``x.copy_(y)`` …: each computes the out-of-place result, then ``_in_place``
    writes it into ``x``."""

    __slots__ = ()

    def _in_place(self, compute, name: str) -> "Tensor":
        """Run ``compute`` (the out-of-place op on ``self``), then write the result into this tensor.

        The numbers land in the same memory (so views and ``.data`` aliases see them), the version
        counter is bumped (so a node that saved the old values will refuse to backprop), and, when
        recording, ``self`` takes over the new node as its ``grad_fn``.  When ``self`` is a slice of
        another tensor (``y[0].mul_(2)``), that base tensor's graph is re-routed too, as PyTorch does.
        """
        base = self._base
        if _grad_state["enabled"]:
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation "
                                   f"({name}). Wrap the update in `with torch.no_grad():` (as optimizers do), "
                                   f"or use the out-of-place form.")
            if base is not None and base._requires_grad:
                if base.grad_fn is None:
                    raise RuntimeError(f"a view of a leaf Variable that requires grad is being used in an "
                                       f"in-place operation ({name}). Change the leaf itself under `with "
                                       f"torch.no_grad():`, or work on a copy (.clone()).")
                if not self._requires_grad:
                    raise RuntimeError(f"a view was created in no_grad mode and is being modified in place "
                                       f"({name}) with grad mode enabled: take the view again outside no_grad")
        result = compute()
        out = result._data
        if out.dtype != self._data.dtype and not np.can_cast(out.dtype, self._data.dtype, "same_kind"):
            raise RuntimeError(f"result type {_type_word(out.dtype)} can't be cast to the desired output type "
                               f"{_type_word(self._data.dtype)} (in-place {name} on a {self.dtype} tensor)")
        if out.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(out.shape)} (in-place {name})")
        node = result.grad_fn
        if not self._data.flags.writeable and base is not None:   # an expand()ed view: one memory cell
            raise RuntimeError(f"unsupported operation: more than one element of the written-to tensor "
                               f"refers to a single memory location (in-place {name} on an expanded "
                               f"tensor). Please clone() the tensor before performing the operation.")
        rebase = base is not None and node is not None and np.may_share_memory(self._data, base._data)
        if node is not None and node._saved:
            # the node may have saved our old values: give it a private copy before we overwrite them
            # (other saved views of this memory keep their version check: they do change)
            mine = tuple(s is self._data for s in node._saved)
            node._saved = tuple(s.copy() if m else s for s, m in zip(node._saved, mine))
            node._saved_versions = tuple(None if m else rec for rec, m in zip(node._saved_versions, mine))
        if not self._data.flags.writeable:
            self._data = self._data.copy()
        np.copyto(self._data, out, casting="unsafe")
        self._vc.value += 1
        if node is not None:
            self.grad_fn = node
            self._requires_grad = True
            if self._retains_grad:
                import weakref
                node._retained = weakref.ref(self)
        if rebase:
            self._rebase_view_base(base)
        return self

    def _rebase_view_base(self, base: "Tensor") -> None:
        """``base`` now holds this view's new values at the places the view covers: its ``grad_fn``
        becomes a ``CopySlices`` node joining its old graph with the view's new one.  The places are
        read off the memory layout, so any view works: slices, reshape, transpose, views of views."""
        old = Tensor._make(base._data)
        old.grad_fn, old._requires_grad, old._accumulator = base.grad_fn, base._requires_grad, base._accumulator
        places = S.view_positions(base._data, self._data)
        node = S.CopySlices.apply(old, places, self).grad_fn
        base.grad_fn = node
        base._requires_grad = True
        if base._retains_grad:
            import weakref
            node._retained = weakref.ref(base)

    def add_(self, other, alpha=1):
        return self._in_place(lambda: self.add(other, alpha=alpha), "add_")

    def sub_(self, other, alpha=1):
        return self._in_place(lambda: self.sub(other, alpha=alpha), "sub_")

    def mul_(self, other):
        return self._in_place(lambda: self * other, "mul_")

    def div_(self, other):
        return self._in_place(lambda: self / other, "div_")

    def pow_(self, exponent):
        return self._in_place(lambda: self ** exponent, "pow_")

    def clamp_(self, min=None, max=None):
        return self._in_place(lambda: self.clamp(min, max), "clamp_")

    clip_ = clamp_

    def neg_(self):
        return self._in_place(lambda: -self, "neg_")

    def exp_(self):
        return self._in_place(lambda: self.exp(), "exp_")

    def sqrt_(self):
        return self._in_place(lambda: self.sqrt(), "sqrt_")

    def relu_(self):
        return self._in_place(lambda: self.relu(), "relu_")

    def sigmoid_(self):
        return self._in_place(lambda: self.sigmoid(), "sigmoid_")

    def tanh_(self):
        return self._in_place(lambda: self.tanh(), "tanh_")

    def zero_(self):
        return self._in_place(lambda: self * 0 if self._requires_grad else
                              Tensor._make(np.zeros_like(self._data)), "zero_")

    def fill_(self, value):
        v = value.item() if isinstance(value, Tensor) else value
        return self._in_place(lambda: self * 0 + v if self._requires_grad else
                              Tensor._make(np.full_like(self._data, v)), "fill_")

    def copy_(self, src, non_blocking=False):
        src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
        # not ``self * 0 + src``: that turns NaN/inf already in ``self`` into NaN
        return self._in_place(lambda: E.Where.apply(np.ones(self._data.shape, dtype=bool), src.to(self.dtype), self),
                              "copy_")

    def addcmul_(self, t1, t2, value=1):
        return self._in_place(lambda: self + value * t1 * t2, "addcmul_")

    def addcdiv_(self, t1, t2, value=1):
        return self._in_place(lambda: self + value * t1 / t2, "addcdiv_")

    def lerp_(self, end, weight):
        return self._in_place(lambda: self + weight * (end - self), "lerp_")

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def abs_(self):
        return self._in_place(lambda: self.abs(), "abs_")

    def log_(self):
        return self._in_place(lambda: self.log(), "log_")

    def square_(self):
        return self._in_place(lambda: self * self, "square_")

    def masked_fill_(self, mask, value):
        return self._in_place(lambda: self.masked_fill(mask, value), "masked_fill_")


def _type_word(np_dtype) -> str:
    return {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}[np_dtype.kind]
