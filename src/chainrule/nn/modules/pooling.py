"""Pooling layers: max, average and adaptive pooling in 1-d and 2-d, each its ``nn.functional`` form with
the options stored on the module (PyTorch's attributes and ``print(model)``)."""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """y[n, c, i] = max_p x[n, c, i·s − pad + p·d]: (N, C, L) → (N, C, L_out),
    L_out = ⌊(L + 2·pad − d·(k − 1) − 1)/s⌋ + 1 (⌈…⌉ with ceil_mode); the gradient goes to each window's maximum."""

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """y[n, c, i, j] = max_{p, q} x[n, c, i·s − pad + p·d, j·s − pad + q·d].

    Shapes: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out), H_out = ⌊(H + 2·pad − d·(k − 1) − 1)/s⌋ + 1
    (⌈…⌉ with ``ceil_mode``); ``stride`` defaults to ``kernel_size``.  Backward routes each g[i, j] to
    the cell that won its window (the first of equal maxima) and gives the others 0.
    ``return_indices=True``: also the winners' flat positions h·W + w (for ``MaxUnpool2d`` in PyTorch).

    Example::

        >>> nn.MaxPool2d(2)(torch.arange(16.).view(1, 1, 4, 4))
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


def _single(v) -> tuple:
    return tuple(v) if isinstance(v, (list, tuple)) else (v,)


class AvgPool1d(Module):
    """y[n, c, i] = mean of x[n, c, i·s − pad : i·s − pad + k] (zero padding counted with count_include_pad)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """y[n, c, i, j] = Σ_{p, q} x[n, c, i·s − pad + p, j·s − pad + q] / D — the window's mean.

    D is the window's cell count (zero padding included when ``count_include_pad``), or
    ``divisor_override``.  Backward: each g[i, j]/D goes to every cell of its window.
    Shapes as MaxPool2d's (no dilation)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed ``output_size`` (H_out, W_out) whatever the input size: window i along H
    covers rows ⌊i·H/H_out⌋ … ⌈(i + 1)·H/H_out⌉ − 1 (PyTorch's formula); ``None`` keeps that size.
    (N, C, H, W) → (N, C, H_out, W_out); the gradient is split evenly over each window."""

    def __init__(self, output_size):
        super().__init__(output_size)

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """AdaptiveAvgPool2d along one axis: (N, C, L) → (N, C, output_size)."""

    def __init__(self, output_size):
        super().__init__(output_size)

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """Max pooling over AdaptiveAvgPool2d's windows: (N, C, H, W) → (N, C, *output_size)."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    """Max pooling over AdaptiveAvgPool1d's windows: (N, C, L) → (N, C, output_size)."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)
