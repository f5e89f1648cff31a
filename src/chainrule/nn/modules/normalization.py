"""Normalisation layers: ``BatchNorm1d``/``BatchNorm2d`` (statistics over the batch), ``LayerNorm`` (over
features) and ``GroupNorm`` (over groups of channels)."""
from __future__ import annotations

import numbers

from ... import factories, dtypes
from ...tensor import Parameter
from .. import functional as F, init
from ..module import Module

__all__ = ["BatchNorm1d", "LayerNorm", "BatchNorm2d", "GroupNorm"]


class _BatchNorm(Module):
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β per channel (dim 1); E and Var over the batch and all positions.

    Training: E and Var come from the batch (biased Var), and the running estimates update as
    running = (1 − momentum)·running + momentum·batch (unbiased Var); with ``momentum=None`` they are
    cumulative averages.  ``eval()``: the running estimates normalise instead.  The subclasses differ
    only in the input rank they accept."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(factories.empty(num_features, **kw))
            if bias:
                self.bias = Parameter(factories.empty(num_features, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", factories.zeros(num_features, **kw))
            self.register_buffer("running_var", factories.ones(num_features, **kw))
            self.register_buffer("num_batches_tracked", factories.tensor(0, dtype=dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """running stats to (0, 1); γ = 1, β = 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data[...] += 1
            self.num_batches_tracked._vc.value += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        return F.batch_norm(input,
                            self.running_mean if not self.training or self.track_running_stats else None,
                            self.running_var if not self.training or self.track_running_stats else None,
                            self.weight, self.bias, use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) input, per feature (channel, dim 1): see ``_BatchNorm``."""

    def _check_input_dim(self, input) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: input has {input.shape[1]} features in dim 1 (shape "
                             f"{tuple(input.shape)}) but the layer was built for {self.num_features}")


class BatchNorm2d(_BatchNorm):
    """Batch norm of images (N, C, H, W), per channel: for each c, μ_c and σ²_c over the N·H·W values
    of that channel in the batch,

        y[n, c, h, w] = (x[n, c, h, w] − μ_c) / √(σ²_c + ε) · γ_c + β_c

    ∂L/∂x = γ_c/√(σ²_c + ε) · (g − mean(g) − x̂·mean(g·x̂)) (means over n, h, w) in training; running
    statistics, ``momentum``, ``affine`` and ``track_running_stats`` as BatchNorm1d's."""

    def _check_input_dim(self, input) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")
        if input.shape[1] != self.num_features:
            raise RuntimeError(f"running_mean should contain {input.shape[1]} elements not {self.num_features} "
                               f"({self!r} got an input of shape {tuple(input.shape)}: {input.shape[1]} channels in "
                               f"dim 1)")


class GroupNorm(Module):
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β with E and Var per sample over each group of
    num_channels/num_groups channels (and all their positions); γ, β (num_channels,) per channel.

    Shapes: (N, C, *) → (N, C, *), the same in training and evaluation (no running statistics).
    num_groups = 1 normalises each sample over everything (LayerNorm over (C, *)); num_groups = C each
    channel on its own (instance norm).  ∂L/∂x = s·(h − mean(h) − x̂·mean(h·x̂)), h = g·γ, means over the group."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        kw = dict(device=device, dtype=dtype)
        if affine:
            self.weight = Parameter(factories.empty(num_channels, **kw))
            if bias:
                self.bias = Parameter(factories.empty(num_channels, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """γ = 1, β = 0."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LayerNorm(Module):
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β over the last dims given by ``normalized_shape``
    (biased Var; each sample normalised on its own, the same in training and evaluation)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        kw = dict(device=device, dtype=dtype)
        if elementwise_affine:
            self.weight = Parameter(factories.empty(self.normalized_shape, **kw))
            if bias:
                self.bias = Parameter(factories.empty(self.normalized_shape, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
