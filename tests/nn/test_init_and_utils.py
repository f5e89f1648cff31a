"""``nn.init`` (in place, under no_grad, PyTorch's distributions) and ``nn.utils`` gradient clipping."""
import copy
import math

import numpy as np
import pytest
import torch as pt
from hypothesis import given, strategies as st

import chainrule
from chainrule import nn
from oracle import assert_close


@pytest.mark.parametrize("name,param", [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                                        ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None),
                                        ("conv2d", None)])
def test_calculate_gain_matches_pytorch(name, param):
    assert nn.init.calculate_gain(name, param) == pt.nn.init.calculate_gain(name, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity swish"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        nn.init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (2, 3, 4, 5)])
def test_fan_in_and_fan_out_match_pytorch(shape):
    assert nn.init._calculate_fan_in_and_fan_out(chainrule.empty(shape)) == \
        pt.nn.init._calculate_fan_in_and_fan_out(pt.empty(shape))


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(chainrule.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        nn.init.kaiming_uniform_(chainrule.empty(3, 3), mode="fan_avg")


def _bound_checks(fill, bound=None, std=None, shape=(300, 200)):
    p = nn.Parameter(chainrule.empty(shape))
    v = p._version
    out = fill(p)
    assert out is p and p.requires_grad and p.is_leaf and p._version > v
    a = p.detach().numpy()
    if bound is not None:
        assert np.abs(a).max() <= bound * (1 + 1e-6)
        assert np.abs(a).max() > 0.99 * bound
        assert abs(a.std() - bound / math.sqrt(3)) < 0.02 * bound
    if std is not None:
        assert abs(a.std() - std) < 0.02 * std
    assert abs(a.mean()) < 0.05 * (bound or std)


def test_uniform_family_bounds():
    fan_in, fan_out = 200, 300
    _bound_checks(lambda t: nn.init.uniform_(t, -0.3, 0.3), bound=0.3)
    _bound_checks(lambda t: nn.init.xavier_uniform_(t, gain=2.0), bound=2.0 * math.sqrt(6 / (fan_in + fan_out)))
    _bound_checks(lambda t: nn.init.kaiming_uniform_(t), bound=math.sqrt(2) * math.sqrt(3 / fan_in))   # a=0: gain √2
    _bound_checks(lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), bound=1 / math.sqrt(fan_in))
    _bound_checks(lambda t: nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
                  bound=math.sqrt(2) * math.sqrt(3 / fan_out))


def test_normal_family_std():
    fan_in, fan_out = 200, 300
    _bound_checks(lambda t: nn.init.normal_(t, 0.0, 0.5), std=0.5)
    _bound_checks(lambda t: nn.init.xavier_normal_(t), std=math.sqrt(2 / (fan_in + fan_out)))
    _bound_checks(lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"), std=math.sqrt(2 / fan_in))
    t = nn.init.trunc_normal_(chainrule.empty(100, 100), std=1.0, a=-1.0, b=1.0)
    assert np.abs(t.numpy()).max() <= 1.0


def test_constant_zeros_ones_eye_orthogonal():
    p = nn.Parameter(chainrule.empty(3, 4))
    assert (nn.init.constant_(p, 0.25).detach().numpy() == 0.25).all()
    assert (nn.init.zeros_(p).detach().numpy() == 0).all()
    assert (nn.init.ones_(p).detach().numpy() == 1).all()
    np.testing.assert_array_equal(nn.init.eye_(p).detach().numpy(), np.eye(3, 4))
    q = nn.init.orthogonal_(chainrule.empty(3, 5)).numpy()
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.eye_(chainrule.empty(2, 2, 2))


def test_init_is_not_recorded_and_keeps_dtype():
    p = nn.Parameter(chainrule.zeros(2, 2, dtype=chainrule.float64))
    nn.init.normal_(p)
    assert p.grad_fn is None and p.dtype == chainrule.float64


def test_init_replaces_nan_values():
    p = nn.Parameter(chainrule.tensor([[float("nan"), float("inf")]]))
    nn.init.zeros_(p)
    assert p.tolist() == [[0.0, 0.0]]


def test_seed_repeats_initialisation():
    chainrule.manual_seed(11)
    a = nn.Linear(4, 3).weight.detach().numpy().copy()
    chainrule.manual_seed(11)
    b = nn.Linear(4, 3).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_zero_element_init_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        nn.init.kaiming_uniform_(chainrule.empty(0, 3))


# ---------------------------------------------------------------------------------- clipping
def _grads(lib, arrays):
    ps = []
    for a in arrays:
        p = lib.nn.Parameter(lib.tensor(a))
        p.grad = lib.tensor(a * 3.0)
        ps.append(p)
    return ps


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(max_norm=st.floats(0.01, 100), norm_type=st.sampled_from([1.0, 2.0, 3.0, float("inf")]),
       seed=st.integers(0, 1000))
def test_clip_grad_norm_matches_pytorch(dtype, max_norm, norm_type, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(5).astype(dtype)]
    ours, theirs = _grads(chainrule, arrays), _grads(pt, arrays)
    n_o = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    n_t = pt.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_close(n_o, n_t, "total norm")
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad, "clipped grad")


@given(clip=st.floats(0.01, 5), seed=st.integers(0, 1000))
def test_clip_grad_value_matches_pytorch(clip, seed):
    arrays = [np.random.default_rng(seed).standard_normal((3, 4))]
    ours, theirs = _grads(chainrule, arrays), _grads(pt, arrays)
    nn.utils.clip_grad_value_(ours, clip)
    pt.nn.utils.clip_grad_value_(theirs, clip)
    assert_close(ours[0].grad, theirs[0].grad, "clipped grad")


def test_clip_grad_norm_nonfinite_error_and_single_tensor():
    p = nn.Parameter(chainrule.ones(2))
    p.grad = chainrule.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    q = nn.Parameter(chainrule.ones(2))
    q.grad = chainrule.tensor([3.0, 4.0])
    assert nn.clip_grad_norm_(q, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(q.grad.numpy(), [0.6, 0.8], rtol=1e-5)


def test_parameters_to_vector_round_trip():
    lin = nn.Linear(2, 3)
    v = nn.utils.parameters_to_vector(lin.parameters())
    assert tuple(v.shape) == (9,)
    nn.utils.vector_to_parameters(v.detach() * 0 + 1, lin.parameters())
    assert (lin.weight.detach().numpy() == 1).all() and (lin.bias.detach().numpy() == 1).all()


# ---------------------------------------------------------------------------------- deepcopy
def test_deepcopy_of_a_model_copies_numbers_not_objects():
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    m(chainrule.randn(4, 2)).pow(2).sum().backward()
    c = copy.deepcopy(m)
    assert repr(c) == repr(m)
    for (n, a), (_, b) in zip(m.named_parameters(), c.named_parameters()):
        assert a is not b and type(b) is nn.Parameter and b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    with chainrule.no_grad():
        c[0].weight.add_(1.0)
    assert not np.array_equal(c[0].weight.detach().numpy(), m[0].weight.detach().numpy())
    np.testing.assert_array_equal(c[1].running_mean.numpy(), m[1].running_mean.numpy())


def test_copy_into_a_parameter_holding_nan_gives_the_new_values():
    p = nn.Parameter(chainrule.tensor([float("nan"), float("inf")]))
    with chainrule.no_grad():
        p.copy_(chainrule.tensor([1.0, 2.0]))
    assert p.tolist() == [1.0, 2.0]
