"""Explanations of other networks, every number checked against PyTorch running the same steps."""
import numpy as np
import pytest

from .helpers import fmt, twin_step

torch = pytest.importorskip("torch")


def assert_matches(sol, ref, tol=1e-8):
    rec = sol.record
    assert abs(rec.loss - ref["loss"]) < tol
    for L, (gw, gb), (aw, ab) in zip(rec.layers, ref["grads"], ref["after"]):
        np.testing.assert_allclose(L.weight_grad, gw, atol=tol)
        np.testing.assert_allclose(L.bias_grad, gb, atol=tol)
        np.testing.assert_allclose(L.weight_after, aw, atol=tol)
        np.testing.assert_allclose(L.bias_after, ab, atol=tol)
    text = str(sol)
    # the printed updated values are PyTorch's, to 4 decimals
    for aw, ab in ref["after"]:
        for v in list(aw.ravel()) + list(ab.ravel()):
            assert fmt(v) in text
    return text


def test_three_layer_tanh_relu_mse_batch_of_four():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    sol, ref = twin_step([("linear", 3, 4), "Tanh", ("linear", 4, 3), "ReLU", ("linear", 3, 2)],
                         "MSELoss", "SGD", {"lr": 0.1}, x, y)
    text = assert_matches(sol, ref)
    assert "ℓ[4]" in text and "(1/4)" in text.replace(" ", "")      # per-sample terms, then the mean
    assert "δ⁽²⁾ = (W⁽³⁾ᵀδ⁽³⁾) ⊙ relu′(z⁽²⁾)      [3 × 4]" in text  # matrix form with shapes
    assert "max(0, z" in text and "tanh(z" in text                  # own symbols, no sigmoid story
    assert "vanishing gradient" not in text
    assert "inactive" in text


def test_three_class_softmax_cross_entropy():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2, 2)), np.array([0, 2])
    sol, ref = twin_step([("linear", 2, 3), "Sigmoid", ("linear", 3, 3)], "CrossEntropyLoss", "SGD",
                         {"lr": 0.5}, x, y)
    text = assert_matches(sol, ref)
    assert "p₃[2]" in text and "-log(p₁[1])" in text


def test_sgd_with_momentum_and_weight_decay_step_two():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(1, 2)), np.array([[1.0]])
    sol, ref = twin_step([("linear", 2, 2), "Sigmoid", ("linear", 2, 1), "Sigmoid"], "BCELoss", "SGD",
                         {"lr": 0.5, "momentum": 0.9, "weight_decay": 0.1}, x, y, steps=2)
    text = assert_matches(sol, ref)
    assert "v_W₅(3) = μv_W₅(2) + (∂L/∂W₅(2) + λW₅(2))" in text
    assert "λW₅(2)" in text


def test_adam_over_three_steps():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(2, 2)), rng.normal(size=(2, 1))
    sol, ref = twin_step([("linear", 2, 2), "Tanh", ("linear", 2, 1)], "MSELoss", "Adam",
                         {"lr": 0.05}, x, y, steps=3)
    text = assert_matches(sol, ref)
    assert "1 - 0.9000³" in text and "1 - 0.9990³" in text       # bias correction at t = 3
    assert "step 3 is explained" in text


def test_hidden_unit_feeding_two_outputs_sums_over_paths():
    x, y = np.array([[0.5, -1.0]]), np.array([[0.2, 0.7]])
    sol, ref = twin_step([("linear", 2, 1), "Sigmoid", ("linear", 1, 2), "Sigmoid"], "MSELoss", "SGD",
                         {"lr": 1.0}, x, y)
    text = assert_matches(sol, ref)
    assert "σ₁ feeds 2 units of the next layer" in text
    assert "∂L/∂σ₁ = ∂L/∂z₂·∂z₂/∂σ₁ + ∂L/∂z₃·∂z₃/∂σ₁" in text


def test_verify_torch_marks_every_value():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    sol, _ = twin_step([("linear", 2, 3), "Tanh", ("linear", 3, 1)], "L1Loss", "SGD", {"lr": 0.1}, x, y,
                       verify_torch=True)
    section = str(sol).split("Checked against PyTorch")[1]
    rows = [r for r in section.splitlines() if r.startswith("  ") and "─" not in r][1:]
    assert len(rows) == 12 and all(r.rstrip().endswith("✓") for r in rows)
