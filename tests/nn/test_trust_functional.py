"""Issue 11 in ``nn.functional``: losses with ignored −inf rows, NaN and mixed dtypes, activations on
0-d and integer tensors, ``linear`` with 0-size weights, ``batch_norm`` of an empty batch — each
against PyTorch (values, dtypes, gradients; PyTorch's exception class and message where it raises)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from oracle import compare, assert_close

nan, inf = float("nan"), float("inf")


def F(lib):
    return lib.nn.functional


def same_error(fn):
    """PyTorch's exception class, and its message (``torch.`` read as ``chainrule.``) within ours."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(chainrule)
    expected = str(theirs.value).split("\n")[0].replace("torch.", "chainrule.")
    assert expected in str(ours.value), (str(ours.value), expected)


# ---------------------------------------------------------------------- 8. ignored rows of −inf
LOGITS = np.array([[1.0, 2.0, 0.5], [-inf, -inf, -inf], [0.3, -inf, 2.0], [nan, nan, nan]])
TARGET = np.array([0, -100, 2, 5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", [{}, {"weight": [1.0, 2.0, 0.5]}, {"label_smoothing": 0.1},
                                {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.2}, {"ignore_index": 5}])
def test_cross_entropy_leaves_ignored_rows_of_minus_inf_out(reduction, kw):
    kw = dict(kw)
    ignore = kw.pop("ignore_index", -100)
    target = np.where(TARGET == 5, ignore if ignore != -100 else 1, TARGET)
    target = np.where(target == -100, ignore, target)
    rows = slice(None) if ignore == 5 else slice(0, 3)

    def f(L, x):
        w = L.tensor(kw["weight"], dtype=x.dtype) if "weight" in kw else None
        return F(L).cross_entropy(x, L.tensor(target[rows]), weight=w, ignore_index=ignore, reduction=reduction,
                                  label_smoothing=kw.get("label_smoothing", 0.0))
    compare(f, LOGITS[rows])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_leaves_ignored_rows_of_nan_out(reduction):
    ours, _ = compare(lambda L, x: F(L).nll_loss(x, L.tensor([0, -100, 2]), reduction=reduction),
                      np.array([[-1.0, -2.0, -0.5], [nan, -inf, nan], [-0.3, -inf, -2.0]]))
    assert np.isfinite(ours.detach().numpy()).all()


def test_cross_entropy_of_minus_inf_ignored_row_is_pytorchs_number():
    x = chainrule.tensor([[1.0, 2.0], [-inf, -inf]])
    out = chainrule.nn.functional.cross_entropy(x, chainrule.tensor([0, -100]))
    assert abs(out.item() - 1.3133) < 1e-4


# --------------------------------------------------------------------------------- NaN and dtypes
def test_bce_refuses_nan_and_mixed_dtypes_as_pytorch():
    same_error(lambda L: F(L).binary_cross_entropy(L.tensor([nan, 0.5]), L.tensor([1.0, 0.0])))
    same_error(lambda L: F(L).binary_cross_entropy(L.tensor([0.5]), L.tensor([nan])))
    same_error(lambda L: F(L).binary_cross_entropy(L.tensor([0.5]), L.tensor([1.0], dtype=L.float64)))
    same_error(lambda L: F(L).binary_cross_entropy(L.tensor([0.5], dtype=L.float64), L.tensor([1.0])))


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.float64, np.float32)])
def test_losses_of_mixed_float_dtypes_have_pytorchs_result_dtype(loss, reduction, dtypes):
    """(PyTorch's huber_loss backward refuses the mix it accepts forward — "Found dtype Double but expected
    Float" — so only its forward is compared; chainrule backpropagates.)"""
    x = np.array([0.2, -1.5, 3.0], dtype=dtypes[0])
    y = np.array([0.0, 1.0, 0.4], dtype=dtypes[1])
    mixed32 = dict(rtol=1e-6, atol=1e-7) if loss == "binary_cross_entropy_with_logits" else {}   # (its log σ(x)
    compare(lambda L, a, b: getattr(F(L), loss)(a, b, reduction=reduction), x, y,   # is float32 in both)
            grad=loss != "huber_loss", **mixed32)
    if loss == "huber_loss":
        a, b = chainrule.tensor(x, requires_grad=True), chainrule.tensor(y, requires_grad=True)
        F(chainrule).huber_loss(a, b, reduction=reduction).sum().backward()
        t = torch.tensor(x.astype(np.float64), requires_grad=True)
        F(torch).huber_loss(t, torch.tensor(y.astype(np.float64)), reduction=reduction).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-6)
        assert a.grad.dtype == a.dtype and b.grad.dtype == b.dtype


