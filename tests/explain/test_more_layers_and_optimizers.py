"""ELU, GELU, SiLU; SGD with Nesterov momentum, Adam with amsgrad, AdamW; cross-entropy with class
probabilities and label smoothing — each explained, and every updated value PyTorch's."""
import numpy as np
import pytest

import chainrule
from chainrule.explain import UnsupportedModel, explain_step

from .helpers import twin_step
from .test_against_torch import assert_matches

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
X, Y = RNG.normal(size=(2, 2)), RNG.normal(size=(2, 1))
X1 = np.array([[1.2, -0.4]])


@pytest.mark.parametrize("act, formula, derivative, observe", [
    ("ELU", "a₁ = [z₁ > 0]·z₁ + [z₁ ≤ 0]·(exp(z₁) - 1)", "∂a₁/∂z₁ = [z₁ > 0] + [z₁ ≤ 0]·(a₁ + 1)",
     "ELU's derivative (1 for z > 0, a + α below)"),
    ("GELU", "a₁ = z₁·Φ(z₁)", "∂a₁/∂z₁ = Φ(z₁) + z₁·φ(z₁)", "GELU's derivative Φ(z) + z·φ(z)"),
    ("SiLU", "a₁ = z₁ / (1 + exp(-z₁))", "∂a₁/∂z₁ = σ(z₁)(1 + z₁(1 - σ(z₁)))", "SiLU's derivative"),
])
def test_activation_with_its_own_formula_and_derivative(act, formula, derivative, observe):
    spec = [("linear", 2, 3), act, ("linear", 3, 2), act, ("linear", 2, 1)]
    sol, ref = twin_step(spec, "MSELoss", "SGD", {"lr": 0.3}, X1, np.array([[0.7]]), seed=3)
    text = assert_matches(sol, ref)
    assert formula in text and derivative in text and observe in text
    assert "σ₁" not in text                     # no sigmoid naming for a non-sigmoid unit
    sol, ref = twin_step(spec, "MSELoss", "SGD", {"lr": 0.3}, X, Y, seed=3, hand=True)   # batch, by hand
    assert_matches(sol, ref, tol=1e-8)


def test_elu_on_both_sides_of_zero():
    sol, ref = twin_step([("linear", 2, 2), "ELU", ("linear", 2, 1)], "MSELoss", "SGD", {"lr": 0.1},
                         np.array([[-2.0, 1.0], [2.0, -1.0]]), np.array([[0.3], [-0.2]]), seed=5)
    assert_matches(sol, ref)
    assert sol.record.layers[0].z.min() < 0 < sol.record.layers[0].z.max()   # both branches are exercised


def test_gelu_tanh_approximation_is_refused_with_what_to_use():
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 1), chainrule.nn.GELU(approximate="tanh"))
    with pytest.raises(UnsupportedModel, match=r"GELU\(approximate='tanh'\) is not supported.*use GELU\(\)"):
        explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=0.1),
                     chainrule.ones(1, 2), chainrule.ones(1, 1))


SPEC = [("linear", 2, 2), "Tanh", ("linear", 2, 1)]


def test_sgd_nesterov_looks_ahead_along_the_new_buffer():
    sol, ref = twin_step(SPEC, "MSELoss", "SGD", {"lr": 0.2, "momentum": 0.9, "nesterov": True,
                                                  "weight_decay": 0.05}, X, Y, steps=2)
    text = assert_matches(sol, ref)
    assert "nesterov=True" in text
    assert "b₃(3) = b₃(2) - α(∂L/∂b₃(2) + λb₃(2) + μv_b₃(3))" in text


def test_adam_amsgrad_keeps_the_largest_second_moment():
    sol, ref = twin_step(SPEC, "MSELoss", "Adam", {"lr": 0.1, "amsgrad": True}, X, Y, steps=3)
    text = assert_matches(sol, ref)
    assert "amsgrad=True" in text
    assert "v^max_b₃(4) = max(v^max_b₃(3), v_b₃(4))" in text and "v̂_b₃ = v^max_b₃(4) / (1 - β₂ᵗ)" in text


@pytest.mark.parametrize("opt, kw", [("AdamW", {"lr": 0.1, "weight_decay": 0.5}),
                                     ("Adam", {"lr": 0.1, "weight_decay": 0.5, "decoupled_weight_decay": True})])
