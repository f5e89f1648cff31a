"""Issue 11, the ops themselves: each silent wrong number, crash and leaked NumPy error that the
differential campaign found, as a program run in chainrule and in PyTorch (values, dtypes, gradients,
and the exception class and message where PyTorch raises)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from oracle import compare, assert_close

nan, inf = float("nan"), float("inf")


def same_error(fn, prefix=None):
    """``fn(lib)`` raises in PyTorch; chainrule raises the same class with PyTorch's message in its own
    (or, with ``prefix``, both messages start with it)."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(chainrule)
    if prefix is not None:
        assert str(theirs.value).startswith(prefix) and str(ours.value).startswith(prefix), str(ours.value)
        return
    assert str(theirs.value).split("\n")[0] in str(ours.value), (str(ours.value), str(theirs.value))


def both(fn):
    """``fn(lib)`` in both libraries: equal values, shapes and dtypes."""
    ours, theirs = fn(chainrule), fn(torch)
    assert_close(ours, theirs)
    return ours


# --------------------------------------------------------- 3. select, don't multiply by a 0/1 mask
@pytest.mark.parametrize("f", [
    lambda L, x: L.nn.functional.relu(x).sqrt(),
    lambda L, x: x.relu().sqrt(),
    lambda L, x: x.clamp(min=0).sqrt(),
    lambda L, x: x.clamp_min(0).sqrt(),
    lambda L, x: (-x.clamp(max=0)).sqrt(),
    lambda L, x: x.clamp(0, 3).sqrt(),
    lambda L, x: L.maximum(x, L.zeros(3, dtype=x.dtype)).sqrt(),
    lambda L, x: (-L.minimum(x, L.zeros(3, dtype=x.dtype))).sqrt(),
    lambda L, x: L.nn.functional.hardtanh(x, 0.0, 5.0).sqrt(),
    lambda L, x: L.nn.functional.relu6(x).sqrt(),
    lambda L, x: L.nn.functional.leaky_relu(x, 0.0).sqrt(),
    lambda L, x: x.clamp(min=L.zeros(3, dtype=x.dtype)).sqrt(),
], ids=["F.relu", "relu", "clamp_min", "clamp_min_fn", "clamp_max", "clamp", "maximum", "minimum", "hardtanh",
        "relu6", "leaky_relu0", "clamp_tensor"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mask_backward_selects_so_an_infinite_gradient_times_zero_is_not_nan(f, dtype):
    """``F.relu(x).sqrt()`` at x = [−1, 0, 4]: the sqrt's ∞ gradient at 0 meets relu's 0 — PyTorch [0, 0, .25]."""
    compare(f, np.array([-1.0, 0.0, 4.0], dtype=dtype))


def test_relu_sqrt_gradient_is_pytorchs_number():
    x = chainrule.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    chainrule.nn.functional.relu(x).sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.25])


def test_maximum_minimum_give_nan_its_gradient_and_split_ties_as_pytorch():
    a = np.array([nan, 1.0, 2.0, 3.0, -0.0])
    b = np.array([1.0, nan, 2.0, 1.0, 0.0])
    compare(lambda L, x, y: L.maximum(x, y), a, b)
    compare(lambda L, x, y: L.minimum(x, y), a, b)
    compare(lambda L, x, y: L.max(x, y), a, b)


# ------------------------------------------------------------------------------- 7. % and fmod
def test_float32_remainder_by_two_pi_is_exact_at_large_x():
    x = np.array([1e4, 123456.7, 5e5, 1e6, -7654.3], dtype=np.float32)
    compare(lambda L, t: t % (2 * np.pi), x)
    compare(lambda L, t: t.remainder(2 * np.pi), x)


