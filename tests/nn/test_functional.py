"""The functional forms of the layers (``F.linear``, ``F.batch_norm`` …) against PyTorch."""
import numpy as np
import pytest
import torch as pt
from hypothesis import given, strategies as st

import chainrule
from oracle import compare, assert_close

DTYPES = [np.float64, np.float32]
LIB_PT = {np.float64: pt.float64, np.float32: pt.float32}


def compare_norm(fn, *arrays):
    """Like ``compare``, but float32 is checked against PyTorch run in float64 on the same float32
    numbers: normalisation gradients cancel, and PyTorch's float32 kernels are only ~1e-5 accurate
    there (chainrule accumulates in float64)."""
    if arrays[0].dtype != np.float32:
        return compare(fn, *arrays)
    ours_in = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [pt.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    o, t = fn(chainrule, *ours_in), fn(pt, *theirs_in)
    assert_close(o, t.float(), "output")
    w = np.random.default_rng(0).standard_normal(tuple(t.shape))
    (o * chainrule.tensor(w.astype(np.float32))).sum().backward()
    (t * pt.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        assert_close(a.grad, b.grad.float(), f"grad of input {i}")


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(1, 5), seed=st.integers(0, 10 ** 6), bias=st.booleans())
def test_linear(dtype, n, seed, bias):
    rng = np.random.default_rng(seed)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((n, 3), (4, 3), (4,)))
    compare(lambda lib, a, ww, bb: lib.nn.functional.linear(a, ww, bb if bias else None), x, w, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("training", [True, False])
@given(seed=st.integers(0, 10 ** 6), n=st.integers(2, 5))
def test_batch_norm_functional(dtype, training, seed, n):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, 3, 2)) * 2 + 1).astype(dtype)
    rm, rv = rng.standard_normal(3).astype(dtype), (rng.random(3) + 0.5).astype(dtype)
    w, b = (rng.random(3) + 0.5).astype(dtype), rng.standard_normal(3).astype(dtype)
    stats = {}

    def fn(lib, a, ww, bb):
        m, v = lib.tensor(rm.copy()).to(a.dtype), lib.tensor(rv.copy()).to(a.dtype)
        out = lib.nn.functional.batch_norm(a, m, v, ww, bb, training=training, momentum=0.2, eps=1e-3)
        stats[lib.__name__] = (m, v)
        return out
    compare_norm(fn, x, w, b)
    for i in range(2):
        assert_close(stats["chainrule"][i], stats["torch"][i].to(LIB_PT[dtype]), "running stat")


@pytest.mark.parametrize("dtype", DTYPES)
@given(seed=st.integers(0, 10 ** 6))
def test_layer_norm_functional(dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 4)).astype(dtype)
    w, b = (rng.random((3, 4)) + 0.5).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    compare_norm(lambda lib, a, ww, bb: lib.nn.functional.layer_norm(a, (3, 4), ww, bb, eps=1e-4), x, w, b)
    compare_norm(lambda lib, a: lib.nn.functional.layer_norm(a, [4]), x)


def test_embedding_functional_and_repeated_indices_accumulate():
    w = np.arange(12, dtype=np.float64).reshape(4, 3)
    compare(lambda lib, ww: lib.nn.functional.embedding(lib.tensor([[0, 2, 2], [3, 0, 0]]), ww), w)
    compare(lambda lib, ww: lib.nn.functional.embedding(lib.tensor([1, 1, 2]), ww, padding_idx=1), w)


def test_dropout_functional_switches():
    x = chainrule.ones(3, 3)
    assert chainrule.nn.functional.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        chainrule.nn.functional.dropout(x, -0.1)


def test_one_hot_and_normalize():
    t = chainrule.tensor([0, 2, 1])
    assert chainrule.nn.functional.one_hot(t).tolist() == pt.nn.functional.one_hot(pt.tensor([0, 2, 1])).tolist()
    assert tuple(chainrule.nn.functional.one_hot(t, 5).shape) == (3, 5)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        chainrule.nn.functional.one_hot(t, 2)
    compare(lambda lib, a: lib.nn.functional.normalize(a, dim=1), np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]]))


def test_relu_in_place_functional():
    x = chainrule.tensor([-1.0, 1.0])
    assert chainrule.nn.functional.relu_(x) is x and x.tolist() == [0.0, 1.0]


def test_non_tensor_arguments_are_named():
    with pytest.raises(TypeError, match="input must be a Tensor, not list"):
        chainrule.nn.functional.mse_loss([1.0], chainrule.ones(1))
    with pytest.raises(TypeError, match="target must be a Tensor, not float"):
        chainrule.nn.functional.mse_loss(chainrule.ones(1), 1.0)


def test_embedding_scale_grad_by_freq_and_max_norm():
    w = np.arange(12, dtype=np.float64).reshape(4, 3) / 4
    idx = [[0, 2, 2], [3, 0, 0]]
    compare(lambda lib, ww: lib.nn.functional.embedding(lib.tensor(idx), ww, scale_grad_by_freq=True), w)
    ours = chainrule.tensor(w.copy())
    theirs = pt.tensor(w.copy())
    out_o = chainrule.nn.functional.embedding(chainrule.tensor(idx), ours, max_norm=1.0)
    out_t = pt.nn.functional.embedding(pt.tensor(idx), theirs, max_norm=1.0)
    assert_close(out_o, out_t, "renormalised rows")
    assert_close(ours, theirs, "weight renormalised in place")
