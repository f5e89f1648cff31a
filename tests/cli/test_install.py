"""Item 1 of issue 12: the default install runs every README command, while the engine needs only NumPy;
a missing package is a usage error naming the pip install, found before any work is done."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .helpers import SRC, run_blocked

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    import tomli as tomllib

ROOT = os.path.dirname(SRC)
OPTIONAL = ["matplotlib", "safetensors", "tqdm", "torch", "scipy", "sklearn", "graphviz", "pandas"]


def test_the_default_install_holds_what_the_readme_commands_import():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split(";")[0].strip() for d in deps}
    assert {"numpy", "matplotlib", "safetensors", "tqdm"} <= names


def test_import_chainrule_and_a_training_step_need_only_numpy():
    code = ("import sys\n"
            f"for name in {OPTIONAL!r}:\n"
            "    sys.modules[name] = None\n"
            "import chainrule as torch\n"
            "from chainrule import nn, optim\n"
            "import chainrule.autograd, chainrule.utils.data, chainrule.explain\n"
            "model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())\n"
            "opt = optim.SGD(model.parameters(), lr=1)\n"
            "loss = nn.BCELoss()(model(torch.tensor([[1.0, 1.0]])), torch.tensor([[0.0]]))\n"
            "loss.backward(); opt.step()\n"
            f"loaded = sorted(n for n in {OPTIONAL!r} if sys.modules.get(n) is not None)\n"
            "print('loaded:', loaded)\n")
    env = dict(os.environ, PYTHONPATH=SRC)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loaded: []"


@pytest.mark.parametrize("argv,blocked,words", [
    (["vanishing", "--depths", "2..40", "--width", "256", "-o", "v.png"], ["matplotlib"],
     "drawing the plot needs matplotlib, which is not installed: python3 -m pip install matplotlib "
     "(or pass -o none to skip it)"),
    (["train", "--dataset", "xor", "--epochs", "1", "--out", "run"], ["matplotlib"],
     "drawing the training plots needs matplotlib, which is not installed: python3 -m pip install matplotlib "
     "(or pass --no-plots)"),
    (["train", "--dataset", "xor", "--epochs", "1", "--out", "run", "--no-plots"], ["safetensors"],
     "writing checkpoints (and so --resume) needs safetensors, which is not installed: "
     "python3 -m pip install safetensors"),
])
def test_a_missing_package_is_a_usage_error_before_any_work(tmp_path, argv, blocked, words):
    done = run_blocked(argv, blocked, cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"chainrule {argv[0]}: error: {words}\n"
    assert done.stdout == ""                          # nothing computed, nothing printed
    assert list(tmp_path.iterdir()) == []             # nothing written


def test_graph_without_dot_says_so_before_tracing(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path), PYTHONPATH=SRC)     # no `dot` on this PATH
    done = subprocess.run([sys.executable, "-m", "chainrule", "graph", "-o", "g.svg"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "needs Graphviz's `dot` program" in done.stderr, done.stderr
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("argv", [["explain"], ["draw", "-o", "net.svg"], ["graph", "-o", "graph.dot"],
                                  ["vanishing", "--depths", "2", "--width", "2", "--batch", "2", "-o", "none"]])
def test_the_commands_that_need_nothing_else_run_on_numpy_alone(tmp_path, argv):
    done = run_blocked(argv, OPTIONAL, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
