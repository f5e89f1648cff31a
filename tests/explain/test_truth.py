"""Issue 10's "never show what is not true": arithmetic as printed, the formula the optimizer applied,
class indices as given."""
import re

from seed_toml import seed_toml

from .helpers import run_cli

SATURATED = """layers = [1, 1]
activations = ["sigmoid"]
dtype = "float64"
x = [[{x}]]
y = [[{y}]]
[init]
weights = [[[1.0]]]
biases = [[0.0]]
[loss]
name = "bce"
[optimizer]
name = "sgd"
lr = 0.1
"""


def explain(tmp_path, text, *argv):
    path = tmp_path / "m.toml"
    path.write_text(text)
    code, out, err = run_cli("explain", str(path), *argv)
    assert code == 0, err
    return out


def test_a_saturated_sigmoid_never_reads_sigma_minus_y_as_zero(tmp_path):
    out = explain(tmp_path, SATURATED.format(x=1000.0, y=0.5))
    # σ = 1 exactly: ∂L/∂z is 0 (PyTorch's BCE floors ŷ(1 - ŷ) at 10⁻¹²), so σ - y = 0.5 must not be claimed
    assert not re.search(r"= σ₁ - y\n\s+= 1\.0000 - 0\.5000\n\s+= 0\.0000", out)
    assert "max(1.0000(1 - 1.0000), 1.0000×10⁻¹²)" in out
    assert "max(log(1 - 1.0000), -100)" in out


def test_numbers_that_do_not_give_the_result_say_they_are_rounded(tmp_path):
    out = explain(tmp_path, SATURATED.format(x=12.0, y=0.5))      # σ = 0.999994 prints as 1.0000
    block = out[out.index("∂σ₁/∂z₁ = σ₁(1 - σ₁)"):]
    block = block[:block.index("\n\n")]
    assert "= 1.0000(1 - 1.0000)" in block and "6.1441×10⁻⁶" in block and "rounded to 4 decimals" in block
    assert "rounded to" not in run_cli("explain")[1]           # the lecture's numbers all add up


def test_sgd_with_momentum_shows_its_own_rule_in_the_introduction(tmp_path):
    out = explain(tmp_path, seed_toml(lr=1).replace('name = "sgd"', 'name = "sgd"\nmomentum = 0.9'))
    intro = out[out.index("4. Back propagation"):out.index("Layer #2")]
    assert "v(t+1) = μv(t) + ∂L/∂Wₙ(t)" in intro and "Wₙ(t+1) = Wₙ(t) - α·v(t+1)" in intro
    assert "Wₙ(t) - α·∂L/∂Wₙ(t)" not in intro


def test_class_indices_are_shown_as_given(tmp_path):
    text = """layers = [2, 3]
activations = ["identity"]
x = [[1, 2]]
y = [2]
[loss]
name = "cross_entropy"
[optimizer]
name = "sgd"
lr = 0.1
"""
    out = explain(tmp_path, text)
    assert "c = 2" in out and "c = 3" not in out and "counted from 0" in out
    assert "-log(p₃)" in out
