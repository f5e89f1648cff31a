"""``x.new_zeros(2, 3)`` and friends: fresh tensors with ``x``'s dtype unless told otherwise."""
from __future__ import annotations


class NewTensorMixin:
    """``new_zeros``, ``new_ones``, ``new_empty``, ``new_full``, ``new_tensor`` (the factories, with ``self.dtype``
    as default)."""

    __slots__ = ()

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from ..factories import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from ..factories import ones
        return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from ..factories import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from ..factories import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)
