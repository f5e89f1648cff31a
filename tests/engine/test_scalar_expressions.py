"""micrograd's test_engine, in chainrule and in PyTorch: scalar expressions mixing + - * / **, reflected
operators, unary minus, .relu() and augmented assignment give the same values and gradients."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule

DTYPES = [("float64", 1e-12), ("float32", 1e-6)]


def _sanity(lib, dtype):
    x = lib.tensor([-4.0], dtype=dtype, requires_grad=True)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return x, y


def _more_ops(lib, dtype):
    a = lib.tensor([-4.0], dtype=dtype, requires_grad=True)
    b = lib.tensor([2.0], dtype=dtype, requires_grad=True)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return a, b, g


def _augmented(lib, dtype):
    a = lib.tensor([-4.0], dtype=dtype, requires_grad=True)
    b = lib.tensor([2.0], dtype=dtype, requires_grad=True)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def _reflected(lib, dtype):
    x = lib.tensor(1.5, dtype=dtype, requires_grad=True)
    y = 3 - x
    y = 2 ** y + 1 / x - 0.5 * x ** -2 + (-x) ** 2
    y = y - 7 + (x - 1) / 3 + 2 / (x + 1) - (1 - x) * 4
    y.backward()
    return x, y


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("build", [_sanity, _more_ops, _augmented, _reflected])
def test_scalar_expression_matches_torch(build, dtype, tol):
    ours = build(chainrule, getattr(chainrule, dtype))
    theirs = build(torch, getattr(torch, dtype))
    for o, t in zip(ours, theirs):
        assert o.dtype.name == str(t.dtype).split(".")[1]
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=tol)
        if t.grad is not None:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=tol)
            assert o.grad.dtype.name == str(t.grad.dtype).split(".")[1]


def test_micrograd_known_numbers():
    # the values printed in micrograd's README: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773
    a, b, g = _more_ops(chainrule, chainrule.float64)
    assert abs(g.item() - 24.7041) < 1e-4
    assert abs(a.grad.item() - 138.8338) < 1e-4
    assert abs(b.grad.item() - 645.5773) < 1e-4


def test_python_float_scalars_keep_float32():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    for y in (x * 2.5, 2.5 * x, x / 3, 10.0 / x, x ** 2.0, 2.0 ** x, x - 1e10, -x, x + True):
        assert y.dtype == chainrule.float32, y
