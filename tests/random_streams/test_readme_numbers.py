"""The README's vanishing-gradient numbers are what `chainrule vanishing` measures — and, because the
random stream is PyTorch's, what the same network gives in PyTorch."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from chainrule.viz.vanishing import layer_gradient_norms

README = Path(__file__).resolve().parents[2] / "README.md"


def _torch_ratio(activation: str) -> float:
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    torch.manual_seed(0)
    layers = []
    for _ in range(9):
        layers += [torch.nn.Linear(64, 64), act()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(64, 1))
    x, target = torch.randn(256, 64), torch.randn(256, 1)
    torch.nn.MSELoss()(model(x), target).backward()
    norms = [float(np.linalg.norm(m.weight.grad.numpy().astype(np.float64))) for m in model
             if isinstance(m, torch.nn.Linear)]
    return norms[0] / norms[-1]


@pytest.mark.parametrize("activation,label", [("sigmoid", "sigmoid"), ("tanh", "tanh"), ("relu", "ReLU")])
def test_readme_vanishing_numbers(activation, label):
    norms = layer_gradient_norms(10, activation, width=64, batch=256, seed=0)
    ours = norms[0] / norms[-1]
    theirs = _torch_ratio(activation)
    assert ours == pytest.approx(theirs, rel=1e-4)
    printed = re.search(rf"{label} (\d\.\de[-+]\d\d)", README.read_text(encoding="utf-8")).group(1)
    assert printed == f"{ours:.1e}"


def test_readme_randn_example():
    import chainrule
    text = README.read_text(encoding="utf-8").replace("\n", " ")
    printed = re.search(r"`torch\.randn\(3\)` is\s+`(tensor\(\[[^`]*\]\))`", text).group(1)
    chainrule.manual_seed(0)
    ours = str(chainrule.randn(3))
    torch.manual_seed(0)
    assert ours == printed == str(torch.randn(3))
