"""``Linear`` (y = x·Wᵀ + b), ``Identity`` and ``Bilinear``-free basics."""
from __future__ import annotations

import math

from ... import factories
from ...tensor import Parameter
from .. import init
from .. import functional as F
from ..module import Module

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """y = x (a placeholder that accepts and ignores any constructor arguments)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    r"""A fully connected layer: y = x·Wᵀ + b.

    Shapes: input (*, in_features) → output (*, out_features); ``weight`` is (out_features, in_features),
    ``bias`` is (out_features,).  Initialisation (PyTorch's): W ~ U(−1/√in, 1/√in) (kaiming_uniform_
    with a = √5) and b ~ U(−1/√in, 1/√in).

    Example::

        >>> layer = nn.Linear(2, 1)
        >>> layer(torch.ones(4, 2)).shape
        chainrule.Size([4, 1])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(factories.empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(factories.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """W ~ U(−1/√fan_in, 1/√fan_in) via kaiming_uniform_(a=√5); b ~ U(−1/√fan_in, 1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        weight, bias = self.weight, self.bias
        err = F.linear_error(F._t(input), weight, self.__repr__)   # (the repr is built only on error)
        if err is not None:
            raise err
        return F._linear(input, weight, bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
