"""chainrule: forward and back propagation you can run, see, check and trust.

A NumPy autodiff engine that speaks PyTorch's API — ``import chainrule as torch`` runs ordinary
PyTorch training code on the CPU — plus worked, verified explanations of each training step
(``chainrule explain``).
"""
from __future__ import annotations

from .dtypes import (dtype, float16, float32, float64, int8, uint8, int16, int32, int64, bool_ as bool,
                     set_default_dtype, get_default_dtype, finfo, iinfo)
from ._format import set_printoptions
from .device import device, cuda, backends, set_default_device, get_default_device
from .random import (manual_seed, seed, initial_seed, get_rng_state, set_rng_state, fork_rng, Generator,
                     default_generator)
from .tensor import Tensor, Size, Parameter
from .factories import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, eye, arange, linspace, rand,
                        randn, randint, randperm, normal, bernoulli, multinomial, zeros_like, ones_like, empty_like,
                        full_like, rand_like, randn_like, randint_like, FloatTensor, DoubleTensor, LongTensor, BoolTensor,
                        HalfTensor, IntTensor, ShortTensor, CharTensor, ByteTensor)
from .functions import *  # noqa: F401,F403  (exp, log, sum, cat, stack, where, ...)
from .functions import cat, stack, where, add, is_tensor
from .tensor import matmul, maximum, minimum, split, chunk, gather
from .autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from . import autograd

float = float32   # noqa: A001 — PyTorch's aliases
double = float64
half = float16
long = int64
int = int32      # noqa: A001
short = int16

__version__ = "0.1.0"


def __getattr__(name):
    # heavier subpackages load on first use, so `import chainrule` stays fast
    import importlib
    if name in ("nn", "optim", "utils", "explain", "viz", "io", "linalg", "onnx"):
        return importlib.import_module(f".{name}", __name__)
    if name == "compile_step":
        return importlib.import_module(".compile", __name__).compile_step
    if name in ("save", "load"):
        return getattr(importlib.import_module(".io.serialization", __name__), name)
    raise AttributeError(f"module 'chainrule' has no attribute '{name}'")