# ---------------------------------------------------------------------------------- activations
@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "leaky_relu", "relu", "relu6", "hardtanh", "softplus",
                                  "logsigmoid", "sigmoid", "tanh"])
def test_activations_of_a_0d_tensor(name):
    compare(lambda L, x: getattr(F(L), name)(x), np.array(0.7))
    compare(lambda L, x: getattr(F(L), name)(x), np.array(-0.7, dtype=np.float32))


def test_gelu_tanh_of_a_0d_tensor():
    compare(lambda L, x: F(L).gelu(x, approximate="tanh"), np.array(0.7))


def test_relu6_and_hardtanh_work_on_integers_and_refuse_bools():
    x = np.array([-2, 3, 8])
    compare(lambda L, t: F(L).relu6(t), x)
    compare(lambda L, t: F(L).hardtanh(t), x)
    compare(lambda L, t: F(L).hardtanh(t, -1.5, 2.5), x)
    same_error(lambda L: F(L).hardtanh(L.tensor([True])))
    same_error(lambda L: F(L).relu6(L.tensor([True])))


@pytest.mark.parametrize("name", ["elu", "hardtanh", "relu6", "relu", "leaky_relu", "clamp", "softplus", "silu"])
def test_activation_gradients_at_nan_and_infinities(name):
    """Short tensors, where PyTorch's scalar reference rule decides (docs/errors.md, deliberate differences)."""
    fn = (lambda L, x: x.clamp(-1, 1)) if name == "clamp" else (lambda L, x: getattr(F(L), name)(x))
    for dtype in (np.float32, np.float64):
        compare(fn, np.array([nan, -inf, inf, 0.0, -0.0], dtype=dtype))


# ---------------------------------------------------------------------- linear and batch_norm
@pytest.mark.parametrize("x_shape, w_shape", [((2, 3, 0), (4, 0)), ((2, 3, 2), (0, 2)), ((0, 2), (0, 2)),
                                              ((2,), (0, 2)), ((2,), (3, 2)), ((0, 3, 2), (4, 2))])
def test_linear_with_0_size_weights_backpropagates(x_shape, w_shape):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    compare(lambda L, a, m, c: F(L).linear(a, m, c), x, w, b)
    compare(lambda L, a, m: F(L).linear(a, m), x, w)


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 2), (0, 2, 0)])
def test_batch_norm_of_an_empty_batch_is_empty_and_keeps_the_running_estimates(shape):
    c = shape[1]
    out = {}
    for L in (chainrule, torch):
        x = L.zeros(*shape, requires_grad=True)
        w, b = L.ones(c, requires_grad=True), L.zeros(c, requires_grad=True)
        rm, rv = L.zeros(c), L.ones(c)
        y = F(L).batch_norm(x, rm, rv, w, b, training=True)
        y.sum().backward()
        out[L] = (y, rm, rv, x.grad, w.grad, b.grad)
    for ours, theirs in zip(out[chainrule], out[torch]):
        assert_close(ours, theirs)


def test_batch_norm_of_one_value_per_channel_is_refused_as_pytorch():
    same_error(lambda L: F(L).batch_norm(L.zeros(1, 3), L.zeros(3), L.ones(3), training=True))
    same_error(lambda L: F(L).batch_norm(L.zeros(1, 3, 1), None, None, training=True))


def test_one_hot_of_an_empty_tensor_needs_num_classes():
    same_error(lambda L: F(L).one_hot(L.zeros(0, dtype=L.int64)))
    assert_close(F(chainrule).one_hot(chainrule.zeros(0, dtype=chainrule.int64), 3),
                 F(torch).one_hot(torch.zeros(0, dtype=torch.int64), 3))
