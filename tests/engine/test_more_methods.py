"""Tensor methods beyond the core list that PyTorch scripts commonly use: rounding, //, %, where/masked_fill,
cumsum, flip, index_select, outer, tril/triu, sort/argsort/topk, logical ops, new_* factories, movedim, tile."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import chainrule
from oracle import compare
from .strategies import arrays, shapes, distinct_array

X = np.array([[1.5, -2.25, 0.3], [4.0, -0.7, 2.5]])


@pytest.mark.parametrize("expr", [
    lambda lib, x: x.floor(), lambda lib, x: x.ceil(), lambda lib, x: x.round(), lambda lib, x: x.trunc(),
    lambda lib, x: lib.round(x * 10) / 10, lambda lib, x: x.round(decimals=1),
    lambda lib, x: x.where(x > 0, lib.zeros(1, dtype=x.dtype)), lambda lib, x: x.masked_fill(x < 0, 0.0),
    lambda lib, x: x.masked_fill(lib.tensor([True, False, True]), -1.5), lambda lib, x: x.cumsum(1),
    lambda lib, x: lib.cumsum(x, dim=0), lambda lib, x: x.flip(0), lambda lib, x: x.flip(0, 1),
    lambda lib, x: lib.flip(x, [1]), lambda lib, x: x.index_select(1, lib.tensor([2, 0, 2])),
    lambda lib, x: lib.outer(x[0], x[1]), lambda lib, x: x.tril(), lambda lib, x: x.triu(1),
    lambda lib, x: lib.tril(x, -1), lambda lib, x: x.sort(1).values, lambda lib, x: x.sort(0, descending=True)[0],
    lambda lib, x: x.topk(2).values, lambda lib, x: x.topk(1, dim=0, largest=False)[0],
    lambda lib, x: x.movedim(0, 1), lambda lib, x: x.tile(2), lambda lib, x: x.tile((2, 1, 1)),
    lambda lib, x: x % 1.5, lambda lib, x: x.remainder(-1.0), lambda lib, x: lib.clamp_min(x, 0.5),
    lambda lib, x: x.absolute(), lambda lib, x: x.new_tensor([1.0, 2.0]) * 1, lambda lib, x: x.new_zeros(2, 3),
    lambda lib, x: x.new_ones((2,)), lambda lib, x: x.new_full((2,), 3.0),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_more_methods_match_torch(expr, dtype):
    compare(expr, X.astype(dtype))


@pytest.mark.parametrize("expr", [
    lambda lib, x: x // 2, lambda lib, x: x % 3, lambda lib, x: -7 // x, lambda lib, x: 7 % x,
    lambda lib, x: x.floor_divide(lib.tensor([2, -3, 4])), lambda lib, x: x.sort().indices,
    lambda lib, x: x.argsort(descending=True), lambda lib, x: x.topk(2).indices,
    lambda lib, x: (x > 1).logical_and(x < 5), lambda lib, x: lib.logical_or(x > 4, x < 0),
    lambda lib, x: lib.logical_not(x > 1), lambda lib, x: lib.isclose(x, x),
    lambda lib, x: x.cumsum(0), lambda lib, x: x.floor(), lambda lib, x: x / 2 // 1,
])
def test_integer_and_bool_forms_match_torch(expr):
    compare(expr, np.array([5, -7, 2]), grad=False)


@given(a=distinct_array(shapes(1, 3)), data=st.data())
def test_sort_and_topk_gradients(a, data):
    d = data.draw(st.integers(-a.ndim, a.ndim - 1))
    k = data.draw(st.integers(0, a.shape[d]))
    desc = data.draw(st.booleans())
    compare(lambda lib, x: tuple(x.sort(d, descending=desc)), a)
    compare(lambda lib, x: tuple(x.topk(k, d, largest=desc)), a)


@given(a=st.builds(lambda s: s, shapes(1, 3)).flatmap(lambda s: arrays(s, np.float64)), data=st.data())
def test_cumsum_and_flip_any_dim(a, data):
    d = data.draw(st.integers(-a.ndim, a.ndim - 1))
    compare(lambda lib, x: x.cumsum(d), a)
    compare(lambda lib, x: x.flip(d), a)


def test_masked_fill_in_place_on_non_leaf():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = x * 2
        y.masked_fill_(y < 0, 0.0)
        y.sum().backward()
        return y.tolist(), x.grad.tolist()
    assert run(chainrule) == run(torch)


def test_topk_larger_than_dim_is_clear():
    with pytest.raises(RuntimeError, match=r"topk: k \(4\) is larger than the size of dimension 0 \(3\)"):
        chainrule.ones(3).topk(4)
