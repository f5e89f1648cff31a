"""Item 3 of issue 12: TOML model files are strict (an unknown key is an error naming the key, its table
and the closest valid key), `explain --help` points to the format, and `explain --template` writes a
commented model file that loads and explains the lecture's step."""
from __future__ import annotations

import re

import pytest

from seed_toml import SEED_TOML

from .helpers import run_cli

#: (what the user wrote, replacing what, the words of the error)
MISTAKES = [
    ('activation = ["relu", "tanh"]', 'activations = ["sigmoid", "sigmoid"]',
     "unknown key 'activation' at the top level (did you mean 'activations'?)"),
    ("seeed = 3\nx = ", "x = ", "unknown key 'seeed' at the top level (did you mean 'seed'?)"),
    ('name = "bce"\nreductoin = "sum"', 'name = "bce"', "unknown key 'reductoin' in [loss] (did you mean 'reduction'?)"),
    ("lr = 1.0\nmomentun = 0.9", "lr = 1.0", "optimizer field 'momentun' is not an option of sgd (did you mean 'momentum'?)"),
    ("learning_rate = 0.5", "lr = 1.0", "optimizer field 'learning_rate' is not an option of sgd (did you mean 'lr'?)"),
    ("bias = [[0, 0], [0]]\nbiases =", "biases =", "unknown key 'bias' in [init] (did you mean 'biases'?)"),
    ('name = "bce"\nlabel_smoothing = 0.1', 'name = "bce"', "loss.label_smoothing is an option of cross_entropy only"),
]


@pytest.mark.parametrize("command", ["explain", "draw"])
@pytest.mark.parametrize("wrote,instead_of,words", MISTAKES, ids=["activation", "seeed", "reductoin", "momentun",
                                                                 "learning_rate", "bias", "label_smoothing"])
def test_an_unknown_key_is_an_error_naming_it_and_the_closest_valid_key(tmp_path, command, wrote, instead_of, words):
    assert instead_of in SEED_TOML
    (tmp_path / "m.toml").write_text(SEED_TOML.replace(instead_of, wrote, 1))
    argv = [command, "m.toml"] + (["-o", "net.svg"] if command == "draw" else [])
    code, out, err = run_cli(argv, cwd=tmp_path)
    assert code == 2 and out == "", err
    assert err.startswith(f"chainrule {command}: error: m.toml: {words}"), err
    assert err.count("\n") == 1


def test_explain_help_points_to_the_model_file_format():
    code, out, _ = run_cli(["explain", "--help"])
    assert code == 0
    assert "--template" in out and "python3 -m pydoc chainrule.explain.model_file" in out


def test_the_template_loads_and_explains_the_lectures_step(tmp_path):
    code, template, err = run_cli(["explain", "--template"])
    assert code == 0, err
    assert template.startswith("#") and template.count("#") > 20          # commented
    (tmp_path / "model.toml").write_text(template)
    code, out, err = run_cli(["explain", "model.toml"], cwd=tmp_path)
    assert code == 0, err
    from chainrule.explain import explain_step
    from chainrule.explain.examples import SEED
    from chainrule.explain.model_file import load_model_file
    m = load_model_file(SEED)
    lecture = explain_step(m.model, m.criterion, m.optimizer, m.x, m.y).render("text")
    pick = re.compile(r"W₅\(2\) = .*?\n.*?\n\s*= (\S+)")
    value = pick.search(out).group(1)
    assert value == pick.search(lecture).group(1) and value.replace("−", "-") == "-0.4452"


def test_the_template_names_every_key_a_model_file_may_hold():
    from chainrule.commands.explain import template
    from chainrule.explain.model_file import TOML_KEYS
    text = template()
    for table, keys in TOML_KEYS.items():
        if table:
            assert f"[{table}]" in text
        for key in keys:
            assert key in TOML_KEYS and f"[{key}]" in text or re.search(rf"^#?\s*{key}\s*=", text, re.M), key
    for option in ("momentum", "dampening", "weight_decay", "nesterov", "betas", "eps", "amsgrad"):
        assert option in text
