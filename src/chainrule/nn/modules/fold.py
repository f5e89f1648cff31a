"""``Unfold`` (im2col: sliding blocks as columns) and ``Fold`` (col2im: columns summed back into an image)."""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """(N, C, H, W) → (N, C·Π kernel_size, L): column l holds the l-th sliding block (row-major over the
    block positions), out[n, (c, p, q), l] = x[n, c, i·s + p·d − pad, j·s + q·d − pad].  A convolution is
    then one matrix product: ``(W.view(O, -1) @ Unfold(k)(x)).view(N, O, H_out, W_out)``."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Unfold's adjoint: (N, C·Π kernel_size, L) → (N, C, *output_size), each column entry added to the cell
    unfold reads it from (overlapping blocks add up, so Fold(Unfold(x)) counts each cell once per block)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
