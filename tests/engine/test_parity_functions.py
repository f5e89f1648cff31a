"""Functions tutorials call that chainrule gained for parity (issue 15): ``where`` with two Python scalars,
``meshgrid``, ``unique`` and ``unique_consecutive`` — each against PyTorch, gradients included."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import chainrule
from oracle import assert_close, compare


@pytest.mark.parametrize("a,b", [(1, 0), (1.0, 0), (True, False), (1, 2.5), (True, 3), (-1.5, 2.0)])
def test_where_with_two_scalars_has_pytorchs_dtype_and_values(a, b):
    cond = np.array([[True, False], [False, True]])
    assert_close(chainrule.where(chainrule.tensor(cond), a, b), torch.where(torch.tensor(cond), a, b))


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(0, 4), min_size=1, max_size=4), indexing=st.sampled_from(["ij", "xy"]))
def test_meshgrid_matches_pytorch_with_gradients(sizes, indexing):
    rng = np.random.default_rng(len(sizes))
    arrays = [rng.normal(size=n) for n in sizes]
    compare(lambda lib, *ts: lib.meshgrid(*ts, indexing=indexing), *arrays)


def test_meshgrid_without_indexing_warns_and_uses_ij_like_pytorch():
    with pytest.warns(UserWarning, match="indexing argument"):
        ours = chainrule.meshgrid(chainrule.arange(3), chainrule.arange(2))
    theirs = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="ij")
    for o, t in zip(ours, theirs):
        assert_close(o, t)
    with pytest.raises(RuntimeError, match="indexing must be one of"):
        chainrule.meshgrid(chainrule.arange(3), indexing="yx")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        chainrule.meshgrid(chainrule.ones(2, 2), indexing="ij")


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(-3, 3), min_size=0, max_size=12), inverse=st.booleans(), counts=st.booleans(),
       dtype=st.sampled_from([np.int64, np.float32, np.float64]))
def test_unique_matches_pytorch(values, inverse, counts, dtype):
    a = np.array(values, dtype=dtype).reshape(-1)
    ours = chainrule.unique(chainrule.tensor(a), return_inverse=inverse, return_counts=counts)
    theirs = torch.unique(torch.tensor(a), return_inverse=inverse, return_counts=counts)
    for o, t in zip(*(x if isinstance(x, tuple) else (x,) for x in (ours, theirs))):
        assert_close(o, t)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_along_a_dim_matches_pytorch(dim):
    a = np.array([[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2]])
    ours = chainrule.unique(chainrule.tensor(a), dim=dim, return_inverse=True, return_counts=True)
    theirs = torch.unique(torch.tensor(a), dim=dim, return_inverse=True, return_counts=True)
    for o, t in zip(ours, theirs):
        assert_close(o, t)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(0, 2), min_size=0, max_size=12), inverse=st.booleans(), counts=st.booleans())
def test_unique_consecutive_matches_pytorch(values, inverse, counts):
    a = np.array(values, dtype=np.int64)
    ours = chainrule.unique_consecutive(chainrule.tensor(a), return_inverse=inverse, return_counts=counts)
    theirs = torch.unique_consecutive(torch.tensor(a), return_inverse=inverse, return_counts=counts)
    for o, t in zip(*(x if isinstance(x, tuple) else (x,) for x in (ours, theirs))):
        assert_close(o, t)


def test_unique_consecutive_along_a_dim_matches_pytorch():
    a = np.array([[1, 1, 2, 2, 1], [0, 0, 5, 5, 0]])
    ours = chainrule.unique_consecutive(chainrule.tensor(a), dim=1, return_inverse=True, return_counts=True)
    theirs = torch.unique_consecutive(torch.tensor(a), dim=1, return_inverse=True, return_counts=True)
    for o, t in zip(ours, theirs):
        assert_close(o, t)
