"""Padding layers: ``F.pad`` with its mode and widths stored on the module (PyTorch's classes and reprs).

``padding`` is an int (every side) or a tuple (left, right[, top, bottom]) starting at the last dim."""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d", "ReflectionPad1d", "ReflectionPad2d",
           "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d"]


def _widths(padding, d: int) -> tuple:
    return tuple(padding) if isinstance(padding, (list, tuple)) else (padding,) * (2 * d)


class _PadNd(Module):
    mode = "constant"
    _dims = 2

    def __init__(self, padding):
        super().__init__()
        self.padding = _widths(padding, self._dims)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    """Pad the last dim with ``value``: (…, L) → (…, left + L + right)."""
    _dims = 1

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dims with ``value``: (…, H, W) → (…, top + H + bottom, left + W + right)."""
    _dims = 2


class ZeroPad1d(ConstantPad1d):
    """ConstantPad1d with zeros."""
    _dims = 1

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    """ConstantPad2d with zeros."""
    _dims = 2


class ReflectionPad1d(_PadNd):
    """Mirror about the edge cell: [x₀ x₁ x₂] padded by 2 → [x₂ x₁ | x₀ x₁ x₂ | x₁ x₀]."""
    mode = "reflect"
    _dims = 1


class ReflectionPad2d(ReflectionPad1d):
    """ReflectionPad1d along the last two dims."""
    _dims = 2


class ReplicationPad1d(_PadNd):
    """Repeat the edge cell: [x₀ x₁ x₂] padded by 2 → [x₀ x₀ | x₀ x₁ x₂ | x₂ x₂]."""
    mode = "replicate"
    _dims = 1


class ReplicationPad2d(ReplicationPad1d):
    """ReplicationPad1d along the last two dims."""
    _dims = 2


class CircularPad1d(_PadNd):
    """Wrap around: [x₀ x₁ x₂] padded by 2 → [x₁ x₂ | x₀ x₁ x₂ | x₀ x₁]."""
    mode = "circular"
    _dims = 1


class CircularPad2d(CircularPad1d):
    """CircularPad1d along the last two dims."""
    _dims = 2
