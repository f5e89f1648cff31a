"""In-place ops (``x.add_(y)``, ``x += y``, ``x.zero_()`` …) and the one routine that writes results back."""
from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import _state as _grad_state
from ..ops import elementwise as E, shape as S
from .common import _named, rebase_views, scalar_of, refused_in_place_message, view_made

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class InPlaceMixin:
    """``x.mul_(2)``, ``x.copy_(y)`` …: each computes the out-of-place result, then ``_in_place``
    writes it into ``x``."""

    __slots__ = ()

    def _in_place(self, compute, name: str, *read, view_kind=None) -> "Tensor":
        """Run ``compute`` (the out-of-place op on ``self``), then write the result into this tensor.

        The numbers land in the same memory (so views and ``.data`` aliases see them), the version
        counter is bumped (so a node that saved the old values will refuse to backprop), and, when
        recording, ``self`` takes over the new node as its ``grad_fn``.  When ``self`` is a slice of
        another tensor (``y[0].mul_(2)``), that base tensor's graph is re-routed too, and every other
        view of it is re-based on the new history, as PyTorch does.  ``read``: the other tensors the
        op reads, refused (as PyTorch does) when they overlap the written memory only in part;
        ``view_kind``: how ``self`` was made as a view, when the caller knows better (``common.view_made``).
        """
        base = self._base
        for other in read:   # (memory is shared only within one version counter's family)
            if isinstance(other, Tensor) and other._vc is self._vc:
                _check_no_partial_overlap(self._data, other._data)
        if _grad_state["enabled"]:
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation "
                                   f"({name}). Wrap the update in `with torch.no_grad():` (as optimizers do), "
                                   f"or use the out-of-place form.")
            if base is not None and base._requires_grad and base.grad_fn is None:
                raise RuntimeError(f"a view of a leaf Variable that requires grad is being used in an "
                                   f"in-place operation ({name}). Change the leaf itself under `with "
                                   f"torch.no_grad():`, or work on a copy (.clone()).")
        result = compute()
        out = result._data
        if out.dtype != self._data.dtype and not np.can_cast(out.dtype, self._data.dtype, "same_kind"):
            raise RuntimeError(f"result type {_type_word(out.dtype)} can't be cast to the desired output type "
                               f"{_type_word(self._data.dtype)} (in-place {name} on a {self.dtype} tensor)")
        if out.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(out.shape)} (in-place {name})")
        if base is not None and _grad_state["enabled"] and (result.grad_fn is not None or base._requires_grad):
            refusal = refused_in_place_message(view_kind or view_made(self), through_base=False)
            if refusal is not None:
                raise RuntimeError(refusal)
        node = result.grad_fn
        if not self._data.flags.writeable and base is not None:   # an expand()ed view: one memory cell
            raise RuntimeError(f"unsupported operation: more than one element of the written-to tensor "
                               f"refers to a single memory location (in-place {name} on an expanded "
                               f"tensor). Please clone() the tensor before performing the operation.")
        rebase = base is not None and node is not None and np.may_share_memory(self._data, base._data)
        if node is not None and node._saved:
            # the node may have saved our old values: give it a private copy before we overwrite them
            # (other saved views of this memory keep their version check: they do change)
            # (but ``x *= x`` also read x as its other operand, which PyTorch saved and then changed: it refuses)
            reread = any(isinstance(o, Tensor) and o._data is self._data for o in read)
            mine = tuple(not reread and (s is self._data or (type(s) is np.ndarray and s.base is not None
                                                             and _overlap(s, self._data) == "full"))
                         for s in node._saved)
            node._saved = tuple(s.copy() if m else s for s, m in zip(node._saved, mine))
            node._saved_versions = tuple(None if m else rec for rec, m in zip(node._saved_versions, mine))
        if not self._data.flags.writeable:   # (a NumPy scalar some reductions return, e.g. all(): an array now)
            self._data = np.array(self._data)
        np.copyto(self._data, out, casting="unsafe")
        self._vc.value += 1
        if node is not None:
            if node._saved_versions:
                # what the node saved of its result now lives in this tensor: a later in-place change
                # of this tensor must be caught (``x.sigmoid_(); x.add_(1)`` cannot backpropagate)
                rvc, vc = result._vc, self._vc
                node._saved_versions = tuple((vc, vc.value) if rec is not None and rec[0] is rvc else rec
                                             for rec in node._saved_versions)
            if self._retains_grad:
                import weakref
                if self.grad_fn is not None:
                    self.grad_fn._retained = None
                node._retained = weakref.ref(self)
            self.grad_fn = node
            self._requires_grad = True
            if rebase:
                self._rebase_view_base(base)
            rebase_views(self if base is None else base, self)
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
        return self._in_place(lambda: self.add(other, alpha=alpha), "add_", other)

    def sub_(self, other, alpha=1):
        return self._in_place(lambda: self.sub(other, alpha=alpha), "sub_", other)

    def mul_(self, other):
        return self._in_place(lambda: self * other, "mul_", other)

    def div_(self, other):
        return self._in_place(lambda: self / other, "div_", other)

    def pow_(self, exponent):
        return self._in_place(lambda: self ** exponent, "pow_", exponent)

    def clamp_(self, min=None, max=None):
        return self._in_place(lambda: self.clamp(min, max), "clamp_", min, max)

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
        # written, not computed as ``self * 0``: that would leave NaN where self held inf or NaN
        return self._in_place(lambda: _named(S.Fill.apply(self, 0), True, "ZeroBackward0"), "zero_")

    def fill_(self, value):
        if isinstance(value, Tensor) and value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if not isinstance(value, Tensor):
            value = scalar_of(value, self._data.dtype)
        return self._in_place(lambda: S.Fill.apply(self, value), "fill_")

    def copy_(self, src, non_blocking=False):
        src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
        # not ``self * 0 + src``: that turns NaN/inf already in ``self`` into NaN
        return self._in_place(lambda: E.Where.apply(np.ones(self._data.shape, dtype=bool), src.to(self.dtype), self),
                              "copy_", src)

    def addcmul_(self, t1, t2, value=1):
        _need_tensors("addcmul_", t1, t2)
        return self._in_place(lambda: self + value * t1 * t2, "addcmul_", t1, t2)

    def addcdiv_(self, t1, t2, value=1):
        _need_tensors("addcdiv_", t1, t2)
        if t1._data.dtype.kind in "biu" and t2._data.dtype.kind in "biu":
            raise RuntimeError("Integer division with addcdiv is no longer supported: use (input + value * "
                               "torch.trunc(tensor1 / tensor2)).to(input.dtype) for the historic integer "
                               "behaviour, or pass float tensors")
        return self._in_place(lambda: self + value * t1 / t2, "addcdiv_", t1, t2)

    def lerp_(self, end, weight):
        if not isinstance(end, Tensor):
            raise TypeError(f"lerp_() received an invalid combination of arguments - got ({type(end).__name__}, "
                            f"{type(weight).__name__}), but expected one of:\n * (Tensor end, Tensor weight)\n"
                            f" * (Tensor end, Number weight)")
        if end._data.dtype != self._data.dtype:
            raise RuntimeError(f"expected dtype {_c_name(self._data.dtype)} for `end` but got dtype "
                               f"{_c_name(end._data.dtype)}")
        return self._in_place(lambda: self.lerp(end, weight), "lerp_", end, weight)

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


