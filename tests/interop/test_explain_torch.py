"""explain of a model built with the real PyTorch: bridged, explained, every number checked against PyTorch."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from chainrule.explain import explain_step
from chainrule.explain.errors import UnsupportedModel


def _checked_rows(text: str):
    section = text[text.index("Checked against PyTorch"):]
    return [line for line in section.splitlines() if line.rstrip().endswith(("✓", "✗")) or "differ" in line]


def test_a_torch_cnn_is_bridged_explained_and_matches_torch_without_touching_the_original():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    x, y = torch.randn(2, 1, 4, 4), torch.tensor([0, 1])
    text = explain_step(model, torch.nn.CrossEntropyLoss(), opt, x, y, step=2).render("text", "en")
    rows = _checked_rows(text)
    assert len(rows) == 9 and all(r.rstrip().endswith("✓") for r in rows), rows
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    # the explained loss is PyTorch's loss at step 2
    for _ in range(2):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert f"{loss.item():.4f}" in rows[0]


def test_a_torch_chain_of_linear_layers_gets_the_layered_solution_checked():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    text = explain_step(model, torch.nn.BCELoss(), opt, torch.tensor([[1.0, 1.0]]),
                        torch.tensor([[0.0]])).render("text", "en")
    rows = _checked_rows(text)
    assert rows and all(r.rstrip().endswith("✓") for r in rows)
    assert "δ" in text or "∂L/∂z" in text


def test_a_custom_torch_module_is_refused_naming_it():
    class Mine(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x)

    m = Mine()
    with pytest.raises(UnsupportedModel, match="the PyTorch model cannot be bridged to chainrule: the model is a "
                                               "Mine, which has no counterpart in chainrule.nn"):
        explain_step(m, torch.nn.MSELoss(), torch.optim.SGD(m.parameters(), lr=0.1), torch.ones(1, 2), torch.ones(1, 1))


MODEL = """import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv1d(1, 2, 2), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(4, 1))
criterion = torch.nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.tensor([[[1.0, -1.0, 0.5]]])
y = torch.tensor([[0.25]])
"""


def _explain(tmp_path, text, *args):
    path = tmp_path / "model.py"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "chainrule", "explain", str(path), *args], capture_output=True,
                          text=True, cwd=tmp_path)


def test_cli_with_torch_runs_the_file_with_pytorch_and_checks_every_number(tmp_path):
    out = _explain(tmp_path, MODEL, "--with-torch", "--steps", "2")
    assert out.returncode == 0, out.stderr
    rows = _checked_rows(out.stdout)
    # the loss, every parameter and, node by node, every intermediate value and its gradient
    assert len(rows) > 9 and all(r.rstrip().endswith("✓") for r in rows), rows
    assert rows[0].split()[0] == "L" and any(r.split()[0] == "∂L/∂h₀" for r in rows), rows


def test_cli_with_torch_reports_the_users_mistake_with_its_line(tmp_path):
    out = _explain(tmp_path, MODEL.replace("criterion = torch.nn.MSELoss()", "criterion = torch.nn.NoSuchLoss()"),
                   "--with-torch")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "model.py:4: AttributeError" in out.stderr
    custom = MODEL.replace("model = torch.nn.Sequential(", "class M(torch.nn.Sequential):\n    pass\nmodel = M(")
    out = _explain(tmp_path, custom, "--with-torch")
    assert out.returncode == 2 and "the PyTorch model cannot be bridged to chainrule: the model is a M" in out.stderr
    out = _explain(tmp_path, MODEL.replace("y = torch", "target_values = torch"), "--with-torch")
    assert out.returncode == 2 and "must define model, criterion (or loss_fn), optimizer, x and y" in out.stderr


def test_torch_batches_are_bridged_too():
    import chainrule
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [(torch.randn(4, 2), torch.randn(4, 1)) for _ in range(2)]
    solution = explain_step(model, torch.nn.MSELoss(), opt, data=data, step=3)
    # the loss of step 3 (batch 1 again) is what PyTorch computes after two steps on batches 0 and 1
    twin = chainrule.interop.bridge.from_torch(model)
    assert twin is not None
    for k in range(2):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(data[k][0]), data[k][1]).backward()
        opt.step()
    loss = torch.nn.functional.mse_loss(model(data[0][0]), data[0][1]).item()
    assert f"{loss:.4f}" in solution.render("text", "en")
