"""``--verify-torch``: the PyTorch twin has the model's own structure and each parameter group's own
settings; a disagreement is marked ✗ with the difference; without PyTorch the message says so."""
import sys

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.explain import UnsupportedModel, explain_step

from .helpers import fmt, run_cli

torch = pytest.importorskip("torch")


def torch_rows(sol):
    section = str(sol).split("Checked against PyTorch")[1]
    return [r.strip() for r in section.splitlines() if r.startswith("  ") and "─" not in r][1:]


def two_layer(lib, dtype):
    model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh(), lib.nn.Linear(2, 1)).to(dtype)
    with lib.no_grad():
        model[0].weight.copy_(lib.tensor([[0.4, -0.3], [0.2, 0.5]], dtype=dtype))
        model[0].bias.copy_(lib.tensor([0.1, -0.2], dtype=dtype))
        model[2].weight.copy_(lib.tensor([[-0.6, 0.7]], dtype=dtype))
        model[2].bias.copy_(lib.tensor([0.05], dtype=dtype))
    return model


X, Y = np.array([[1.0, -2.0], [0.5, 0.3]]), np.array([[0.3], [-0.4]])


def test_the_twin_has_the_models_own_names_and_nesting():
    from chainrule.commands.explain import load_problem
    from chainrule.explain.torch_check import _blueprint, torch_model
    model = load_problem(None)[0]                      # layer1 = Sequential(Linear, Sigmoid), layer2 = …
    twin = torch_model(_blueprint(model), torch, torch.float32)
    assert [(n, type(m).__name__) for n, m in twin.named_modules()] == \
        [(n, type(m).__name__) for n, m in model.named_modules()]
    assert [n for n, _ in twin.named_parameters()] == ["layer1.0.weight", "layer1.0.bias", "layer2.0.weight",
                                                       "layer2.0.bias"]


def test_each_parameter_group_keeps_its_own_settings():
    groups = lambda m: [{"params": m[0].parameters(), "lr": 0.5, "momentum": 0.9, "nesterov": True},  # noqa: E731
                        {"params": m[2].parameters(), "lr": 0.05, "weight_decay": 0.1}]
    cm, tm = two_layer(chainrule, chainrule.float64), two_layer(torch, torch.float64)
    sol = explain_step(cm, nn.MSELoss(), optim.SGD(groups(cm), lr=1.0), chainrule.tensor(X), chainrule.tensor(Y),
                       step=2, verify_torch=True)
    rows = torch_rows(sol)
    assert len(rows) == 12 and all(r.endswith("✓") for r in rows), rows
    text = str(sol)
    assert ("SGD(lr=0.5, momentum=0.9, nesterov=True) for 0.weight, 0.bias; "
            "SGD(lr=0.05, weight_decay=0.1) for 2.weight, 2.bias") in text
    topt = torch.optim.SGD(groups(tm), lr=1.0)
    for _ in range(2):
        topt.zero_grad()
        torch.nn.MSELoss()(tm(torch.tensor(X)), torch.tensor(Y)).backward()
        topt.step()
    for v in list(tm[0].weight.detach().numpy().ravel()) + list(tm[2].weight.detach().numpy().ravel()):
        assert fmt(v) in text


def test_a_custom_container_is_mirrored():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.head = nn.Linear(3, 1)

        def forward(self, x):
            return self.head(self.body(x))

    chainrule.manual_seed(0)
    model = Net().to(chainrule.float64)
    sol = explain_step(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.1), chainrule.tensor(X),
                       chainrule.tensor(Y), verify_torch=True)
    rows = torch_rows(sol)
    assert len(rows) == 12 and all(r.endswith("✓") for r in rows), rows


def test_a_disagreement_is_marked_with_the_difference(monkeypatch):
    monkeypatch.setattr(torch.nn.Tanh, "forward", lambda self, x: torch.tanh(x) * 1.01)   # PyTorch now differs
    cm = two_layer(chainrule, chainrule.float64)
    sol = explain_step(cm, nn.MSELoss(), optim.SGD(cm.parameters(), lr=0.1), chainrule.tensor(X),
                       chainrule.tensor(Y), verify_torch=True)
    rows = {r.split()[0]: r for r in torch_rows(sol)}
    assert rows["z⁽1⁾"].endswith("✓")                        # before the tanh everything agrees
    a1 = rows["a⁽1⁾"]
    assert "✗ Δ = " in a1
    diff = float(a1.split("Δ = ")[1])
    expected = 0.01 * np.abs(np.tanh(np.array(X) @ np.array([[0.4, -0.3], [0.2, 0.5]]).T + [0.1, -0.2])).max()
    assert diff == pytest.approx(expected, rel=1e-3)
    assert "✗" in rows["L"]


def test_without_pytorch_the_message_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)          # `import torch` now raises ImportError
    cm = two_layer(chainrule, chainrule.float64)
    with pytest.raises(UnsupportedModel, match=r"--verify-torch needs PyTorch, which is not installed \(pip install torch\)"):
        explain_step(cm, nn.MSELoss(), optim.SGD(cm.parameters(), lr=0.1), chainrule.tensor(X), chainrule.tensor(Y),
                     verify_torch=True)
    code, out, err = run_cli("explain", "--verify-torch")
    assert code == 2 and out == ""
    assert "--verify-torch needs PyTorch, which is not installed (pip install torch)" in err
