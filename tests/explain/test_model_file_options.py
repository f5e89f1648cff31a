"""TOML model files reach the newer options: adamw, nesterov, amsgrad, label smoothing, probability targets."""
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.explain import explain_step
from chainrule.explain.model_file import ModelFileError, load_model_file

from .helpers import run_cli

BASE = """layers = [2, 2, 3]
activations = ["silu", "identity"]
dtype = "float64"
x = [[1.0, -0.5], [0.2, 0.3]]
"""
INIT = """[init]
weights = [[[0.4, -0.3], [0.2, 0.5]], [[-0.6, 0.7], [0.1, 0.2], [0.3, -0.4]]]
biases = [[0.1, -0.2], [0.05, 0.0, -0.1]]
"""


def toml_text(rest: str) -> str:
    """The base, then ``rest``'s first line (y, a top-level key), then [init], then rest's tables."""
    y_line, _, tables = rest.partition("\n")
    return BASE + y_line + "\n" + INIT + tables


def python_twin(opt_cls, opt_kw, loss_kw, y):
    from collections import OrderedDict       # the names a TOML file's layers get: linear1, silu1, linear2
    model = nn.Sequential(OrderedDict([("linear1", nn.Linear(2, 2)), ("silu1", nn.SiLU()),
                                       ("linear2", nn.Linear(2, 3))])).to(chainrule.float64)
    with chainrule.no_grad():
        model[0].weight.copy_(chainrule.tensor([[0.4, -0.3], [0.2, 0.5]], dtype=chainrule.float64))
        model[0].bias.copy_(chainrule.tensor([0.1, -0.2], dtype=chainrule.float64))
        model[2].weight.copy_(chainrule.tensor([[-0.6, 0.7], [0.1, 0.2], [0.3, -0.4]], dtype=chainrule.float64))
        model[2].bias.copy_(chainrule.tensor([0.05, 0.0, -0.1], dtype=chainrule.float64))
    return explain_step(model, nn.CrossEntropyLoss(**loss_kw), opt_cls(model.parameters(), **opt_kw),
                        chainrule.tensor([[1.0, -0.5], [0.2, 0.3]], dtype=chainrule.float64), y, step=2)


@pytest.mark.parametrize("toml, opt_cls, opt_kw, loss_kw, y", [
    ('y = [0, 2]\n[loss]\nname = "cross_entropy"\nlabel_smoothing = 0.1\n'
     '[optimizer]\nname = "adamw"\nlr = 0.05\namsgrad = true\n',
     optim.AdamW, {"lr": 0.05, "amsgrad": True}, {"label_smoothing": 0.1}, chainrule.tensor([0, 2])),
    ('y = [[0.2, 0.3, 0.5], [1, 0, 0]]\n[loss]\nname = "cross_entropy"\n'
     '[optimizer]\nname = "sgd"\nlr = 0.5\nmomentum = 0.9\nnesterov = true\n',
     optim.SGD, {"lr": 0.5, "momentum": 0.9, "nesterov": True}, {},
     chainrule.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], dtype=chainrule.float64)),
])
def test_a_toml_file_explains_what_the_same_python_model_does(tmp_path, toml, opt_cls, opt_kw, loss_kw, y):
    path = tmp_path / "m.toml"
    path.write_text(toml_text(toml))
    m = load_model_file(str(path))
    from_toml = explain_step(m.model, m.criterion, m.optimizer, m.x, m.y, step=2)
    assert str(from_toml) == str(python_twin(opt_cls, opt_kw, loss_kw, y))


@pytest.mark.parametrize("toml, words", [
    ('y = [0, 2]\n[loss]\nname = "cross_entropy"\n[optimizer]\nname = "sgd"\nlr = 0.1\nmomentum = 0.9\nnesterov = 1\n',
     "field 'optimizer.nesterov' must be true or false, got 1"),
    ('y = [0, 2]\n[loss]\nname = "cross_entropy"\nlabel_smoothing = 2\n',
     "loss.label_smoothing must be a number from 0 to 1, got 2"),
    ('y = [0, 2]\n[loss]\nname = "cross_entropy"\n[optimizer]\nname = "lion"\nlr = 0.1\n',
     "optimizer.name = 'lion' is not known: expected sgd, adam or adamw"),
    ('y = [0.5, 0.5]\n[loss]\nname = "cross_entropy"\n',
     "field 'y' must list 2 class indices (integers from 0 to 2) for cross_entropy, or one row of 3 class "
     "probabilities per sample"),
])
def test_option_mistakes_name_the_field(tmp_path, toml, words):
    path = tmp_path / "m.toml"
    path.write_text(toml_text(toml))
    with pytest.raises(ModelFileError, match=None) as e:
        load_model_file(str(path))
    assert words in str(e.value)
    code, out, err = run_cli("explain", str(path))
    assert code == 2 and words in err
