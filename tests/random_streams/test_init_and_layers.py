"""``nn.init`` and the layers' default initialisation against PyTorch after the same seed, and dropout
masks (F.dropout, nn.Dropout) with their gradients."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st


from .helpers import assert_same, dt, run_both, same_stream

SHAPES = [(3, 5), (1, 1), (16, 1), (7, 20), (64, 33), (4, 3, 2, 2)]


def _params(model):
    return [p for _, p in sorted(model.named_parameters())]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_init_functions(shape, dtype):
    def program(lib):
        d = dt(lib, dtype)
        I = lib.nn.init
        t = lambda: lib.empty(*shape, dtype=d)          # noqa: E731
        out = [I.uniform_(t()), I.uniform_(t(), -0.5, 2.0), I.normal_(t()), I.normal_(t(), 1.0, 0.1),
               I.xavier_uniform_(t()), I.xavier_uniform_(t(), gain=I.calculate_gain("tanh")), I.xavier_normal_(t()),
               I.kaiming_uniform_(t()), I.kaiming_uniform_(t(), a=math.sqrt(5)),
               I.kaiming_uniform_(t(), mode="fan_out", nonlinearity="relu"), I.kaiming_normal_(t()),
               I.kaiming_normal_(t(), mode="fan_out", nonlinearity="relu"), I.trunc_normal_(t()),
               I.trunc_normal_(t(), std=0.02), I.trunc_normal_(t(), mean=0.0, std=1.0, a=1.5, b=2.5),
               I.sparse_(lib.empty(shape[0], int(np.prod(shape[1:])), dtype=d), 0.4)]
        return out
    same_stream(13, program, f"init {shape} {dtype}")


@pytest.mark.parametrize("shape", SHAPES)
def test_orthogonal(shape):
    """Same Gaussian draws; Q from LAPACK's QR on both sides (NumPy's and torch's): equal to rounding."""
    ours, theirs = run_both(2, lambda lib: [lib.nn.init.orthogonal_(lib.empty(*shape)),
                                           lib.nn.init.orthogonal_(lib.empty(*shape), gain=2.0), lib.rand(3)])
    for a, b in zip(ours[:2], theirs[:2]):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)
    assert_same(ours[2], theirs[2], "the stream after orthogonal_")


def test_init_with_generator_leaves_global_stream():
    def program(lib):
        g = lib.Generator().manual_seed(4)
        out = [lib.nn.init.kaiming_uniform_(lib.empty(5, 4), generator=g),
               lib.nn.init.trunc_normal_(lib.empty(30), std=0.1, generator=g),
               lib.nn.init.normal_(lib.empty(3), generator=g), lib.rand(2)]
        return out
    same_stream(1, program)


@given(sizes=st.lists(st.integers(1, 40), min_size=2, max_size=5), bias=st.booleans(), seed=st.integers(0, 2 ** 32))
def test_linear_stacks_default_init(sizes, bias, seed):
    """A Sequential of Linear layers built after manual_seed: every weight and bias is torch's."""
    def program(lib):
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [lib.nn.Linear(a, b, bias=bias), lib.nn.Tanh()]
        return [p.detach() for p in _params(lib.nn.Sequential(*layers))]
    same_stream(seed, program)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layers_default_init(dtype):
    def program(lib):
        d = dt(lib, dtype)
        models = [lib.nn.Linear(5, 3, dtype=d), lib.nn.Embedding(10, 4, dtype=d),
                  lib.nn.Embedding(7, 3, padding_idx=2, dtype=d), lib.nn.Linear(300, 200, dtype=d),
                  lib.nn.LayerNorm(6, dtype=d), lib.nn.BatchNorm1d(4, dtype=d), lib.nn.Linear(2, 1, bias=False, dtype=d)]
        return [p.detach() for m in models for p in _params(m)]
    same_stream(0, program)


def test_tutorial_style_model_and_forward():
    """What a tutorial prints: manual_seed, a model, a random batch, the output."""
    def program(lib):
        model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Dropout(0.25), lib.nn.Linear(8, 2))
        x = lib.randn(6, 4)
        return [model(x).detach(), lib.randint(0, 2, (6,))]
    ours, theirs = run_both(0, program)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-7)   # matmul rounding only
    assert_same(ours[1], theirs[1])


@pytest.mark.parametrize("p", [0.0, 0.1, 0.25, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 15, 16, 17, 1000])
def test_dropout_masks(p, dtype, n):
    """PyTorch's CPU dropout: bernoulli_(1 − p) (one 53-bit uniform per element), ÷ (1 − p), × x."""
    x = np.linspace(-2, 2, n).astype(dtype)
    def program(lib):
        a = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.dropout(a, p)
        y.backward(lib.ones_like(y))
        drop = lib.nn.Dropout(p)
        z = drop(lib.tensor(x))
        drop.eval()
        return [y.detach(), a.grad, z, drop(lib.tensor(x)), lib.nn.functional.dropout(lib.tensor(x), p, inplace=True),
                lib.rand(2)]
    same_stream(21, program, f"dropout p={p}")


@given(p=st.floats(0.01, 0.99), seed=st.integers(0, 2 ** 32))
def test_dropout_any_p(p, seed):
    same_stream(seed, lambda lib: lib.nn.functional.dropout(lib.ones(40), p))
