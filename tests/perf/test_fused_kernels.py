"""Fused kernels agree with PyTorch and with the unfused composition they stand in for.

A fused op (one node: linear as addmm, sigmoid, BCE, BCE-with-logits, log-softmax, NLL) is faster
because it is one call with its own VJP; the composition of elementary ops it replaces stays the
reference.  Both are checked — values and input gradients — on hypothesis-drawn shapes and values,
in float64 (1e-10) and float32 (1e-5).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import chainrule
import chainrule.nn.functional as F
from oracle import compare, tol_for

DTYPES = st.sampled_from([np.float64, np.float32])


def floats(dtype, shape, lo, hi):
    lo, hi = float(np.float32(lo)), float(np.float32(hi))     # bounds a float32 can hold
    elems = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=32)
    return hnp.arrays(np.dtype(dtype), shape, elements=elems)


@st.composite
def batch(draw, lo=-3.0, hi=3.0, min_classes=1):
    dtype = draw(DTYPES)
    n, c = draw(st.integers(1, 5)), draw(st.integers(min_classes, 6))
    return draw(floats(dtype, (n, c), lo, hi))


def agree_with_unfused(fused, unfused, *arrays):
    """fused(lib=chainrule, …) and unfused(…) give the same values and input gradients."""
    def run(fn):
        ts = [chainrule.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
        out = fn(*ts)
        weights = np.random.default_rng(0).standard_normal(out.shape).astype(out.dtype.np)
        (out * chainrule.tensor(weights)).sum().backward()
        return out, [t.grad for t in ts if t.requires_grad]

    (a, ga), (b, gb) = run(fused), run(unfused)
    assert a.dtype == b.dtype
    tol = tol_for(a.dtype.np)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol, err_msg="value")
    for i, (x, y) in enumerate(zip(ga, gb)):
        assert x.dtype == y.dtype
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=tol["rtol"] * 10, atol=tol["atol"] * 10,
                                   err_msg=f"gradient of input {i}")


# -------------------------------------------------------------------------------------- linear
@given(st.data())
def test_linear_is_one_addmm_node_equal_to_matmul_plus_bias(data):
    dtype = data.draw(DTYPES)
    n, k, m = (data.draw(st.integers(1, 5)) for _ in range(3))
    x, w, b = (data.draw(floats(dtype, s, -2, 2)) for s in [(n, k), (m, k), (m,)])
    compare(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), x, w, b)
    agree_with_unfused(F.linear, lambda x, w, b: x @ w.t() + b, x, w, b)
    assert F.linear(*(chainrule.tensor(a, requires_grad=True) for a in (x, w, b))).grad_fn.name == "AddmmBackward0"


# ------------------------------------------------------------------------------------- sigmoid
@given(batch(lo=-80.0, hi=80.0))
def test_sigmoid_matches_pytorch_at_any_magnitude(x):
    compare(lambda lib, x: lib.sigmoid(x), x)


@given(batch(lo=-20.0, hi=20.0))
def test_sigmoid_equals_its_definition(x):
    agree_with_unfused(chainrule.sigmoid, lambda x: 1 / (1 + (-x).exp()), x)


def test_sigmoid_of_a_0d_tensor_and_the_extremes():
    for dtype in (np.float32, np.float64):
        x = np.array([-1000.0, -100.0, -1.0, 0.0, 1.0, 100.0, 1000.0], dtype=dtype)
        compare(lambda lib, x: lib.sigmoid(x), x)
        compare(lambda lib, x: lib.sigmoid(x), np.array(0.5, dtype=dtype))


# ---------------------------------------------------------------------------------- BCE losses
@given(st.data(), st.sampled_from(["mean", "sum", "none"]))
def test_binary_cross_entropy_matches_pytorch_and_its_definition(data, reduction):
    dtype = data.draw(DTYPES)
    shape = data.draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    p = data.draw(floats(dtype, shape, 0.02, 0.98))
    t = data.draw(floats(dtype, shape, 0.0, 1.0))
    compare(lambda lib, p, t: lib.nn.functional.binary_cross_entropy(p, t, reduction=reduction), p, t)

    def unfused(p, t):
        loss = -(t * p.log() + (1 - t) * (1 - p).log())
        return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss
    agree_with_unfused(lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction), unfused, p, t)


@given(st.data(), st.sampled_from(["mean", "sum", "none"]))
def test_bce_with_logits_matches_pytorch_and_bce_of_the_sigmoid(data, reduction):
    dtype = data.draw(DTYPES)
    shape = data.draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    x = data.draw(floats(dtype, shape, -6, 6))
    t = data.draw(floats(dtype, shape, 0.0, 1.0))
    compare(lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(x, t, reduction=reduction), x, t)
    agree_with_unfused(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
                       lambda x, t: F.binary_cross_entropy(x.sigmoid(), t, reduction=reduction), x, t)


# -------------------------------------------------------------------- log-softmax, NLL, cross-entropy
def unfused_log_softmax(x, dim=1):
    m = x.detach().max(dim, keepdim=True).values
    return (x - m) - (x - m).exp().sum(dim, keepdim=True).log()


@given(batch(lo=-30.0, hi=30.0))
def test_log_softmax_matches_pytorch_and_its_definition(x):
    compare(lambda lib, x: lib.log_softmax(x, 1), x)
    agree_with_unfused(lambda x: x.log_softmax(1), unfused_log_softmax, x)


@given(st.data(), st.sampled_from(["mean", "sum", "none"]), st.booleans(), st.booleans())
def test_cross_entropy_matches_pytorch_and_log_softmax_then_pick(data, reduction, weighted, ignore_one):
    x = data.draw(batch(lo=-5.0, hi=5.0, min_classes=2))
    n, c = x.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    if ignore_one:
        labels[0] = -100
    w = data.draw(floats(x.dtype, (c,), 0.1, 2.0)) if weighted else None

    def ours_and_torch(lib, x):
        weight = None if w is None else lib.tensor(w)
        return lib.nn.functional.cross_entropy(x, lib.tensor(labels), weight=weight, reduction=reduction)
    if not (ignore_one and n == 1 and reduction == "mean"):     # (0/0: NaN in both, nothing to compare)
        compare(ours_and_torch, x)

    def unfused(x):
        onehot = np.zeros(x.shape, x.dtype.np)
        kept = labels != -100
        onehot[np.arange(n)[kept], labels[kept]] = 1 if w is None else w[labels[kept]]
        per = -(unfused_log_softmax(x) * chainrule.tensor(onehot)).sum(1)
        if reduction == "mean":
            return per.sum() / float(onehot.sum())
        return per.sum() if reduction == "sum" else per
    if not (ignore_one and n == 1):
        agree_with_unfused(lambda x: ours_and_torch(chainrule, x), unfused, x)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_on_spatial_inputs_matches_pytorch(reduction):
    rng = np.random.default_rng(0)
    logp = rng.standard_normal((3, 4, 2, 5))
    labels = rng.integers(0, 4, (3, 2, 5))
    labels[0, 0, 0] = -100
    w = rng.random(4) + 0.5
    compare(lambda lib, a: lib.nn.functional.nll_loss(a, lib.tensor(labels), weight=lib.tensor(w),
                                                      reduction=reduction), logp)
    compare(lambda lib, a: lib.nn.functional.nll_loss(a[0, :, 0, 0], lib.tensor(labels[0, 0, 1])), logp)


@pytest.mark.parametrize("name", ["mse_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_spread_the_reduced_gradient_correctly(name, reduction):
    rng = np.random.default_rng(1)
    a, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    compare(lambda lib, a, t: getattr(lib.nn.functional, name)(a, t, reduction=reduction), a, t)
