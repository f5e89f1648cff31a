"""``chainrule.linalg`` norms against ``torch.linalg``: values and gradients over drawn shapes, orders and
dims (float64 and float32), gradcheck, and the errors PyTorch gives."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import chainrule
from chainrule.autograd import gradcheck
from oracle import compare

from .strategies import arrays, shapes

VECTOR_ORDS = [2, 1, 3, 0.5, math.inf, -math.inf, -1, 0]
MATRIX_ORDS = ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), ord=st.sampled_from(VECTOR_ORDS), keepdim=st.booleans(),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_vector_norm_matches_torch(data, ord, keepdim, dtype):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    a = data.draw(arrays(shape, dtype, away_from=(0.0,)))
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                    | st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True)
                    .map(tuple))
    compare(lambda lib, x: lib.linalg.vector_norm(x, ord=ord, dim=dim, keepdim=keepdim), a)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), ord=st.sampled_from(MATRIX_ORDS), keepdim=st.booleans(),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_matrix_norm_matches_torch(data, ord, keepdim, dtype):
    shape = data.draw(shapes(min_dims=2, max_dims=4, min_side=1))
    a = data.draw(arrays(shape, dtype, away_from=(0.0,)))
    if ord in ("nuc", 2, -2):       # the spectral gradient needs distinct singular values
        sigma = np.linalg.svd(np.moveaxis(a.astype(np.float64), (0, 1), (-2, -1)) if len(shape) > 2 else a,
                              compute_uv=False)
        gaps = np.diff(np.sort(sigma, axis=-1), axis=-1)
        if gaps.size and gaps.min() < 1e-2 or (sigma.min() < 1e-2):
            return
    dim = (0, 1) if len(shape) > 2 else (-2, -1)
    compare(lambda lib, x: lib.linalg.matrix_norm(x, ord=ord, dim=dim, keepdim=keepdim), a,
            rtol=1e-4 if dtype == np.float32 else None)


@pytest.mark.parametrize("ord,dim,shape", [
    (None, None, (3, 4)), (None, None, (2, 3, 4)), (2, None, (5,)), ("fro", None, (3, 3)), (1, None, (3, 2)),
    (None, 1, (3, 4)), (None, (0, 1), (2, 3, 4)), (math.inf, (1, 2), (2, 3, 4)), (3, 0, (4, 2)),
])
def test_norm_picks_vector_or_matrix_as_torch_does(ord, dim, shape):
    a = np.random.default_rng(1).normal(size=shape)
    compare(lambda lib, x: lib.linalg.norm(x, ord=ord, dim=dim), a)


def test_gradcheck_in_float64():
    rng = np.random.default_rng(5)
    A = chainrule.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    for fn in (lambda a: chainrule.linalg.vector_norm(a, 3, dim=1),
               lambda a: chainrule.linalg.matrix_norm(a, "nuc"),
               lambda a: chainrule.linalg.matrix_norm(a, 2),
               lambda a: chainrule.linalg.matrix_norm(a, -math.inf)):
        assert gradcheck(fn, (A,))


def test_a_zero_vector_has_a_zero_gradient_like_torch():
    compare(lambda lib, x: lib.linalg.vector_norm(x), np.zeros(3))


@pytest.mark.parametrize("call,exc,message", [
    (lambda lib: lib.linalg.vector_norm(lib.tensor([1, 2])), RuntimeError, "Expected a floating point"),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), ord=3), RuntimeError, "Order 3 not supported"),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), dim=(0, 0)), RuntimeError, "dims must be different"),
    (lambda lib: lib.linalg.norm(lib.ones(2, 2, 2), ord=1), RuntimeError, "must be 1D or 2D"),
])
def test_errors_match_torch(call, exc, message):
    import torch
    for lib in (chainrule, torch):
        with pytest.raises(exc, match=message):
            call(lib)
