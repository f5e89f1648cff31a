"""Exports round-trip: the Python and TOML model files explain, with ``chainrule explain``, the step the page
shows, number for number; the PyTorch script, run by the real PyTorch, takes the same steps; the
safetensors checkpoint holds the current parameters."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from tests.explain.helpers import run_cli


def same_step(page_text: str, cli_text: str, t: int) -> bool:
    """The page numbers the step t (W(t) → W(t+1)); the exported file's own count starts at 1 (and the
    continuation rows of an equation, and the tables' rules, align to labels that may be wider)."""
    renumber = {"(1)": f"({t})", "(2)": f"({t + 1})"}
    cli = re.sub(r"(?<=\S)\((1|2)\)", lambda m: renumber[m.group(0)], cli_text)
    words = lambda text: [w for w in text.split() if w.strip("─═")]  # noqa: E731
    return words(cli) == words(page_text)


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("optimizer, steps", [("adam", 9), ("sgd", 4), ("sgd", 0)])
def test_python_model_file_explains_the_step_shown(tab, tmp_path, optimizer, steps):
    tab.build(optimizer=optimizer, lr=0.3 if optimizer == "sgd" else 0.03, momentum=0.5 if optimizer == "sgd" else 0)
    if steps:
        tab.post("step", {"n": steps})
    shown = tab.get("explain?param=w-0-0-0").json["text"]
    r = tab.get("export/model.py")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    path = _write(tmp_path, "playground_model.py", r.data)
    command = tab.get("explain").json["command"]
    assert command == "chainrule explain playground_model.py --form scalar"       # 17 parameters, 16 a batch
    assert command in r.data.decode()
    code, out, err = run_cli("explain", path, "--form", "scalar")
    assert code == 0, err
    assert same_step(shown, out, max(steps, 1))


def test_toml_model_file_explains_the_step_shown(tab, tmp_path):
    tab.build(optimizer="sgd", lr=0.5, hidden=[3, 2], activations=["relu", "sigmoid"])
    tab.post("step", {"n": 5})
    shown = tab.get("explain").json["text"]
    path = _write(tmp_path, "m.toml", tab.get("export/model.toml").data)
    code, out, err = run_cli("explain", path, "--form", "scalar")
    assert code == 0, err
    # a TOML model file names its layers linear1, relu1, … where the page's Sequential counts 0, 1, …
    names = ["linear1", "relu1", "linear2", "sigmoid2", "linear3", "sigmoid3"]
    out = re.sub("|".join(names), lambda m: str(names.index(m.group(0))), out)
    assert same_step(shown, out, 5)


def test_toml_refuses_optimizer_state_and_says_what_works(tab):
    tab.build()                     # Adam
    assert tab.get("export/model.toml").status_code == 200      # step 0: no state yet
    tab.post("step", {"n": 2})
    r = tab.get("export/model.toml")
    assert r.status_code == 400
    assert "holds no optimizer state, and Adam has some before step 2" in r.json["error"]
    assert "export the Python model file" in r.json["error"]


@pytest.mark.parametrize("settings", [
    {},
    {"dataset": "spirals", "classes": 3, "loss": "cross_entropy", "hidden": [5, 4], "activations": ["relu", "tanh"]},
    {"dataset": "moons", "loss": "mse", "optimizer": "rmsprop", "lr": 0.01, "init": "xavier_uniform", "seed": 3},
])
def test_pytorch_code_replays_the_run_in_pytorch(tab, tmp_path, settings):
    pytest.importorskip("torch")
    tab.build(**settings)
    s = tab.post("step?since=0", {"n": 40}).json
    path = _write(tmp_path, "playground_torch.py", tab.get("export/torch.py").data)
    done = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    torch_losses = [float(line.rsplit(" ", 1)[1]) for line in done.stdout.splitlines()]
    assert len(torch_losses) == 40
    np.testing.assert_allclose(torch_losses, s["losses"], rtol=2e-5, atol=1e-6)


def test_safetensors_holds_the_current_parameters(tab):
    from safetensors.numpy import load
    tab.build(hidden=[3], activations=["relu"])
    net = tab.post("step", {"n": 12}).json["network"]
    r = tab.get("export/safetensors")
    tensors = load(r.data)
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    np.testing.assert_array_equal(tensors["0.weight"], np.float32(net["layers"][0]["w"]))
    np.testing.assert_array_equal(tensors["2.bias"], np.float32(net["layers"][1]["b"]))


@pytest.mark.parametrize("fmt, lang, words", [("markdown", "en", "forward propagation"), ("latex", "ko", "순전파"),
                                              ("html", "en", "<html"), ("text", "ko", "순전파")])
def test_the_explanation_in_every_format(tab, fmt, lang, words):
    tab.build()
    tab.post("step", {"n": 3})
    r = tab.get(f"export/explanation?format={fmt}&lang={lang}")
    assert r.status_code == 200 and words in r.data.decode()
    assert tab.get("export/explanation?format=pdf").status_code == 400
