"""The vanishing-gradient study: sigmoid collapses with depth, ReLU with default init does not."""
import json

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.viz import vanishing


@pytest.fixture(scope="module")
def deep():
    return vanishing.study([10], ["sigmoid", "tanh", "relu"], seed=0)


def test_sigmoid_first_layer_gradient_is_orders_of_magnitude_below_the_last(deep):
    n = deep.norms[("sigmoid", 10)]
    assert n[0] < 1e-5 * n[-1]                       # measured ≈ 3e-8
    assert np.all(np.diff(np.log(n)) > 0)             # shrinks at every step back


def test_relu_with_default_init_has_no_such_collapse(deep):
    assert deep.ratio("relu", 10) > 1e-3              # measured ≈ 3e-3
    assert deep.ratio("relu", 10) > 1e4 * deep.ratio("sigmoid", 10)
    assert deep.ratio("tanh", 10) > 1e4 * deep.ratio("sigmoid", 10)


def test_shallow_sigmoid_networks_barely_vanish():
    r = vanishing.study([2, 10], ["sigmoid"], seed=0)
    assert r.ratio("sigmoid", 2) > 1e3 * r.ratio("sigmoid", 10)


def test_norms_are_the_engines_gradients():
    import chainrule
    from chainrule import nn
    n = vanishing.layer_gradient_norms(3, "tanh", width=8, batch=4, seed=2)
    chainrule.manual_seed(2)
    model = vanishing.build_mlp(3, "tanh", width=8)
    x, t = chainrule.randn(4, 8), chainrule.randn(4, 1)
    nn.MSELoss()(model(x), t).backward()
    assert n[0] == pytest.approx(float(np.linalg.norm(model[0].weight.grad.numpy())), rel=1e-6)


def test_kaiming_init_keeps_relu_gradients_up():
    d = vanishing.study([10], ["relu"], seed=0)
    k = vanishing.study([10], ["relu"], seed=0, init="kaiming")
    assert k.norms[("relu", 10)][0] > 100 * d.norms[("relu", 10)][0]


def test_parse_depths():
    assert vanishing.parse_depths("2..5") == [2, 3, 4, 5]
    assert vanishing.parse_depths("3..9..3") == [3, 6, 9]
    assert vanishing.parse_depths("2,8") == [2, 8]
    with pytest.raises(ValueError, match="write a range like 2..10"):
        vanishing.parse_depths("two")
    with pytest.raises(ValueError, match="at least 1"):
        vanishing.parse_depths("0..3")


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="unknown activation 'sigmoidd'"):
        vanishing.study([2], ["sigmoidd"])


def test_cli_prints_table_and_writes_plot_and_json(tmp_path, capsys):
    png, js = tmp_path / "v.png", tmp_path / "v.json"
    assert main(["vanishing", "--depths", "2..4", "--activations", "sigmoid,relu", "-o", str(png),
                 "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "layer 1" in out and "first/last" in out and "sigmoid at depth 4" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(js.read_text())
    assert {(r["activation"], r["depth"]) for r in data["results"]} == {(a, d) for a in ("sigmoid", "relu")
                                                                       for d in (2, 3, 4)}


def test_cli_bad_depths_is_a_usage_error(capsys):
    assert main(["vanishing", "--depths", "a..b", "-o", "none"]) == 2
    assert "cannot read depths 'a..b'" in capsys.readouterr().err
