"""BatchNorm2d, GroupNorm (module and F.group_norm) and channel-wise dropout (Dropout1d/2d) against PyTorch.

float32 normalisation is compared with PyTorch run in float64 on the same float32 numbers (as in
test_layers.py): PyTorch's float32 kernels cancel to ~1e-5 there, chainrule accumulates in float64."""
import copy
import warnings

import numpy as np
import pytest
import torch as pt
from hypothesis import given, settings, strategies as st

import chainrule
from chainrule import nn
from chainrule.autograd import gradcheck
from oracle import assert_close

DTYPES = [np.float64, np.float32]
LIB_DTYPE = {np.float64: (chainrule.float64, pt.float64), np.float32: (chainrule.float32, pt.float32)}


def twins(build, dtype):
    cd, td = LIB_DTYPE[dtype]
    theirs = build(pt.nn).to(td)
    with pt.no_grad():
        for name, p in theirs.named_parameters():
            (p.uniform_(0.5, 1.5) if name.endswith("weight") else p.uniform_(-0.5, 0.5))
    ours = build(chainrule.nn).to(cd)
    ours.load_state_dict({k: chainrule.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    if dtype == np.float32:
        theirs = copy.deepcopy(theirs).double()
    return ours, theirs


def step(ours, theirs, x, dtype, train, seed=0):
    """One forward and backward in both; outputs, input and parameter gradients, buffers compared."""
    back = LIB_DTYPE[dtype][1]
    ours.train(train), theirs.train(train)
    x = x.astype(dtype)
    xo = chainrule.tensor(x, requires_grad=True)
    xt = pt.tensor(x).to(pt.float64).requires_grad_(True)
    yo, yt = ours(xo), theirs(xt)
    assert_close(yo, yt.to(back), "output")
    w = np.random.default_rng(seed).standard_normal(tuple(yt.shape))
    (yo * chainrule.tensor(w.astype(dtype))).sum().backward()
    (yt * pt.tensor(w)).sum().backward()
    assert_close(xo.grad, xt.grad.to(back), "input grad")
    named = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert_close(named[name].grad, p.grad.to(back), f"grad of {name}")
        named[name].grad, p.grad = None, None
    for name, b in theirs.named_buffers():
        assert_close(dict(ours.named_buffers())[name], b.to(back) if b.is_floating_point() else b, f"buffer {name}")
    return yo


BN = [("default", lambda nn: nn.BatchNorm2d(3)), ("momentum", lambda nn: nn.BatchNorm2d(3, momentum=0.3, eps=1e-3)),
      ("cumulative", lambda nn: nn.BatchNorm2d(3, momentum=None)), ("affine=False", lambda nn: nn.BatchNorm2d(3, affine=False)),
      ("no stats", lambda nn: nn.BatchNorm2d(3, track_running_stats=False)), ("no bias", lambda nn: nn.BatchNorm2d(3, bias=False))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,build", BN, ids=[b[0] for b in BN])
@settings(max_examples=4)
@given(n=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(2, 4), seed=st.integers(0, 2 ** 31))
def test_batchnorm2d_train_then_eval(dtype, name, build, n, h, w, seed):
    ours, theirs = twins(build, dtype)
    r = np.random.default_rng(seed)
    for k in range(3):                                # running statistics accumulate identically
        step(ours, theirs, r.standard_normal((n, 3, h, w)) * 2 + 1, dtype, train=True, seed=k)
    step(ours, theirs, r.standard_normal((n, 3, h, w)), dtype, train=False)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_batchnorm2d_node_and_errors():
    bn = nn.BatchNorm2d(3)
    assert bn(chainrule.randn(2, 3, 2, 2, requires_grad=True)).grad_fn.name == "NativeBatchNormBackward0"
    assert not isinstance(bn, nn.BatchNorm1d)
    for call, exc in ((lambda m, t: m.BatchNorm2d(3)(t(2, 3, 4)), ValueError),
                      (lambda m, t: m.BatchNorm2d(3)(t(1, 3, 1, 1)), ValueError),
                      (lambda m, t: m.BatchNorm2d(3)(t(2, 4, 2, 2)), RuntimeError)):
        with pytest.raises(exc) as theirs:
            call(pt.nn, lambda *s: pt.randn(s))
        with pytest.raises(exc) as ours:
            call(nn, lambda *s: chainrule.randn(*s))
        assert str(theirs.value).replace("torch.", "chainrule.").split(" (")[0] in str(ours.value)


GN = [("2 groups", lambda nn: nn.GroupNorm(2, 4)), ("instance", lambda nn: nn.GroupNorm(4, 4, eps=1e-3)),
      ("layer", lambda nn: nn.GroupNorm(1, 4)), ("affine=False", lambda nn: nn.GroupNorm(2, 4, affine=False)),
      ("no bias", lambda nn: nn.GroupNorm(2, 4, bias=False))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,build", GN, ids=[g[0] for g in GN])
@settings(max_examples=4)
@given(n=st.integers(1, 3), spatial=st.sampled_from([(), (5,), (2, 3), (2, 1, 2)]), seed=st.integers(0, 2 ** 31))
def test_groupnorm(dtype, name, build, n, spatial, seed):
    ours, theirs = twins(build, dtype)
    x = np.random.default_rng(seed).standard_normal((n, 4) + spatial) * 3 + 1
    if not spatial and "instance" in name:
        return                                         # one value per group: PyTorch's variance is 0 too, fine,
    y = step(ours, theirs, x, dtype, train=True)       # but skip the degenerate case (no information)
    assert y.grad_fn.name == "NativeGroupNormBackward0"
    assert repr(ours) == repr(theirs)


def test_group_norm_functional_gradcheck_and_errors():
    x, w, b = (chainrule.tensor(a, requires_grad=True) for a in
               (np.random.default_rng(0).standard_normal((2, 6, 3)), np.linspace(0.5, 1.5, 6), np.linspace(-1, 1, 6)))
    assert gradcheck(lambda x, w, b: nn.functional.group_norm(x, 3, w, b), (x, w, b))
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be divisible by num_groups"):
        nn.functional.group_norm(chainrule.ones(2, 3, 4), 2)
    with pytest.raises(RuntimeError, match="Expected weight to be a vector of size equal to the number of channels"):
        nn.GroupNorm(2, 4)(chainrule.ones(2, 6, 3))
    with pytest.raises(ValueError, match=r"num_channels \(3\) must be divisible by num_groups \(2\)"):
        nn.GroupNorm(2, 3)


# ---------------------------------------------------------------------------------- channel dropout
def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    chainrule.manual_seed(0)
    x = chainrule.ones(40, 50, 3, 3, requires_grad=True)
    y = nn.Dropout2d(0.3)(x)
    v = y.detach().numpy()
    per_channel = v.reshape(40, 50, -1)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()            # a channel is kept or dropped whole
    kept = per_channel[:, :, 0] != 0
    assert abs(kept.mean() - 0.7) < 0.03
    np.testing.assert_allclose(per_channel[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, v != 0)
    assert y.grad_fn.name == pt.nn.Dropout2d(0.3)(pt.ones(2, 2, 2, 2, requires_grad=True)).grad_fn.name()


def test_dropout1d_eval_and_edges():
    chainrule.manual_seed(1)
    drop = nn.Dropout1d(0.5)
    x = chainrule.ones(30, 20, 4)
    v = drop(x).numpy()
    assert (v.min(-1) == v.max(-1)).all() and 0.35 < (v[:, :, 0] != 0).mean() < 0.65
    assert (drop(chainrule.ones(20, 4)).numpy().min(-1) == drop(chainrule.ones(20, 4)).numpy().min(-1)).shape == (20,)
    drop.eval()
    assert drop(x) is x
    assert (nn.Dropout2d(1.0)(chainrule.ones(2, 3, 2, 2)).numpy() == 0).all()
    chainrule.manual_seed(5)
    a = nn.Dropout2d()(chainrule.ones(4, 4, 2, 2)).numpy()
    chainrule.manual_seed(5)
    assert (a == nn.Dropout2d()(chainrule.ones(4, 4, 2, 2)).numpy()).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.functional.dropout2d(x, 1.5)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        nn.functional.dropout1d(chainrule.ones(1, 2, 3, 4))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        nn.functional.dropout2d(chainrule.ones(2, 3, 4))
    assert "Received a 3D input to dropout2d" in str(seen[0].message)
    assert repr(nn.Dropout2d(0.2, inplace=True)) == repr(pt.nn.Dropout2d(0.2, inplace=True))
