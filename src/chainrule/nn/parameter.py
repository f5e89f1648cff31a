"""``nn.Parameter``: a tensor a ``Module`` registers as learnable (the class lives in ``chainrule.tensor``)."""
from ..tensor import Parameter

__all__ = ["Parameter"]
