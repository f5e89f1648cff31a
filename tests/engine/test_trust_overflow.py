"""Values near float32's limit, where PyTorch's float32 arithmetic overflows (issue 11: F21 and the fuzz
campaign after it).  chainrule computes in float64 for accuracy, so where PyTorch's intermediate overflows
it must give PyTorch's inf/nan/0 — not a finite number PyTorch never shows.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule

from oracle import assert_close


def both(program, values, dtype):
    """``program(lib, x)`` → a tensor; compare its value and x's gradient (weighted sum) with PyTorch."""
    out = []
    for lib in (chainrule, torch):
        x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
        y = program(lib, x)
        w = lib.tensor(np.cos(np.arange(y.numel()) + 1.0).reshape(tuple(y.shape)), dtype=y.dtype)
        (y * w).sum().backward()
        out.append((y, x.grad))
    (y, g), (ty, tg) = out
    assert_close(y, ty, "value")
    assert_close(g, tg, "grad")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_tanh_gradient_beyond_the_float32_square(dtype):
    """PyTorch's float32 x² is inf beyond 1.8e19, and (1 − tanh²)·x²-term is then 0·inf = nan."""
    both(lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"),
         [[0.0], [3e38], [-3e38], [1e19], [2e19], [-5e4], [1e12]], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_of_inf_is_nan_like_torch(dtype):
    both(lambda lib, x: lib.nn.functional.gelu(x), [2.0, np.inf, -np.inf, np.nan], dtype)


@pytest.mark.parametrize("unbiased", [False, True])
def test_var_gradient_near_float32_max_does_not_overflow(unbiased):
    """PyTorch scales first: (2/(n − 1))·g·(x − x̄); 2·(x − x̄) alone is inf for x̄ − x ≈ 2.25e38."""
    both(lambda lib, x: x.var(unbiased=unbiased), [[-1.0, -3.0000000054977558e+38], [-2.0, 1.0]], "float32")


@pytest.mark.parametrize("big", [1e20, 1e19, 1e18, 1e37])
def test_float32_batch_norm_of_huge_values_overflows_its_variance_like_torch(big):
    """PyTorch sums the squared deviations in float32: beyond 3.4e38 the variance is inf, 1/√var = 0, and the
    channel normalises to 0 (its running variance becomes inf)."""
    def program(lib, x):
        rm, rv = lib.zeros(2), lib.ones(2)
        y = lib.nn.functional.batch_norm(x, rm, rv, weight=lib.ones(2) * 2, training=True)
        return lib.cat([y, rm[None], rv[None]])
    both(program, [[big, 1.0], [3 * big, 2.0], [-big, 5.0]], "float32")


@pytest.mark.parametrize("form", ["max()", "min()"])
def test_max_of_everything_sends_a_nan_gradient_only_to_the_chosen_entry(form):
    """max()/min() select (PyTorch's evenly_distribute_backward); amax/amin multiply by the mask (nan·0)."""
    def program(lib, x):
        return (lib.tensor(-1.0) ** getattr(x, form[:3])()).reshape(1)   # ∂/∂exponent = out·ln(−1) = nan
    both(program, [[-1.0, 1.0]], "float32")
    both(lambda lib, x: (lib.tensor(-1.0, dtype=lib.float64) ** x.amax()).reshape(1), [[-1.0, 1.0]], "float64")


@pytest.mark.parametrize("n", [7, 8, 9, 15, 16, 17, 24, 40])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu6_gradient_at_nan_follows_torchs_vector_and_tail_rules(n, dtype):
    """PyTorch's hardtanh backward gives 0 at NaN inside whole vector chunks and 1 in the scalar tail."""
    values = [np.nan if i % 3 == 0 else float(i % 8) - 1 for i in range(n)]
    both(lambda lib, x: lib.nn.functional.relu6(x), values, dtype)
    both(lambda lib, x: lib.nn.functional.hardtanh(x), values, dtype)


@pytest.mark.parametrize("n", [7, 8, 9, 15, 16, 17, 33, 64, 65])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_elu_gradient_at_nan_follows_torchs_vector_and_tail_rules(n, dtype):
    values = [np.nan if i % 2 == 0 else -float(i % 5) for i in range(n)]
    both(lambda lib, x: lib.nn.functional.elu(x, alpha=0.5), values, dtype)


def test_var_of_one_infinite_value_has_a_nan_gradient_like_torch():
    both(lambda lib, x: x.clone().var(0).reshape(1), np.inf, "float32")