@pytest.mark.parametrize("a, b", [(-1e9, 3.7), (7.5, inf), (-7.5, inf), (7.5, -inf), (-7.5, -3.0), (7.5, -3.0),
                                  (-0.0, 2.0), (0.0, -2.0), (inf, 2.0), (nan, 2.0), (5.0, 0.0), (1e30, 1e-3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_remainder_fmod_match_pytorch_at_signs_and_infinities(a, b, dtype):
    x, y = np.array([a], dtype=dtype), np.array([b], dtype=dtype)
    compare(lambda L, s, t: s % t, x, y)
    compare(lambda L, s, t: L.fmod(s, t), x, y)
    compare(lambda L, s: s % b, x)
    compare(lambda L, s: s.fmod(b), x)


def test_minus_1e9_mod_3_7_is_0_787():
    out = chainrule.tensor([-1e9]) % 3.7
    np.testing.assert_allclose(out.numpy(), torch.tensor([-1e9]).remainder(3.7).numpy(), rtol=1e-6)
    assert abs(out.item() - 0.7875) < 1e-3


def test_integer_remainder_floor_divide_and_fmod_match_and_refuse_zero():
    a, b = np.array([7, -7, 7, -7, 0]), np.array([3, 3, -3, -3, 5])
    for f in (lambda L, x, y: x % y, lambda L, x, y: x // y, lambda L, x, y: L.fmod(x, y),
              lambda L, x, y: x.div(y, rounding_mode="floor"), lambda L, x, y: x.div(y, rounding_mode="trunc"),
              lambda L, x, y: x % 2, lambda L, x, y: 9 % y, lambda L, x, y: 9 // y):
        compare(f, a, b)
    for f in (lambda L: L.tensor([7, -7]) % L.tensor([0, 3]), lambda L: L.tensor([7, -7]) // L.tensor([0, 3]),
              lambda L: L.tensor([7]) % 0, lambda L: L.tensor([7]) // 0, lambda L: L.fmod(L.tensor([7]), 0),
              lambda L: L.tensor([7]).div(0, rounding_mode="trunc"), lambda L: 5 // L.tensor([0])):
        same_error(f)


def test_remainder_gradients_and_node_names_are_pytorchs():
    x, y = np.array([1.0, 2.5, -3.5]), np.array([2.0, -3.0, 1.5])
    ours, _ = compare(lambda L, s, t: s % t, x, y)
    assert ours.grad_fn.name == "RemainderBackward1"
    ours, _ = compare(lambda L, s: s % 2.0, x)
    assert ours.grad_fn.name == "RemainderBackward0"
    ours, _ = compare(lambda L, s, t: L.fmod(s, t), x, y)
    assert ours.grad_fn.name == "FmodBackward1"


def test_floor_divide_requires_grad_but_has_no_derivative_as_pytorch():
    for f in (lambda L, x: x // 2, lambda L, x: 2.5 // x, lambda L, x: 2.5 % x, lambda L, x: x.floor_divide(x)):
        ours, theirs = f(chainrule, chainrule.tensor([1.0, 2.5], requires_grad=True)), \
            f(torch, torch.tensor([1.0, 2.5], requires_grad=True))
        assert ours.requires_grad == theirs.requires_grad is True
        assert_close(ours, theirs)
        assert ours.grad_fn.name == type(theirs.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError) as t_err:
            theirs.sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::") as o_err:
            ours.sum().backward()
        assert str(o_err.value) == str(t_err.value)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_rounding_mode_works_as_pytorch(mode):
    a = np.array([7.0, -7.0, 7.5, -7.5, 0.0, -0.0, 1e30, inf, nan])
    b = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 7.0, 2.0, 1.0])
    for dtype in (np.float32, np.float64):
        ours, _ = compare(lambda L, x, y: x.div(y, rounding_mode=mode), a.astype(dtype), b.astype(dtype))
        assert ours.grad_fn.name == "DivBackward2"
        compare(lambda L, x: L.div(x, 2, rounding_mode=mode), a.astype(dtype))
        compare(lambda L, x: x.divide(0.0, rounding_mode=mode), a.astype(dtype))
    compare(lambda L, x: x.div(2.5, rounding_mode=mode), np.array([5, -5, 2]))
    compare(lambda L, x: x.div(2, rounding_mode=mode), np.array([5, -5, 2]))
    same_error(lambda L: L.tensor([1.0]).div(2, rounding_mode="round"))


def test_bool_floor_divide_and_remainder_are_not_implemented_as_pytorch():
    same_error(lambda L: L.tensor([True]) // L.tensor([True]))
    same_error(lambda L: L.tensor([True]) % L.tensor([True]))


# ------------------------------------------------------------------------------------------ 9. lerp
def test_lerp_is_exact_at_weight_one():
    both(lambda L: L.tensor([1e8]).lerp_(L.tensor([1.0]), 1.0))
    assert chainrule.tensor([1e8]).lerp_(chainrule.tensor([1.0]), 1.0).item() == 1.0
    both(lambda L: L.tensor([1e8]).lerp(L.tensor([1.0]), 0.7))
    both(lambda L: L.tensor([1e8], dtype=L.float64).lerp(L.tensor([1.0], dtype=L.float64), 0.7))


@pytest.mark.parametrize("w", [0.0, 0.25, 0.4999, 0.5, 0.75, 1.0, -0.6, 1.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lerp_matches_pytorch_values_and_gradients(w, dtype):
    a = np.array([1e8, -3.0, 0.5, 2.0], dtype=dtype)
    b = np.array([1.0, 4.0, -0.5, 2.0], dtype=dtype)
    ours, _ = compare(lambda L, x, y: x.lerp(y, w), a, b)
    assert ours.grad_fn.name == "LerpBackward0"
    ours, _ = compare(lambda L, x, y, t: L.lerp(x, y, t), a, b, np.array([w, 0.3, 0.6, 1.0], dtype=dtype))
    assert ours.grad_fn.name == "LerpBackward1"
    compare(lambda L, x, y: (x * 1).lerp_(y, w), a, b)


def test_lerp_refuses_mixed_dtypes_as_pytorch():
    same_error(lambda L: L.tensor([1.0]).lerp(L.tensor([1.0], dtype=L.float64), 0.5))
    same_error(lambda L: L.tensor([1.0]).lerp(L.tensor([1]), 0.5))
    same_error(lambda L: L.tensor([1]).lerp(L.tensor([1]), 0.5))


# -------------------------------------------------------------------- 10. int clamp with float bounds
@pytest.mark.parametrize("f", [
    lambda L, x: x.clamp(1.5, 2.5), lambda L, x: x.clamp(min=0.5), lambda L, x: x.clamp(max=2.5),
    lambda L, x: x.clamp(0, 2), lambda L, x: L.clamp(x, -1, 1.5), lambda L, x: x.clip(0.5, 2.5),
    lambda L, x: x.clamp(min=L.tensor(1.5)), lambda L, x: x.clamp_min(1.5), lambda L, x: x.clamp_max(1.5),
])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_clamp_with_float_bounds_promotes_as_pytorch(f, dtype):
    compare(f, np.array([0, 1, 2, 3], dtype=dtype))


def test_bool_clamp_promotes_to_the_bounds_type():
    compare(lambda L, x: x.clamp(0, 2), np.array([True, False]))


# ----------------------------------------------------------------------------------- 11. NaN edges
def test_sign_of_nan_is_zero_and_l1_gradients_follow():
    x = np.array([nan, -0.0, 0.0, 2.0, -inf])
    compare(lambda L, t: t.sign(), x)
    compare(lambda L, t: t.abs(), x)
    compare(lambda L, t: L.nn.functional.l1_loss(t, L.zeros(5, dtype=t.dtype)), x)
    compare(lambda L, t: L.nn.functional.smooth_l1_loss(t, L.zeros(5, dtype=t.dtype), beta=0.0), x)
    compare(lambda L, t: t.norm(1), x)
    compare(lambda L, t: t.norm(float("inf")), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sort_topk_argsort_treat_nan_as_the_largest_value(dtype):
    x = np.array([[1.0, nan, 3.0, -inf, inf], [nan, 0.0, nan, -1.0, 2.0]], dtype=dtype)
    for desc in (False, True):
        compare(lambda L, t: t.sort(descending=desc)[0], x)
        compare(lambda L, t: t.sort(dim=1, descending=desc)[1], x)
        compare(lambda L, t: t.argsort(descending=desc), x)
        compare(lambda L, t: t.sort(dim=0, descending=desc)[1], x)
    compare(lambda L, t: t[0].topk(2)[0], x)
    compare(lambda L, t: t[0].topk(2)[1], x)
    compare(lambda L, t: t[0].topk(3, largest=False)[1], x)
    compare(lambda L, t: L.tensor([1.0, nan, 3.0], dtype=t.dtype).topk(2), x)


def test_descending_sort_of_integers_is_exact():
    x = np.array([np.iinfo(np.int64).min, 3, -1, np.iinfo(np.int64).max, 3])
    compare(lambda L, t: t.sort(descending=True)[1], x)
    compare(lambda L, t: t.sort(descending=True)[1], np.array([0, 255, 7, 7], dtype=np.uint8))
    compare(lambda L, t: t.sort(descending=True)[1], np.array([True, False, True]))


def test_max_min_argmax_with_nan_match_pytorch():
    x = np.array([[1.0, nan, 3.0], [2.0, 5.0, -1.0]])
    for f in (lambda L, t: t.max(), lambda L, t: t.min(), lambda L, t: t.argmax(), lambda L, t: t.argmin(),
              lambda L, t: t.max(1)[0], lambda L, t: t.max(1)[1], lambda L, t: t.argmax(1), lambda L, t: t.amax(1),
              lambda L, t: t.min(0)[0], lambda L, t: t.min(0)[1], lambda L, t: t.amax()):
        compare(f, x)


def test_elu_gradient_at_nan_is_pytorchs():
    compare(lambda L, t: L.nn.functional.elu(t), np.array([nan, -1.0, 1.0, 0.0]))
    compare(lambda L, t: L.nn.functional.elu(t, 0.5), np.array([nan, -1.0, 1.0], dtype=np.float32))


def test_prod_gradient_follows_pytorchs_zero_rule():
    for x in ([[1.0, nan], [0.0, 2.0]], [[1.0, inf], [3.0, 2.0]], [[0.0, 0.0, 2.0]], [[0.0, 3.0, 2.0]],
              [[inf, 0.0, 2.0]], [[nan, 2.0, 3.0]]):
        compare(lambda L, t: t.prod(), np.array(x))
        compare(lambda L, t: t.prod(1), np.array(x))
        compare(lambda L, t: t.prod(0, keepdim=True), np.array(x))


def test_pow_with_half_exponents_follows_pytorchs_sqrt_path():
    x = np.array([-inf, -1.0, -0.0, 0.0, 1e-30, 4.0, inf, nan])
    for e in (0.5, -0.5, 1.5, -1.5, -1.0, 2.0, 3.0):
        compare(lambda L, t: t ** e, x)


def test_division_gradient_does_not_overflow_squaring_the_divisor():
    compare(lambda L, a, b: a / b, np.array([-1e30, 1.0], dtype=np.float32), np.array([1e30, 3e19], dtype=np.float32),
            atol=0)


def test_var_std_of_float32_do_not_overflow_and_single_values_follow_pytorch():
    x = np.array([[-1e30, -1e30, -1e30]], dtype=np.float32)
    for f in (lambda L, t: t.std(), lambda L, t: t.std(1), lambda L, t: t.var(), lambda L, t: t.var(1),
              lambda L, t: t.norm()):
        compare(f, x)
    for v in ([nan], [inf], [1.0]):
        compare(lambda L, t: t.var(), np.array(v))
        compare(lambda L, t: t.std(), np.array(v))


# -------------------------------------------------------------------------------------- crashes
def test_integer_base_to_negative_integer_tensor_powers():
    both(lambda L: 2 ** L.tensor([-1, -2, 0, 3]))
    both(lambda L: L.tensor([0, 1, -1, 2, -2]) ** L.tensor([-1, -1, -1, -1, -3]))
    same_error(lambda L: L.tensor([2]) ** -1)


def test_softmax_log_softmax_logsumexp_over_an_empty_dim():
    for f in (lambda L, t: t.softmax(1), lambda L, t: t.log_softmax(1), lambda L, t: t.logsumexp(1),
              lambda L, t: t.softmax(0), lambda L, t: t.logsumexp(0), lambda L, t: t.logsumexp((0, 1))):
        compare(f, np.zeros((2, 0)))
        compare(f, np.zeros((0, 3)))


def test_softmax_rows_holding_infinity_match_pytorch():
    x = np.array([[-inf, -inf, inf], [-inf, -inf, -inf], [1.0, inf, inf], [nan, 1.0, 2.0]])
    for f in (lambda L, t: t.softmax(1), lambda L, t: t.log_softmax(1), lambda L, t: t.logsumexp(1)):
        compare(f, x)


def test_reductions_with_dim_zero_on_a_0d_tensor():
    x = np.array(2.5)
    for f in (lambda L, t: t.argmax(0), lambda L, t: t.argmin(dim=-1), lambda L, t: t.argmax(0, keepdim=True),
              lambda L, t: t.prod(0), lambda L, t: t.prod(-1, keepdim=True), lambda L, t: t.max(0)[0],
              lambda L, t: t.sort(0)[0], lambda L, t: t.topk(1)[0], lambda L, t: t.cumsum(0),
              lambda L, t: t.softmax(0), lambda L, t: t.log_softmax(-1)):
        compare(f, x)


@pytest.mark.parametrize("f", [
    lambda L: L.tensor(2.0).cumsum(1), lambda L: L.tensor(2.0).softmax(1), lambda L: L.tensor(2.0).log_softmax(-2),
    lambda L: L.tensor(2.0).max(1), lambda L: L.tensor(2.0).sort(1), lambda L: L.tensor(2.0).topk(1, dim=1),
    lambda L: L.tensor(2.0).argmax(1), lambda L: L.tensor(2.0).prod(1), lambda L: L.tensor(2.0).any(1),
    lambda L: L.tensor(2.0).all(-2), lambda L: L.ones(2, 3).any(2), lambda L: L.ones(2, 3).count_nonzero(2),
    lambda L: L.tensor(2.0).topk(2), lambda L: L.tensor(2.0).logsumexp(1), lambda L: L.tensor(2.0).sum(1),
    lambda L: L.tensor(2.0).mean(-2), lambda L: L.tensor(2.0).std(1), lambda L: L.tensor(2.0).amax(1),
])
def test_out_of_range_dims_on_0d_tensors_raise_as_pytorch(f):
    same_error(f)


def test_count_nonzero_over_a_list_of_dims_and_nonzero_of_0d():
    x = np.array([[1, 0], [2, 3]])
    for f in (lambda L, t: t.count_nonzero(dim=[0, 1]), lambda L, t: t.count_nonzero(dim=(1,)),
              lambda L, t: L.count_nonzero(t, dim=-1), lambda L, t: t.count_nonzero(dim=[])):
        compare(f, x)
    both(lambda L: L.tensor(2.0).nonzero())
    both(lambda L: L.tensor(0.0).nonzero())
    both(lambda L: L.tensor(2.0).nonzero(as_tuple=True)[0])
    both(lambda L: L.ones(2, 3).any(dim=()))


@pytest.mark.parametrize("name", ["sinh", "cosh", "asin", "acos", "atan", "erf", "log2", "log10"])
def test_ops_that_save_their_input_allow_an_in_place_change_of_their_output(name):
    def f(L, x):
        y = getattr(x, name)()
        y.add_(1.0)
        return y
    compare(f, np.array([0.3, -0.2]))


@pytest.mark.parametrize("name", ["tan", "exp2", "expm1", "exp", "tanh", "sigmoid", "sqrt"])
def test_ops_that_save_their_output_refuse_an_in_place_change_of_it_as_pytorch(name):
    def f(L):
        x = L.tensor([0.3, 0.2], requires_grad=True)
        y = getattr(x, name)()
        y.add_(1.0)
        y.sum().backward()
    same_error(f, "one of the variables needed for gradient computation has been modified by an inplace operation")


# ------------------------------------------------------------- NumPy errors must not leak through
@pytest.mark.parametrize("f", [
    lambda L: L.zeros(0).argmax(), lambda L: L.zeros(0).argmin(), lambda L: L.zeros(0, 2).argmin(0),
    lambda L: L.zeros(0, 3).max(0), lambda L: L.zeros(3, 0).min(1), lambda L: L.zeros(0).amax(),
    lambda L: L.zeros(0).amin(), lambda L: L.zeros(2, 0).amax(1), lambda L: L.zeros(0).max(),
    lambda L: L.zeros(0, 2).amax((0, 1)), lambda L: L.zeros(0, 2).amin(dim=()),
    lambda L: L.zeros(0).norm(float("inf")), lambda L: L.zeros(2, 0).norm(float("inf"), dim=1),
])
def test_reductions_without_identity_over_nothing_raise_pytorchs_error(f):
    same_error(f)


def test_reductions_over_an_empty_dim_that_pytorch_allows():
    for f in (lambda L, t: t.argmax(1), lambda L, t: t.max(1)[0], lambda L, t: t.amax(1), lambda L, t: t.prod(1),
              lambda L, t: t.norm(dim=0)):
        compare(f, np.zeros((0, 2)))


def test_tril_triu_of_a_vector_raise_as_pytorch():
    same_error(lambda L: L.tensor([1.0, 2.0]).tril())
    same_error(lambda L: L.tensor([1.0, 2.0]).triu(1))
    same_error(lambda L: L.tensor(1.0).tril())
    compare(lambda L, t: t.tril(-1), np.ones((2, 3, 3)))


# ------------------------------------------------- the differential fuzzer's findings (fuzz-findings.md)
@pytest.mark.parametrize("f", [
    lambda L: L.tensor([1, 2]).std(), lambda L: L.tensor([True]).var(), lambda L: L.tensor([1, 2]).norm(),
    lambda L: L.tensor([1, 2]).norm(float("inf")), lambda L: L.tensor([True, False]).argmax(),
    lambda L: L.tensor([True, False]).argmin(0), lambda L: L.tensor([True, False]).topk(1),
    lambda L: L.tensor([True]).relu(), lambda L: L.nn.functional.relu(L.tensor([True])),
    lambda L: L.tensor([True]).abs(), lambda L: L.tensor([True]).floor(), lambda L: L.tensor([True]).ceil(),
    lambda L: L.tensor([True]).trunc(), lambda L: L.tensor([True]).round(), lambda L: L.tensor([1]).round(decimals=1),
    lambda L: L.tensor([True]) ** L.tensor([True]), lambda L: L.tensor([1, 2]).softmax(0),
    lambda L: L.tensor([True]).log_softmax(0), lambda L: L.nn.functional.leaky_relu(L.tensor([1, -2])),
    lambda L: L.nn.functional.elu(L.tensor([1])), lambda L: L.nn.functional.gelu(L.tensor([1])),
    lambda L: L.nn.functional.cross_entropy(L.tensor([[1, 2]]), L.tensor([0])),
    lambda L: L.add(L.tensor([1]), L.tensor([1]), alpha=2.5), lambda L: L.add(L.tensor([1]), L.tensor([1]), alpha=True),
    lambda L: L.tensor([[1.0, 2.0]]).masked_fill(L.tensor([True, False, True]), 0.0),
    lambda L: L.tensor([[1.0, 2.0]]).clamp(min=L.tensor([1.0, 2.0, 3.0])),
    lambda L: L.zeros(0, dtype=L.int64) ** -1,
])
def test_integer_and_bool_inputs_pytorch_refuses_are_refused_with_its_class(f):
    """(F15, F16, F29, F35, F62: chainrule's messages add what to do after PyTorch's.)"""
    with pytest.raises(Exception) as theirs:
        f(torch)
    with pytest.raises(type(theirs.value)) as ours:
        f(chainrule)
    first = str(theirs.value).split(" (")[0][:40]
    assert first.split(":")[0] in str(ours.value) or "broadcast" in str(ours.value), (str(ours.value), first)


@pytest.mark.parametrize("f", [
    lambda L, x: x.sign(), lambda L, x: x.square(), lambda L, x: L.add(x, x, alpha=2), lambda L, x: x ** 2,
    lambda L, x: 2 ** x, lambda L, x: x ** 2.0, lambda L, x: x.logsumexp(0), lambda L, x: x.softmax(0, dtype=L.float32),
    lambda L, x: x.clamp(0.5), lambda L, x: x.sort(descending=True)[1], lambda L, x: x.argsort(),
])
def test_bool_inputs_pytorch_accepts_give_its_dtype_and_values(f):
    compare(f, np.array([True, False, True]))


@pytest.mark.parametrize("f", [
    lambda L, x: x.floor(), lambda L, x: x.ceil(), lambda L, x: x.round(), lambda L, x: x.trunc(),
    lambda L, x: x.logsumexp(0), lambda L, x: x.sign(), lambda L, x: x.square(), lambda L, x: L.add(x, x, alpha=3),
    lambda L, x: x.log_softmax(0, dtype=L.float64), lambda L, x: x.float().norm(),
])
def test_integer_inputs_pytorch_accepts_give_its_dtype_and_values(f):
    compare(f, np.array([3, -4, 7]))


def test_rounding_an_integer_tensor_returns_a_new_tensor():
    """(F58) an in-place change of ``floor(x)`` must not reach ``x``."""
    for name in ("floor", "ceil", "round", "trunc"):
        x = chainrule.tensor([1, 2])
        getattr(x, name)().add_(1)
        np.testing.assert_array_equal(x.numpy(), [1, 2])


def test_nll_loss_with_every_target_ignored_has_zero_gradient():
    """(F23) the mean over no kept target is NaN, and its gradient 0, as PyTorch."""
    compare(lambda L, x: L.nn.functional.nll_loss(x, L.tensor([0]), ignore_index=0), np.array([[0.0]]))
    compare(lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0]), ignore_index=0), np.array([[0.0, 1.0]]))
    compare(lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0]), ignore_index=0, label_smoothing=0.1),
            np.array([[0.0, 1.0]]))


def test_cross_entropy_with_an_infinite_logit_is_nan_as_pytorch():
    """(F22) log_softmax of a row holding +∞ is NaN throughout."""
    compare(lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 1]), reduction="sum"),
            np.array([[0.0, inf], [1.0, 2.0]]))


def test_remainder_zero_has_the_divisors_sign():
    """(F48) x % x is −0.0 for a negative x, so rsqrt of it is −∞ as PyTorch."""
    compare(lambda L, x: (x % x).rsqrt(), np.array([-0.48, 0.48]))
    compare(lambda L, x: L.remainder(x, x), np.array([-0.48, 0.48]), grad=False)