def test_adamw_decays_the_weight_apart_from_the_gradient(opt, kw):
    if opt == "Adam" and "decoupled_weight_decay" not in torch.optim.Adam.__init__.__code__.co_varnames:
        pytest.skip("this PyTorch has no Adam(decoupled_weight_decay=)")
    sol, ref = twin_step(SPEC, "MSELoss", opt, kw, X, Y, steps=2)
    text = assert_matches(sol, ref)
    # the class that ran, with its settings: AdamW, or Adam with decoupled_weight_decay=True (the same rule)
    assert ("AdamW(lr=0.1" if opt == "AdamW" else "Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.5"
            ) in text
    assert ("decoupled_weight_decay=True" in text) == (opt == "Adam")
    assert "b₃(3) = b₃(2) - αλb₃(2) - α(m̂_b₃/(√v̂_b₃ + ε))" in text
    assert "λ" not in text.split("m_b₃(3) =")[1].split("\n\n")[0]   # the gradient's moments carry no decay


CE_SPEC = [("linear", 2, 3), "Sigmoid", ("linear", 3, 3)]


def test_cross_entropy_with_class_probabilities():
    q = np.array([[0.2, 0.5, 0.3], [0.0, 0.1, 0.9]])
    sol, ref = twin_step(CE_SPEC, "CrossEntropyLoss", "SGD", {"lr": 0.5}, X, q)
    text = assert_matches(sol, ref)
    assert "q₂[1] = 0.5000" in text
    assert "ℓ[1] = -(q₁[1]·log(p₁[1]) + q₂[1]·log(p₂[1]) + q₃[1]·log(p₃[1]))" in text
    assert "∂ℓ[2]/∂z₆[2] = p₃[2] - q₃[2]" in text and "= 0.9000" in text


@pytest.mark.parametrize("target", ["classes", "probabilities"])
def test_cross_entropy_with_label_smoothing(target):
    y = np.array([0, 2]) if target == "classes" else np.array([[0.2, 0.5, 0.3], [0.0, 0.1, 0.9]])
    sol, ref = twin_step(CE_SPEC, "CrossEntropyLoss", "SGD", {"lr": 0.5}, X, y, loss_kw={"label_smoothing": 0.2})
    text = assert_matches(sol, ref)
    assert "label smoothing ε = 0.2 the target" in text
    rule = "qₖ = (1 - ε)yₖ + ε / K" if target == "probabilities" else "qₖ = (1 - ε)[k = c] + ε / K"
    assert rule in text
    if target == "classes":   # q = 0.8·one-hot + 0.2/3 for sample 1 (class 1)
        assert "-(0.8667 × log(" in text and "0.0667 × log(" in text


def test_cross_entropy_ignore_index_is_explained_on_the_graph():
    """Issue 10: an ignored target is no longer refused: the graph form shows what NllLoss did with it."""
    import torch
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 3))
    tm = torch.nn.Sequential(torch.nn.Linear(2, 3))
    with torch.no_grad():
        tm[0].weight.copy_(torch.tensor(model[0].weight.detach().numpy()))
        tm[0].bias.copy_(torch.tensor(model[0].bias.detach().numpy()))
    sol = explain_step(model, chainrule.nn.CrossEntropyLoss(), chainrule.optim.SGD(model.parameters(), lr=0.1),
                       chainrule.ones(2, 2), chainrule.tensor([0, -100]))
    loss = torch.nn.CrossEntropyLoss()(tm(torch.ones(2, 2)), torch.tensor([0, -100]))
    assert abs(sol.loss - float(loss)) < 1e-6


def test_maximize_is_explained_with_the_sign_it_used():
    """Issue 10: Adam(maximize=True) was refused; its update is written with the ascent it applied."""
    import torch
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 1))
    before = model[0].weight.detach().numpy().copy()
    tm = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        tm[0].weight.copy_(torch.tensor(before))
        tm[0].bias.copy_(torch.tensor(model[0].bias.detach().numpy()))
    sol = explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.Adam(model.parameters(), maximize=True),
                       chainrule.ones(1, 2), chainrule.ones(1, 1))
    topt = torch.optim.Adam(tm.parameters(), maximize=True)
    torch.nn.MSELoss()(tm(torch.ones(1, 2)), torch.ones(1, 1)).backward()
    topt.step()
    np.testing.assert_allclose(model[0].weight.detach().numpy(), tm[0].weight.detach().numpy(), atol=1e-7)
    assert "maximize=True" in str(sol) and "-∂L/∂" in str(sol)
