"""Element-wise ops against PyTorch: forward values and gradients, float64 (1e-10) and float32 (1e-5),
on hypothesis-drawn shapes (0-d, 1-d, broadcasting pairs, empty dims); functional forms and methods."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import chainrule
from oracle import compare
from .strategies import array_and_dtype, arrays_pair, shapes_with_empty, arrays

# name -> (domain lo, hi, points to stay away from)
UNARY = {
    "exp": (-5, 5, None), "log": (0.1, 5, None), "log1p": (-0.9, 5, None), "sqrt": (0.05, 5, None),
    "rsqrt": (0.1, 5, None), "abs": (-3, 3, [0]), "sign": (-3, 3, [0]), "sin": (-5, 5, None),
    "cos": (-5, 5, None), "tanh": (-5, 5, None), "sigmoid": (-8, 8, None), "relu": (-3, 3, [0]),
    "neg": (-3, 3, None), "square": (-3, 3, None), "reciprocal": (0.2, 3, None),
    "log2": (0.1, 5, None), "log10": (0.1, 5, None), "exp2": (-5, 5, None), "expm1": (-3, 3, None),
    "tan": (-1.4, 1.4, None), "asin": (-0.95, 0.95, None), "acos": (-0.95, 0.95, None), "atan": (-5, 5, None),
    "sinh": (-4, 4, None), "cosh": (-4, 4, None), "erf": (-3, 3, None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_method_and_function_match_torch(name, data):
    lo, hi, away = UNARY[name]
    a = data.draw(array_and_dtype(shapes_with_empty(), lo, hi, away))
    compare(lambda lib, x: getattr(x, name)(), a)
    compare(lambda lib, x: getattr(lib, name)(x), a)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "rsqrt", "log1p"])
def test_unary_float_ops_promote_int_tensors_to_default_float(name):
    x = np.array([1, 2, 3])
    ours, theirs = compare(lambda lib, t: getattr(lib, name)(t), x)
    assert ours.dtype == chainrule.float32


def test_relu_abs_sign_neg_keep_int_dtype():
    x = np.array([-2, 0, 3])
    for name in ["relu", "abs", "sign", "neg"]:
        compare(lambda lib, t: getattr(t, name)(), x)


BINARY = {
    "add": lambda lib, x, y: x + y,
    "sub": lambda lib, x, y: x - y,
    "mul": lambda lib, x, y: x * y,
    "div": lambda lib, x, y: x / y,
    "add_fn": lambda lib, x, y: lib.add(x, y),
    "add_alpha": lambda lib, x, y: x.add(y, alpha=2.5),
    "sub_alpha": lambda lib, x, y: lib.sub(x, y, alpha=-1.5),
    "mul_fn": lambda lib, x, y: lib.mul(x, y),
    "div_fn": lambda lib, x, y: lib.div(x, y),
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "minimum": lambda lib, x, y: lib.minimum(x, y),
    "max_binary": lambda lib, x, y: lib.max(x, y),
    "min_binary": lambda lib, x, y: lib.min(x, y),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=arrays_pair(away_from=[0]))
def test_binary_ops_broadcast_like_torch(name, pair):
    compare(BINARY[name], *pair)


@given(pair=arrays_pair(lo=0.2, hi=2.0))
def test_pow_tensor_tensor(pair):
    compare(lambda lib, x, y: x ** y, *pair)
    compare(lambda lib, x, y: lib.pow(x, y), *pair)


@given(a=array_and_dtype(lo=-2, hi=2, away_from=[0]), e=st.sampled_from([2, 3, -1, 0.5, 2.5, 0, 1, -2.0]))
def test_pow_scalar_exponent(a, e):
    if isinstance(e, float) and e != int(e):
        a = np.abs(a)
    compare(lambda lib, x: x ** e, a)
    compare(lambda lib, x: x.pow(e), a)


@given(a=array_and_dtype(lo=-2, hi=2), base=st.sampled_from([2, 0.5, 3.0, 1]))
def test_pow_scalar_base(a, base):
    compare(lambda lib, x: base ** x, a)


def test_pow_at_zero_base_matches_torch():
    # ∂(0^y)/∂y is 0 for y >= 0 (PyTorch masks the log(0)); ∂(x^0)/∂x is 0 even at x = 0
    for dt in (np.float64, np.float32):
        x = np.array([0.0, 0.0, 0.0, 2.0], dtype=dt)
        y = np.array([0.0, 1.0, 2.0, 0.0], dtype=dt)
        compare(lambda lib, a, b: a ** b, x, y)
        compare(lambda lib, a: a ** 0, x)
        compare(lambda lib, a: a ** 2, x)
        compare(lambda lib, a: a ** 1.0, x)


def test_ties_of_maximum_minimum_split_gradient_like_torch():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 5.0, 3.0])
    compare(lambda lib, a, b: lib.maximum(a, b), x, y)
    compare(lambda lib, a, b: lib.minimum(a, b), x, y)


@given(a=array_and_dtype(shapes_with_empty(), away_from=[-1, 0.5]),
       bounds=st.sampled_from([(-1, 0.5), (None, 0.5), (-1, None), (0.5, -1)]))
def test_clamp_and_clip(a, bounds):
    lo, hi = bounds
    compare(lambda lib, x: x.clamp(lo, hi), a)
    compare(lambda lib, x: lib.clamp(x, min=lo, max=hi), a)
    compare(lambda lib, x: lib.clip(x, lo, hi), a)


def test_clamp_gradient_at_the_boundary_passes_like_torch():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    compare(lambda lib, t: t.clamp(-1.0, 0.5), x)
    compare(lambda lib, t: t.clamp(min=0.0), x)
    compare(lambda lib, t: t.clamp_min(0.5), x)
    compare(lambda lib, t: t.clamp_max(0.5), x)


def test_clamp_with_tensor_bounds_like_torch():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    lo = np.array([-1.0, 0.5, 0.5, -3.0, 0.0])
    hi = np.array([0.0, 1.0, 0.5, 1.0, 1.5])
    compare(lambda lib, t, a, b: t.clamp(a, b), x, lo, hi)
    compare(lambda lib, t, a: lib.clamp(t, min=a), x, lo)
    compare(lambda lib, t, b: lib.clamp(t, max=b), x, hi)


@given(pair=arrays_pair(), data=st.data())
def test_where(pair, data):
    a, b = pair
    shape = np.broadcast_shapes(a.shape, b.shape)
    cond = data.draw(arrays(shape, np.float64, -1, 1)) > 0
    compare(lambda lib, x, y: lib.where(lib.tensor(cond), x, y), a, b)


def test_where_with_scalar_operand():
    x = np.array([-1.0, 2.0, -3.0])
    compare(lambda lib, t: lib.where(t > 0, t, 0.0), x)
    compare(lambda lib, t: lib.where(t > 0, 1.0, t), x)


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
@given(pair=arrays_pair(lo=-2, hi=2))
def test_comparisons_give_bool_tensors(op, pair):
    a, b = np.round(pair[0]), np.round(pair[1])   # rounding makes ties likely
    compare(lambda lib, x, y: getattr(x, op)(y), a, b, grad=False)
    compare(lambda lib, x, y: getattr(lib, op)(x, y), a, b, grad=False)
    compare(lambda lib, x: getattr(x, op)(0.0), a, grad=False)


def test_comparison_operators():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])
    for fn in [lambda l, x, y: x == y, lambda l, x, y: x != y, lambda l, x, y: x < y,
               lambda l, x, y: x <= y, lambda l, x, y: x > y, lambda l, x, y: x >= y,
               lambda l, x, y: (x > 1) & (y > 1), lambda l, x, y: (x > 1) | (y > 2), lambda l, x, y: ~(x > 1)]:
        compare(fn, a, b, grad=False)


@given(a=array_and_dtype())
def test_functional_and_method_forms_agree(a):
    x = chainrule.tensor(a)
    for name in ["exp", "tanh", "sigmoid", "relu", "abs", "sin", "cos", "neg", "sign"]:
        np.testing.assert_array_equal(getattr(chainrule, name)(x).numpy(), getattr(x, name)().numpy())
