"""Anomaly mode names the failing op, the argument and the user's line; sigmoid/tanh/softmax/log_softmax/
logsumexp stay finite and match PyTorch for |x| up to 1e4 in float32 and float64 without any warning."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule import autograd
from oracle import compare


def test_detect_anomaly_forward_names_op_argument_and_line():
    x = chainrule.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        with autograd.detect_anomaly():
            y = x.log()   # noqa: F841 - the line the error must point at
    msg = str(info.value)
    assert "LogBackward0" in msg and "nan" in msg and "forward" in msg
    assert "index (1,) where input 0 = -1" in msg
    assert "test_anomaly_and_extremes.py" in msg and "y = x.log()" in msg
    assert not autograd.is_anomaly_enabled()


def test_detect_anomaly_backward_names_op_and_line():
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        with autograd.detect_anomaly():
            s = x.sqrt()    # finite forward, infinite gradient at 0
            s.sum().backward()
    msg = str(info.value)
    assert "SqrtBackward0" in msg and "inf" in msg and "gradient for input 0" in msg
    assert "s = x.sqrt()" in msg


def test_forward_nan_from_nan_input_blames_the_input():
    x = chainrule.tensor([float("nan"), 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 0 .* already contained nan"):
        with autograd.detect_anomaly():
            x * 2


def test_set_detect_anomaly_switch_and_decorator():
    x = chainrule.tensor([-1.0], requires_grad=True)
    autograd.set_detect_anomaly(True)
    try:
        assert autograd.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            x.sqrt()
    finally:
        autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(x.detach().sqrt().item())    # off again: NaN flows silently, as in PyTorch

    @autograd.detect_anomaly()
    def f(t):
        return t.log()
    with pytest.raises(RuntimeError, match="LogBackward0"):
        f(x)
    with autograd.set_detect_anomaly(True):
        assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()


def test_anomaly_mode_does_not_change_results():
    x = chainrule.tensor([0.5, 2.0], requires_grad=True)
    with autograd.detect_anomaly():
        (x.exp() * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (np.exp([0.5, 2.0]) * (1 + np.array([0.5, 2.0]))).astype(np.float32),
                               rtol=1e-6)


EXTREME = np.array([-1e4, -1e3, -88.0, -20.0, -1.0, 0.0, 1.0, 20.0, 88.0, 1e3, 1e4])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,fn", [
    ("sigmoid", lambda lib, x: x.sigmoid()), ("tanh", lambda lib, x: x.tanh()),
    ("softmax", lambda lib, x: x.softmax(-1)), ("log_softmax", lambda lib, x: x.log_softmax(-1)),
    ("logsumexp", lambda lib, x: x.logsumexp(-1)), ("sigmoid_fn", lambda lib, x: lib.sigmoid(x)),
    ("softmax_rows", lambda lib, x: x.reshape(-1, 1).softmax(0)),
    ("log_softmax_pairs", lambda lib, x: lib.stack([x, -x], 1).log_softmax(1)),
    ("logsumexp_pairs", lambda lib, x: lib.stack([x, x * 0.5], 1).logsumexp(1)),
])
def test_extreme_inputs_stay_finite_and_match_torch_without_warnings(name, fn, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours, _ = compare(fn, EXTREME.astype(dtype), rtol=1e-6 if dtype == np.float32 else 1e-12,
                          atol=1e-6 if dtype == np.float32 else 1e-12)
    assert np.all(np.isfinite(ours.detach().numpy()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_minus_inf_rows_like_torch(dtype):
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare(lambda lib, t: t.logsumexp(1), x, grad=False)
        compare(lambda lib, t: t.log_softmax(1)[1], x, grad=False)
        compare(lambda lib, t: t.softmax(1), x, grad=False)
        compare(lambda lib, t: t.log_softmax(1), x, grad=False)
        compare(lambda lib, t: t.logsumexp(0), np.array([[np.inf, 0.0], [1.0, -np.inf]], dtype=dtype), grad=False)


def test_log_softmax_keeps_the_tiny_term_in_float32():
    x = np.array([[0.0, 14.0], [-3.0, 20.0]], dtype=np.float32)   # log(1 + e⁻¹⁴) ≈ 8.3e-7, below float32's ulp at 14
    ours, theirs = compare(lambda lib, t: t.log_softmax(1), x, rtol=1e-6, atol=0)
    assert ours[0, 1].item() != 0.0
