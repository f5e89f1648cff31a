"""Issue 11, dtypes and requires_grad: the result type of every operator form (tensor-tensor,
tensor-scalar, scalar-tensor) of ``% // fmod div(rounding_mode) ** clamp lerp`` over bool, integer and
float operands is PyTorch's, and so is whether the result requires grad."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import chainrule
from oracle import as_numpy

OPS = {
    "mod": lambda a, b: a % b, "floordiv": lambda a, b: a // b, "fmod": lambda a, b: torch_or_cr(a, b).fmod(a, b),
    "div_floor": lambda a, b: torch_or_cr(a, b).div(a, b, rounding_mode="floor"),
    "div_trunc": lambda a, b: torch_or_cr(a, b).div(a, b, rounding_mode="trunc"),
    "pow": lambda a, b: a ** b, "truediv": lambda a, b: a / b, "mul": lambda a, b: a * b,
    "maximum": lambda a, b: torch_or_cr(a, b).maximum(a, b) if not isinstance(a, (int, float)) and
    not isinstance(b, (int, float)) else a * 1,
}


def torch_or_cr(a, b):
    return torch if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor) else chainrule


VALUES = {"bool": [True, False, True], "int64": [3, -4, 7], "int32": [3, -4, 7], "uint8": [3, 4, 7],
          "float32": [1.5, -2.25, 3.0], "float64": [1.5, -2.25, 3.0]}
SCALARS = [2, 2.5, True, 1e-3]


def make(lib, name, zero_d=False):
    v = VALUES[name]
    t = lib.tensor(v[0] if zero_d else v, dtype=getattr(lib, name if name != "bool" else "bool"))
    return t


def outcome(fn):
    try:
        r = fn()
        return ("ok", r.dtype.__repr__().split(".")[-1], tuple(r.shape), as_numpy(r))
    except Exception as e:            # noqa: BLE001 - the class is what is compared
        return ("error", type(e).__name__)


def check(fn_for):
    ours, theirs = outcome(lambda: fn_for(chainrule)), outcome(lambda: fn_for(torch))
    assert ours[:3] == theirs[:3], (ours[:3], theirs[:3])
    if ours[0] == "ok":
        np.testing.assert_allclose(ours[3].astype(np.float64), theirs[3].astype(np.float64), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("left, right", list(itertools.product(VALUES, VALUES)))
def test_tensor_tensor_result_dtypes(op, left, right):
    check(lambda L: OPS[op](make(L, left), make(L, right)))
    check(lambda L: OPS[op](make(L, left), make(L, right, zero_d=True)))


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("tensor", sorted(VALUES))
@pytest.mark.parametrize("scalar", SCALARS)
def test_tensor_scalar_and_scalar_tensor_result_dtypes(op, tensor, scalar):
    """``1e-3 % int_tensor`` and ``2.5 // int_tensor`` are float32 (the default dtype), as in PyTorch."""
    check(lambda L: OPS[op](make(L, tensor), scalar))
    if op in ("mod", "floordiv", "pow", "truediv", "mul"):
        check(lambda L: OPS[op](scalar, make(L, tensor)))


def test_scalar_over_int_tensor_is_float32_and_follows_the_default_dtype():
    assert (1e-3 % chainrule.tensor([1, 2])).dtype == chainrule.float32
    assert (2.5 // chainrule.tensor([1, 2])).dtype == chainrule.float32
    chainrule.set_default_dtype(chainrule.float64)
    try:
        assert (2.5 // chainrule.tensor([1, 2])).dtype == chainrule.float64
    finally:
        chainrule.set_default_dtype(chainrule.float32)


@pytest.mark.parametrize("form", [lambda x, y: x // 2, lambda x, y: x // y, lambda x, y: 2.5 // x,
                                  lambda x, y: x % y, lambda x, y: 2.5 % x, lambda x, y: x % 2,
                                  lambda x, y: x.fmod(y), lambda x, y: x.div(y, rounding_mode="floor"),
                                  lambda x, y: x.lerp(y, 0.5), lambda x, y: x.clamp(min=y)])
@pytest.mark.parametrize("grads", [(True, False), (False, True), (False, False)])
def test_results_require_grad_as_pytorch(form, grads):
    got = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.5, -3.0], requires_grad=grads[0])
        y = lib.tensor([2.0, -1.5, 0.5], requires_grad=grads[1])
        got.append(form(x, y).requires_grad)
    assert got[0] == got[1]


def test_int_clamp_with_float_bounds_is_float32():
    out = chainrule.tensor([1, 2, 3]).clamp(1.5, 2.5)
    assert out.dtype == chainrule.float32
    np.testing.assert_array_equal(out.numpy(), [1.5, 2.0, 2.5])
