"""``chainrule.nn``: PyTorch's neural-network API (``Module``, layers, losses, ``functional``, ``init``).

    from chainrule import nn
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    loss = nn.BCELoss()(model(x), y)
"""
from ..tensor import Parameter
from .module import Module
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all  # noqa: F401
from . import functional, init, utils, parameter  # noqa: F401
from .utils import clip_grad_norm_, clip_grad_value_  # noqa: F401
