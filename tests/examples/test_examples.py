"""Each example runs as a script and does what its docstring promises."""
from __future__ import annotations

import re

import pytest

import chainrule
from .helpers import run_example


def test_seed_example_prints_the_lectures_numbers():
    out = run_example("seed")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for line in ["z1 = 0.647800    z2 = 0.722500", "σ1 = 0.656515    σ2 = 0.673157", "σ3 = ŷ = 0.415433",
                 "loss (BCE) = 0.536884", "∂L/∂σ3 = 1.710668", "∂σ3/∂z3 = 0.242848"]:
        assert line in text
    rows = dict(re.findall(r"^  (W\d = weight\d\[\d\]\[\d\]|b\d)\s+\S+\s+\S+\s+(\S+)$", text, flags=re.M))
    assert rows == {"W1 = weight1[0][0]": "0.451360", "W2 = weight1[0][1]": "0.370660",
                    "W3 = weight1[1][0]": "0.184781", "W4 = weight1[1][1]": "0.473181", "b1": "-0.125740",
                    "b2": "0.033581", "W5 = weight2[0][0]": "-0.445238", "W6 = weight2[0][1]": "-0.166752",
                    "b3": "-0.719733"}


def test_xor_example_learns_xor():
    out = run_example("xor")
    assert out.returncode == 0, out.stdout + out.stderr
    loss = float(re.search(r"learned XOR: final loss (\S+)", out.stdout).group(1))
    assert loss < 0.05
    rows = re.findall(r"^  ([01])   ([01])   ([01])       (\S+)$", out.stdout, flags=re.M)
    assert len(rows) == 4
    for x1, x2, target, pred in rows:
        assert int(x1) ^ int(x2) == int(target)
        assert abs(float(pred) - int(target)) < 0.1


def test_xor_restarts_from_a_local_minimum():
    from .helpers import import_example
    xor = import_example("xor")
    calls = []
    real_train = xor.train

    def first_attempt_stuck(model, **kw):
        calls.append(1)
        return real_train(model, epochs=1, log_every=10 ** 9) if len(calls) == 1 else real_train(model, **kw)

    xor.train = first_attempt_stuck
    assert xor.main() == 0 and len(calls) == 2


def test_digits_example_reaches_95_percent_and_saves_loadable_weights(tmp_path):
    pytest.importorskip("sklearn")
    path = tmp_path / "digits.safetensors"
    out = run_example("digits", str(path))
    assert out.returncode == 0, out.stderr
    acc = float(re.search(r"final test accuracy (\S+)%", out.stdout).group(1))
    assert acc >= 95.0
    state = chainrule.load(path)
    assert {k: tuple(v.shape) for k, v in state.items()} == {"0.weight": (64, 64), "0.bias": (64,),
                                                              "2.weight": (10, 64), "2.bias": (10,)}
