"""Clear messages and exit code 2 for bad input; a refusal when the chain rule does not check out."""
import subprocess
import sys
import time

import numpy as np
import pytest

import chainrule
from chainrule.explain import ChainRuleMismatch, explain_step
from chainrule.explain import recorder
from seed_toml import seed_toml

from .helpers import run_cli


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_python_model_file_with_an_error_names_the_line(tmp_path):
    path = write(tmp_path, "m.py", "import torch\nmodel = torch.nn.Linear(2, 1)\nx = undefined_name\n")
    code, out, err = run_cli("explain", path)
    assert code == 2 and out == ""
    assert f"{path}:3: NameError" in err and "Traceback" not in err


def test_python_model_file_missing_a_field(tmp_path):
    path = write(tmp_path, "m.py", "import torch\nmodel = torch.nn.Linear(2, 1)\n")
    code, _, err = run_cli("explain", path)
    assert code == 2 and "defines no `criterion`" in err and "nn.BCELoss()" in err


def test_python_syntax_error(tmp_path):
    path = write(tmp_path, "m.py", "import torch\nmodel = (\n")
    code, _, err = run_cli("explain", path)
    assert code == 2 and "syntax error" in err and f"{path}:" in err


def test_toml_bad_field_is_named(tmp_path):
    path = write(tmp_path, "m.toml", 'layers = [2, 2, 1]\nactivations = ["sigmoid", "swish"]\nx = [[1, 1]]\ny = [[0]]\n')
    code, _, err = run_cli("explain", path)
    assert code == 2 and "activations[1] = 'swish'" in err and "expected one of" in err
    path = write(tmp_path, "w.toml", 'layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\n[init]\nweights = [[[1, 2, 3]]]\n')
    code, _, err = run_cli("explain", path)
    assert code == 2 and "init.weights[0]" in err and "expected [1, 2]" in err
    path = write(tmp_path, "b.toml", "layers = [2, 1\n")
    code, _, err = run_cli("explain", path)
    assert code == 2 and "not valid TOML" in err


def test_toml_model_matches_the_seed(tmp_path):
    path = write(tmp_path, "seed.toml", seed_toml(lr=1))
    code, out, err = run_cli("explain", path)
    assert code == 0, err
    assert "b₃(2) = -0.3043 - 1 × 0.4154" not in out  # sanity of the parse below
    assert "= -0.7197" in out and "= -0.1668" in out


def test_a_layer_outside_the_lecture_form_is_explained_on_its_graph(tmp_path):
    """Issue 10: a Softmax between two Linear layers was refused; it is explained on the recorded graph."""
    path = write(tmp_path, "m.py", "import torch\nfrom torch import nn, optim\n"
                 "model = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1), nn.Linear(2, 1))\n"
                 "criterion = nn.MSELoss()\noptimizer = optim.SGD(model.parameters(), lr=0.1)\n"
                 "x = torch.ones(1, 2)\ny = torch.zeros(1, 1)\n")
    code, out, err = run_cli("explain", path)
    assert code == 0, err
    assert "computational graph" in out and "SoftmaxBackward0" not in err


def test_too_large_for_the_scalar_form(tmp_path):
    path = write(tmp_path, "m.py", "import torch\nfrom torch import nn, optim\n"
                 "model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))\n"
                 "criterion = nn.CrossEntropyLoss()\noptimizer = optim.SGD(model.parameters(), lr=0.1)\n"
                 "x = torch.randn(16, 784)\ny = torch.randint(0, 10, (16,))\n")
    code, _, err = run_cli("explain", path, "--form", "scalar")
    assert code == 2 and "101770 parameters" in err and "--form matrix" in err
    start = time.perf_counter()
    code, out, err = run_cli("explain", path)            # auto: the matrix form
    elapsed = time.perf_counter() - start
    assert code == 0, err
    assert "δ⁽¹⁾ = (W⁽²⁾ᵀδ⁽²⁾) ⊙ relu′(z⁽¹⁾)      [128 × 16]" in out
    assert "mean |∂L/∂W|" in out
    print(f"784-128-10 explained in {elapsed:.2f} s")


def test_other_losses_and_optimizers_are_explained_with_their_own_update():
    """Issue 10: HuberLoss and RMSprop were refused; the graph form explains them, RMSprop with its own rule."""
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 1))
    x, y = chainrule.ones(1, 2), chainrule.zeros(1, 1)
    out = str(explain_step(model, chainrule.nn.HuberLoss(), chainrule.optim.SGD(model.parameters(), lr=0.1), x, y))
    assert "computational graph" in out
    out = str(explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.RMSprop(model.parameters()), x, y))
    assert "RMSprop(lr=0.01, eps=1e-08, alpha=0.99)" in out and "√" in out


def test_a_corrupted_factor_is_refused(monkeypatch):
    real = recorder.record_step

    def corrupted(*args, **kw):
        rec = real(*args, **kw)
        rec.layers[0].local[0, 1] *= 1.01      # ∂σ2/∂z2 off by 1 %
        return rec

    monkeypatch.setattr("chainrule.explain.api.record_step", corrupted)
    code, out, err = run_cli("explain")
    assert code == 1 and out == ""
    assert "chain rule check failed" in err and "withheld" in err


def test_a_corrupted_factor_is_refused_in_the_api(monkeypatch):
    from chainrule.explain import formulas
    monkeypatch.setattr(formulas.Sigmoid, "dfn", lambda self, z, a: a * (1 - a) * 1.5)
    from chainrule.explain.examples import SEED
    from chainrule.explain.model_file import load_model_file
    m = load_model_file(SEED)
    with pytest.raises(ChainRuleMismatch, match="∂a/∂z of layer 2"):
        explain_step(m.model, m.criterion, m.optimizer, m.x, m.y)


def test_python_m_chainrule_explain_works():
    proc = subprocess.run([sys.executable, "-m", "chainrule", "explain", "--decimals", "6"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "= 0.415433" in proc.stdout and "= -0.445238" in proc.stdout


def test_api_solution_renders_in_jupyter():
    from chainrule.explain.examples import SEED
    from chainrule.explain.model_file import load_model_file
    m = load_model_file(SEED)
    sol = explain_step(m.model, m.criterion, m.optimizer, m.x, m.y, numeric=True)
    assert "$$" in sol._repr_markdown_() and "<math" in sol._repr_html_()
    assert "numeric check" in str(sol)
    assert "역전파" in sol.render("text", lang="ko")
    np.testing.assert_allclose(m.model.layer2[0].weight.detach().numpy(), [[-0.445238, -0.166752]], atol=1e-5)
