"""Choosing between values by a boolean mask: ``where``, ``masked_fill``, ``tril``, ``triu``."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..ops import elementwise as E
from .common import _data

Tensor = None  # the class inheriting this mixin: bound by tensor_methods.bind(), as it cannot be imported here


class MaskingMixin:
    """``x.masked_fill(mask, v)``, ``x.where(cond, y)``, ``x.tril()``: gradient flows to the kept places."""

    __slots__ = ()

    def where(self, condition, other):
        """``x.where(cond, y)`` is ``chainrule.where(cond, x, y)``."""
        from ..functions import where
        return where(condition, self, other)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is true, else ``self`` (gradient flows to the kept places)."""
        v = value.item() if isinstance(value, Tensor) else value
        if _data(mask).dtype != np.bool_:
            raise RuntimeError(f"masked_fill only supports boolean masks, but got a mask of dtype "
                               f"{dtypes.from_numpy_dtype(_data(mask).dtype)}; compare first, e.g. x.masked_fill(m > 0, v)")
        try:
            return E.Where.apply(_data(mask).astype(bool, copy=False), np.asarray(v, dtype=self._data.dtype), self)
        except ValueError:
            raise E.broadcast_error("masked_fill", mask, self) from None

    def tril(self, diagonal=0):
        _at_least_2d(self, "tril")
        return self.masked_fill(Tensor._make(~np.tri(*self._data.shape[-2:], k=diagonal, dtype=bool)), 0)

    def triu(self, diagonal=0):
        _at_least_2d(self, "triu")
        return self.masked_fill(Tensor._make(np.tri(*self._data.shape[-2:], k=diagonal - 1, dtype=bool)), 0)


def _at_least_2d(t, fn: str) -> None:
    if t._data.ndim < 2:
        raise RuntimeError(f"{fn}: input tensor must have at least 2 dimensions")