def _need_tensors(name: str, t1, t2) -> None:
    for pos, (arg, t) in enumerate((("tensor1", t1), ("tensor2", t2)), start=1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(t).__name__}")


def _c_name(np_dtype) -> str:
    return {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
            "int32": "int"}.get(np_dtype.name, np_dtype.name)


def _check_no_partial_overlap(written: np.ndarray, read: np.ndarray, copy: bool = False) -> None:
    """PyTorch's refusal to write into memory that an input of the same op covers only in part
    (``t[:2].add_(t[1:3])``: the result would depend on the order elements are written in).  The same
    memory exactly (``x.mul_(x)``) is fine; so is memory laid out with gaps, which PyTorch does not check."""
    if _overlap(written, read, copy) == "partial":
        _refuse_overlap()


def _refuse_overlap():
    raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to tensor "
                       "refer to a single memory location. Please clone() the tensor before performing the "
                       "operation.")


def _overlap(a: np.ndarray, b: np.ndarray, copy: bool = False) -> str:
    """"full" (the same elements, laid out alike), "partial", or "" (apart, or not dense: not checked)."""
    if a is b or a.size == 0 or b.size == 0:
        return "full" if a is b else ""
    if _owner(a) is not _owner(b):
        return ""
    a_lo, a_hi = _span(a)
    b_lo, b_hi = _span(b)
    if a_hi - a_lo != a.size * a.itemsize or b_hi - b_lo != b.size * b.itemsize:
        return ""                    # not dense (a column, a strided slice): PyTorch's "too hard"
    if (a_lo, a_hi) == (b_lo, b_hi):
        # PyTorch compares the strides; a copy (``v[None] = v``) is laid out alike when the dims that step
        # through memory agree (size-1 dims have no stride to speak of)
        same = _layout(a) == _layout(b) if copy else a.strides == b.strides
        return "full" if same else "partial"
    return "partial" if a_lo < b_hi and b_lo < a_hi else ""


def _layout(a: np.ndarray) -> tuple:
    """Sizes and strides of the dims that step through memory (``v[None]`` is laid out like ``v``)."""
    return tuple((n, st) for n, st in zip(a.shape, a.strides) if n != 1)


def _owner(a: np.ndarray):
    return a if a.base is None else a.base


def _span(a: np.ndarray) -> tuple:
    """The first and one-past-the-last byte address ``a`` touches."""
    lo = hi = a.__array_interface__["data"][0]
    for n, st in zip(a.shape, a.strides):
        if st < 0:
            lo += st * (n - 1)
        else:
            hi += st * (n - 1)
    return lo, hi + a.itemsize


def _type_word(np_dtype) -> str:
    return {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}[np_dtype.kind]
