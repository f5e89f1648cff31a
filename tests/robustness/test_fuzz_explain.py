"""Fuzz ``chainrule explain`` with valid TOML models: random sizes, activations, losses, optimizers,
dtypes and values up to ±1000 (saturated units), with random output options.

Every run ends in exit 0 (the verified explanation) or exit 1 with the one-line chain-rule refusal —
never an internal error, a traceback or a usage error for a file the parser accepted.
"""
from __future__ import annotations

import re

from hypothesis import given, strategies as st

from .fuzzing import fuzz_settings, toml_value
from .helpers import run_cli

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"]
VALUES = st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, 10.0, -30.0, 100.0, 1e3, -1e3, 1e-8])
OPTIONS = ["--hand", "--numeric", "--form=matrix", "--form=scalar", "--notation=indexed", "--lang=ko",
           "--format=html", "--format=latex", "--format=markdown", "--steps=2", "--steps=3", "--decimals=0",
           "--decimals=12"]


@st.composite
def models(draw):
    layers = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    n_linear, n = len(layers) - 1, draw(st.integers(1, 3))
    loss = draw(st.sampled_from(["bce", "bce_with_logits", "mse", "l1", "cross_entropy"]))
    acts = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=n_linear, max_size=n_linear))
    if loss == "bce":
        acts[-1] = "sigmoid"
    doc = {"layers": layers, "activations": acts, "dtype": draw(st.sampled_from(["float32", "float64"])),
           "seed": draw(st.integers(0, 5)), "x": [[draw(VALUES) for _ in range(layers[0])] for _ in range(n)]}
    if loss == "cross_entropy":
        doc["y"] = [draw(st.integers(0, layers[-1] - 1)) for _ in range(n)]
    else:
        targets = [0.0, 1.0, 0.5] if loss.startswith("bce") else [0.0, 1.0, -2.0, 50.0]
        doc["y"] = [[draw(st.sampled_from(targets)) for _ in range(layers[-1])] for _ in range(n)]
    tables = {}
    if draw(st.booleans()):
        tables["init"] = {
            "weights": [[[draw(VALUES) for _ in range(layers[l])] for _ in range(layers[l + 1])]
                        for l in range(n_linear)],
            "biases": [[draw(VALUES) for _ in range(layers[l + 1])] for l in range(n_linear)]}
    tables["loss"] = {"name": loss, "reduction": draw(st.sampled_from(["mean", "sum"]))}
    name = draw(st.sampled_from(["sgd", "adam"]))
    tables["optimizer"] = {"name": name, "lr": draw(st.sampled_from([0.0, 0.1, 1.0, 10.0, 1e3]))}
    if name == "sgd" and draw(st.booleans()):
        tables["optimizer"].update(momentum=draw(st.sampled_from([0.0, 0.9])),
                                   weight_decay=draw(st.sampled_from([0.0, 0.01])))
    text = "".join(f"{k} = {toml_value(v)}\n" for k, v in doc.items())
    return text + "".join(f"[{t}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in kv.items())
                          for t, kv in tables.items())


@fuzz_settings(40)
@given(text=models(), options=st.lists(st.sampled_from(OPTIONS), max_size=3, unique=True))
def test_fuzz_explain_on_valid_model_files(tmp_path_factory, text, options):
    path = tmp_path_factory.mktemp("explain_fuzz") / "model.toml"
    path.write_text(text)
    code, out, err = run_cli(["explain", str(path), *options])
    assert code in (0, 1), (text, options, err)
    if code == 1:
        assert err.startswith("chainrule explain: chain rule check failed for ") and err.count("\n") == 1, err
    else:
        assert out and not re.search(r"\bnan\b", out, re.I), (text, options)   # never a NaN shown


SATURATED_BCE = """layers = [1, 1]
activations = ["sigmoid"]
dtype = "float64"
x = [[1000.0]]
y = [[0.5]]
[init]
weights = [[[1.0]]]
biases = [[0.0]]
[loss]
name = "bce"
[optimizer]
name = "sgd"
lr = 0.1
"""


def test_a_saturated_bce_output_is_explained_not_refused(tmp_path):
    path = tmp_path / "saturated.toml"
    path.write_text(SATURATED_BCE)
    code, _, err = run_cli(["explain", str(path)])
    assert code == 0, err
