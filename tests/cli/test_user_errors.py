"""Item 2 of issue 12: an error in the user's model file is the user's (file, line, message; exit 2).

Only an exception that never passes through the user's code is an internal error (exit 1).
"""
from __future__ import annotations

import pytest

from .helpers import run_cli

WRONG_SHAPE = """\
import torch
from torch import nn, optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))          # line 11: x has 2 features, the layer wants 3


model = Net()
criterion = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=1)
x = torch.tensor([[1.0, 1.0]])
y = torch.tensor([[0.0]])
"""

RAISES = WRONG_SHAPE.replace("nn.Linear(3, 1)", "nn.Linear(2, 1)").replace(
    "        return torch.sigmoid(self.fc(x))          # line 11: x has 2 features, the layer wants 3",
    "        raise ValueError('my forward refuses')     # line 11")

COMMANDS = {
    "explain": ["explain", "{m}"],
    "draw": ["draw", "{m}", "-o", "net.svg"],
    "graph": ["graph", "{m}", "-o", "graph.dot"],
    "check": ["check", "answers.txt", "--model", "{m}"],
    "train": ["train", "{m}", "--dataset", "xor", "--epochs", "1", "--out", "run", "--no-plots", "--no-progress"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("source,words", [(WRONG_SHAPE, "input has shape"), (RAISES, "my forward refuses")],
                         ids=["wrong-shape", "raises-ValueError"])
def test_an_error_in_the_users_forward_names_their_file_and_line(tmp_path, command, source, words):
    (tmp_path / "model.py").write_text(source)
    (tmp_path / "answers.txt").write_text("z1 = 0.5\n")
    argv = [a.format(m="model.py") for a in COMMANDS[command]]
    code, out, err = run_cli(argv, cwd=tmp_path)
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"chainrule {command}: error: model.py:11 (in forward): "), err
    assert words in err and "internal error" not in err and "bug in chainrule" not in err
    assert not (tmp_path / "net.svg").exists() and not (tmp_path / "graph.dot").exists()


def test_an_error_in_a_helper_file_beside_the_model_file_is_the_users_too(tmp_path):
    (tmp_path / "layers.py").write_text("def broken(x):\n    return x.no_such_method()\n")
    (tmp_path / "model.py").write_text(
        "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\nfrom layers import broken\n"
        + WRONG_SHAPE.replace("nn.Linear(3, 1)", "nn.Linear(2, 1)").replace(
            "return torch.sigmoid(self.fc(x))", "return broken(self.fc(x))"))
    code, _, err = run_cli(["explain", "model.py"], cwd=tmp_path)
    assert code == 2 and err.startswith("chainrule explain: error: layers.py:2 (in broken): AttributeError"), err


def test_a_bug_in_chainrule_is_still_an_internal_error(tmp_path, monkeypatch):
    (tmp_path / "model.py").write_text(WRONG_SHAPE.replace("nn.Linear(3, 1)", "nn.Linear(2, 1)"))
    import chainrule.explain

    def broken(*args, **kwargs):
        return {}["no such key"]                 # a KeyError raised inside chainrule, not the user's file

    monkeypatch.setattr(chainrule.explain, "explain_step", broken)
    code, _, err = run_cli(["explain", "model.py"], cwd=tmp_path)
    assert code == 1, err
    assert "internal error: KeyError" in err and "a bug in chainrule" in err
