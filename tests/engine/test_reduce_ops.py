"""Reductions and normalisers against PyTorch: sum/mean/prod/max/min/amax/amin/var/std/norm with dim and
keepdim, softmax, log_softmax, logsumexp, argmax/argmin — forward values and gradients."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, assume, strategies as st

import chainrule
from oracle import compare
from .strategies import distinct_array, array_and_dtype, array_and_dim, shapes, shapes_with_empty, distinct


@st.composite
def array_dims_keepdim(draw, min_dims=1, distinct_values=False, lo=-3.0, hi=3.0, min_side=1):
    a, dim = draw(array_and_dim(min_dims=min_dims, lo=lo, hi=hi, min_side=min_side))
    if distinct_values:
        assume(distinct(a))
    nd = max(a.ndim, 1)
    dims = draw(st.one_of(st.just(dim), st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)
                          .map(tuple)))
    return a, dims, draw(st.booleans())


@pytest.mark.parametrize("name", ["sum", "mean"])
@given(a=array_and_dtype(shapes_with_empty()))
def test_full_reduction(name, a):
    if name == "mean" and a.size == 0:
        return  # nan; checked in test_mean_of_empty_is_nan
    compare(lambda lib, x: getattr(x, name)(), a)
    compare(lambda lib, x: getattr(lib, name)(x), a)


def test_mean_of_empty_is_nan_like_torch():
    compare(lambda lib, x: x.mean(), np.zeros((0, 3)), grad=False)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin"])
@given(args=array_dims_keepdim(distinct_values=True))
def test_reduction_over_dims(name, args):
    a, dims, keepdim = args
    compare(lambda lib, x: getattr(x, name)(dims, keepdim=keepdim), a)
    compare(lambda lib, x: getattr(lib, name)(x, dim=dims, keepdim=keepdim), a)


@given(args=array_dims_keepdim(min_side=0))
def test_sum_over_dims_with_empty_dims(args):
    a, dims, keepdim = args
    compare(lambda lib, x: x.sum(dims, keepdim=keepdim), a)


@given(a=array_and_dtype(shapes(0, 3), lo=-2, hi=2))
def test_prod_full(a):
    a = np.where(np.abs(a) < 0.05, 0.5, a).astype(a.dtype)   # PyTorch divides by the input: keep away from 0
    compare(lambda lib, x: x.prod(), a, rtol=1e-9 if a.dtype == np.float64 else 1e-4)


@given(args=array_and_dim(lo=-2, hi=2), keepdim=st.booleans())
def test_prod_along_dim(args, keepdim):
    a, dim = args
    a = np.where(np.abs(a) < 0.05, 0.5, a).astype(a.dtype)   # exact zeros are tested separately below
    compare(lambda lib, x: x.prod(dim, keepdim=keepdim), a, rtol=1e-9 if a.dtype == np.float64 else 1e-4)


def test_prod_gradient_with_zeros():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    compare(lambda lib, t: t.prod(1), x)
    compare(lambda lib, t: t.prod(), x)
    compare(lambda lib, t: t[0].prod(), x)


@pytest.mark.parametrize("name", ["max", "min"])
@given(args=array_and_dim(), keepdim=st.booleans())
def test_max_min_along_dim_return_values_and_indices(name, args, keepdim):
    a, dim = args
    assume(distinct(a))
    compare(lambda lib, x: tuple(getattr(x, name)(dim, keepdim=keepdim)), a)
    compare(lambda lib, x: getattr(lib, name)(x, dim=dim, keepdim=keepdim).values, a)
    compare(lambda lib, x: getattr(x, name)(dim, keepdim).indices, a, grad=False)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_ties_share_or_pick_gradient_like_torch(name):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    compare(lambda lib, t: getattr(t, name)(), x)                 # full reduction: evenly distributed
    if name in ("amax", "amin"):
        compare(lambda lib, t: getattr(t, name)(1), x)            # amax/amin along dim: evenly distributed
        compare(lambda lib, t: getattr(t, name)((0, 1)), x)


def test_max_along_dim_with_ties_gives_the_returned_index_the_gradient():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for name in ("max", "min"):
        compare(lambda lib, t: tuple(getattr(t, name)(1)), x)


@pytest.mark.parametrize("name", ["max", "min"])
@given(a=array_and_dtype(shapes(0, 3)))
def test_max_min_full(name, a):
    assume(distinct(a))
    compare(lambda lib, x: getattr(x, name)(), a)


@pytest.mark.parametrize("name", ["var", "std"])
@given(args=array_dims_keepdim(), correction=st.sampled_from([None, 0, 1, 2]), data=st.data())
def test_var_std_dims_and_correction(name, args, correction, data):
    a, dims, keepdim = args
    dims_t = dims if isinstance(dims, tuple) else (dims,)
    n = int(np.prod([a.shape[d] for d in dims_t])) if a.ndim else 1
    c = 1 if correction is None else correction
    assume(n - c > 0)
    if name == "std":
        assume(np.all(np.var(a, axis=dims_t if a.ndim else None) > 1e-6))
    compare(lambda lib, x: getattr(x, name)(dims, keepdim=keepdim, correction=correction), a)
    if correction in (0, 1):
        unbiased = bool(correction)
        compare(lambda lib, x: getattr(x, name)(dims, unbiased, keepdim), a)


@pytest.mark.parametrize("name", ["var", "std"])
@given(a=array_and_dtype(shapes(1, 3, min_side=2)))
def test_var_std_full(name, a):
    assume(np.var(a) > 1e-4)
    compare(lambda lib, x: getattr(x, name)(), a)
    compare(lambda lib, x: getattr(lib, name)(x), a)
    compare(lambda lib, x: getattr(x, name)(unbiased=False), a)


def test_var_with_too_few_elements_is_nan_or_inf_like_torch():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(lambda lib, x: x.var(), np.array([1.5]), grad=False)
        compare(lambda lib, x: x.std(0), np.array([[1.5, 2.0]]), grad=False)


@given(a=distinct_array(shapes(1, 3)), p=st.sampled_from([1, 2, 3, 1.5, float("inf"), "fro"]), data=st.data())
def test_norm(a, p, data):
    dims = data.draw(st.lists(st.integers(-a.ndim, a.ndim - 1), min_size=1, max_size=a.ndim, unique_by=lambda d: d % a.ndim).map(tuple))
    keepdim = data.draw(st.booleans())
    if p == "fro":   # PyTorch's Frobenius norm takes one or two dims
        dims = dims[:2]
    compare(lambda lib, x: x.norm(p=p, dim=dims, keepdim=keepdim), a)
    compare(lambda lib, x: lib.norm(x, p, dims, keepdim), a)


@given(a=array_and_dtype())
def test_norm_full(a):
    assume(np.all(np.abs(a) > 0.05))
    compare(lambda lib, x: x.norm(), a)


def test_norm_at_zero_has_zero_gradient_like_torch():
    x = np.zeros((2, 3))
    compare(lambda lib, t: t.norm(), x)
    compare(lambda lib, t: t.norm(dim=1), x)
    compare(lambda lib, t: t.norm(p=3, dim=1), x)
    compare(lambda lib, t: t.norm(p=1), x)


@given(args=array_dims_keepdim(lo=-20, hi=20))
def test_logsumexp(args):
    a, dims, keepdim = args
    compare(lambda lib, x: x.logsumexp(dims, keepdim=keepdim), a)
    compare(lambda lib, x: lib.logsumexp(x, dims, keepdim), a)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(args=array_and_dim(lo=-20, hi=20))
def test_softmax_family(name, args):
    a, dim = args
    compare(lambda lib, x: getattr(x, name)(dim), a)
    compare(lambda lib, x: getattr(lib, name)(x, dim), a)
    compare(lambda lib, x: getattr(lib, name)(x, dim=dim), a)


def test_softmax_of_0d_and_empty():
    compare(lambda lib, x: x.softmax(0), np.array(1.5))
    compare(lambda lib, x: x.log_softmax(-1), np.array(1.5))
    compare(lambda lib, x: x.softmax(1), np.zeros((0, 3)))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(args=array_and_dim(), keepdim=st.booleans())
def test_argmax_argmin(name, args, keepdim):
    a, dim = args
    a = np.round(a)  # ties: both libraries return the first occurrence
    compare(lambda lib, x: getattr(x, name)(), a, grad=False)
    compare(lambda lib, x: getattr(x, name)(dim), a, grad=False)
    compare(lambda lib, x: getattr(lib, name)(x, dim=dim, keepdim=keepdim), a, grad=False)


def test_sum_of_int_and_bool_tensors_is_int64():
    compare(lambda lib, x: x.sum(), np.array([1, 2, 3], dtype=np.int64), grad=False)
    compare(lambda lib, x: x.sum(0), np.array([True, False, True]), grad=False)
    compare(lambda lib, x: (x > 0).sum(), np.array([1.0, -2.0]), grad=False)


def test_mean_of_int_tensor_is_an_error_like_torch():
    with pytest.raises(RuntimeError, match="mean"):
        chainrule.tensor([1, 2, 3]).mean()


def test_std_of_a_constant_has_zero_gradient_like_torch():
    compare(lambda lib, x: x.std(), np.ones(3))
    compare(lambda lib, x: x.std(1), np.array([[2.0, 2.0], [1.0, 3.0]]))
