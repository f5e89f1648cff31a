"""Every activation (module and functional form) against PyTorch: values and input gradients on
hypothesis-drawn inputs, and at extreme magnitudes (|x| up to 1e4) without a single warning."""
import numpy as np
import pytest
import torch as pt
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import chainrule
from oracle import compare

pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings("error::UserWarning")]

# (name, build(lib) -> callable)
ACTIVATIONS = [
    ("Sigmoid", lambda nn: nn.Sigmoid()),
    ("Tanh", lambda nn: nn.Tanh()),
    ("ReLU", lambda nn: nn.ReLU()),
    ("ReLU6", lambda nn: nn.ReLU6()),
    ("LeakyReLU", lambda nn: nn.LeakyReLU()),
    ("LeakyReLU(0.2)", lambda nn: nn.LeakyReLU(0.2)),
    ("ELU", lambda nn: nn.ELU()),
    ("ELU(0.5)", lambda nn: nn.ELU(alpha=0.5)),
    ("GELU", lambda nn: nn.GELU()),
    ("GELU(tanh)", lambda nn: nn.GELU(approximate="tanh")),
    ("SiLU", lambda nn: nn.SiLU()),
    ("Softplus", lambda nn: nn.Softplus()),
    ("Softplus(2, 5)", lambda nn: nn.Softplus(beta=2.0, threshold=5.0)),
    ("Softplus(0.5, 30)", lambda nn: nn.Softplus(beta=0.5, threshold=30.0)),
    ("LogSigmoid", lambda nn: nn.LogSigmoid()),
    ("Hardtanh", lambda nn: nn.Hardtanh()),
    ("Hardtanh(-2, 3)", lambda nn: nn.Hardtanh(-2.0, 3.0)),
    ("Softmax(1)", lambda nn: nn.Softmax(dim=1)),
    ("Softmax(-1)", lambda nn: nn.Softmax(dim=-1)),
    ("LogSoftmax(1)", lambda nn: nn.LogSoftmax(dim=1)),
    ("Identity", lambda nn: nn.Identity()),
]

FUNCTIONAL = [
    ("sigmoid", lambda F, x: F.sigmoid(x)),
    ("tanh", lambda F, x: F.tanh(x)),
    ("relu", lambda F, x: F.relu(x)),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.3)),
    ("elu", lambda F, x: F.elu(x, 2.0)),
    ("gelu", lambda F, x: F.gelu(x)),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")),
    ("silu", lambda F, x: F.silu(x)),
    ("softplus", lambda F, x: F.softplus(x, beta=3.0, threshold=10.0)),
    ("logsigmoid", lambda F, x: F.logsigmoid(x)),
    ("hardtanh", lambda F, x: F.hardtanh(x, -0.5, 0.5)),
    ("relu6", lambda F, x: F.relu6(x)),
    ("softmax", lambda F, x: F.softmax(x, dim=0)),
    ("log_softmax", lambda F, x: F.log_softmax(x, dim=1)),
]

EXTREMES = np.array([-1e4, -1e3, -710.0, -100.0, -89.0, -30.0, -20.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 5.0,
                     20.0, 30.0, 89.0, 100.0, 710.0, 1e3, 1e4])

arrays = st.sampled_from([np.float64, np.float32]).flatmap(
    lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=5),
                          elements=st.floats(-30, 30, allow_nan=False, width=32)))


@pytest.mark.parametrize("name,build", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@given(x=arrays)
def test_activation_module_matches_pytorch(name, build, x):
    compare(lambda lib, t: build(lib.nn)(t), x)


@pytest.mark.parametrize("name,fn", FUNCTIONAL, ids=[f[0] for f in FUNCTIONAL])
@given(x=arrays)
def test_functional_activation_matches_pytorch(name, fn, x):
    compare(lambda lib, t: fn(lib.nn.functional, t), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,build", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_at_extreme_values_is_finite_and_matches_pytorch(name, build, dtype):
    x = np.stack([EXTREMES, -EXTREMES[::-1]]).astype(dtype)       # (2, 21): softmax rows mix extremes
    ours, theirs = compare(lambda lib, t: build(lib.nn)(t), x)
    assert np.isfinite(ours.detach().numpy()).all() == np.isfinite(theirs.detach().numpy()).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_of_huge_logits_is_one_hot(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype)
    ours, _ = compare(lambda lib, t: lib.nn.functional.softmax(t, dim=1), x)
    np.testing.assert_allclose(ours.detach().numpy(), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_node_names_are_pytorchs():
    x = chainrule.randn(3, requires_grad=True)
    F = chainrule.nn.functional
    names = {f: getattr(F, f)(x).grad_fn.name for f in
             ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "logsigmoid", "hardtanh"]}
    tx = pt.randn(3, requires_grad=True)
    tnames = {f: type(getattr(pt.nn.functional, f)(tx).grad_fn).__name__ for f in names}
    assert names == tnames


def test_implicit_softmax_dim_warns_like_pytorch():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = chainrule.nn.Softmax()(chainrule.ones(2, 3))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy().sum(1), [1, 1], rtol=1e-6)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        chainrule.nn.functional.gelu(chainrule.ones(2), approximate="fast")


def test_hardtanh_rejects_reversed_bounds():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        chainrule.nn.functional.hardtanh(chainrule.ones(2), 1.0, -1.0)
    with pytest.raises(ValueError, match="must be less than max_val"):
        chainrule.nn.Hardtanh(1.0, -1.0)


def test_integer_input_to_float_activation_is_a_clear_error():
    with pytest.raises(RuntimeError, match="expected a floating point input"):
        chainrule.nn.functional.gelu(chainrule.tensor([1, 2]))


def test_inplace_relu_changes_the_input():
    x = chainrule.tensor([-1.0, 2.0])
    y = chainrule.nn.ReLU(inplace=True)(x)
    assert y is x and x.tolist() == [0.0, 2.0]


@pytest.mark.parametrize("name,build", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_repr_is_pytorchs(name, build):
    assert repr(build(chainrule.nn)) == repr(build(pt.nn))
