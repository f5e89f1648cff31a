"""Layers against PyTorch with identical weights: outputs and gradients with respect to inputs and
parameters, for hypothesis-drawn batch sizes, in float64 (1e-10) and float32 (1e-5)."""
import copy
import math

import numpy as np
import pytest
import torch as pt
from hypothesis import given, settings, strategies as st

import chainrule
from chainrule import nn
from oracle import assert_close

DTYPES = [np.float64, np.float32]
LIB_DTYPE = {np.float64: (chainrule.float64, pt.float64), np.float32: (chainrule.float32, pt.float32)}


def twins(build, dtype):
    """The same layer in both libraries, our weights copied from PyTorch's."""
    cd, td = LIB_DTYPE[dtype]
    theirs = build(pt.nn).to(td)
    ours = build(chainrule.nn).to(cd)
    with pt.no_grad():          # non-trivial affine parameters for the norm layers
        for name, p in theirs.named_parameters():
            if name.endswith("weight") and p.ndim == 1:
                p.uniform_(0.5, 1.5)
            elif name.endswith("bias") and p.ndim == 1:
                p.uniform_(-0.5, 0.5)
    ours.load_state_dict({k: chainrule.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def check_layer(build, x, dtype, train=True, int_input=False, seed=0, oracle64=False):
    """``oracle64``: for float32, run PyTorch in float64 on the same float32 numbers and round its
    answer — for normalisation layers, whose float32 gradients PyTorch itself gets only to ~1e-5
    (cancellation), while chainrule accumulates them in float64."""
    ours, theirs = twins(build, dtype)
    back = LIB_DTYPE[dtype][1]
    run_dtype = back
    if oracle64 and dtype == np.float32:
        theirs = copy.deepcopy(theirs).double()
        run_dtype = pt.float64
    ours.train(train), theirs.train(train)
    if int_input:
        xo, xt = chainrule.tensor(x), pt.tensor(x)
    else:
        x = x.astype(dtype)
        xo = chainrule.tensor(x, requires_grad=True)
        xt = pt.tensor(x).to(run_dtype).requires_grad_(True)
    yo, yt = ours(xo), theirs(xt)
    assert_close(yo, yt.to(back), "output")
    w = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(dtype)
    (yo * chainrule.tensor(w)).sum().backward()
    (yt * pt.tensor(w).to(yt.dtype)).sum().backward()
    if not int_input:
        assert_close(xo.grad, xt.grad.to(back), "input grad", atol=_atol(xt.grad, dtype))
    named_o = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is None:
            assert named_o[name].grad is None
        else:
            assert_close(named_o[name].grad, p.grad.to(back), f"grad of {name}", atol=_atol(p.grad, dtype))
    for name, b in theirs.named_buffers():
        assert_close(dict(ours.named_buffers())[name], b.to(back) if b.is_floating_point() else b, f"buffer {name}")
    return ours, theirs


def _atol(reference, dtype):
    """float32 sums of many terms cancel: allow ~1e-6 of the largest gradient entry as absolute error."""
    if dtype != np.float32:
        return None
    return 1e-6 * max(1.0, float(np.abs(reference.detach().numpy()).max()))


batch = st.integers(1, 6)
values = st.integers(0, 2 ** 31 - 1)


def draw_x(seed, shape, scale=3.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@given(n=batch, seed=values, lead=st.sampled_from([(), (2,), (2, 3)]))
def test_linear(dtype, bias, n, seed, lead):
    shape = lead + (n, 3) if lead else (n, 3)
    check_layer(lambda nn: nn.Linear(3, 4, bias=bias), draw_x(seed, shape), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_on_a_single_vector(dtype):
    check_layer(lambda nn: nn.Linear(3, 2), draw_x(0, (3,)), dtype)


def test_linear_node_names_follow_pytorch():
    x = chainrule.ones(4, 3)
    assert nn.Linear(3, 2)(x).grad_fn.name == "AddmmBackward0"
    assert nn.Linear(3, 2, bias=False)(x).grad_fn.name == "MmBackward0"


def test_linear_factory_arguments():
    lin = nn.Linear(3, 2, dtype=chainrule.float64, device="cpu")
    assert lin.weight.dtype == chainrule.float64 and lin.bias.dtype == chainrule.float64
    assert tuple(lin.weight.shape) == (2, 3) and tuple(lin.bias.shape) == (2,)
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        nn.Linear(3, 2, device="cuda")


def test_linear_wrong_width_names_the_layer_and_both_shapes():
    lin = nn.Linear(2, 1)
    with pytest.raises(RuntimeError) as err:
        lin(chainrule.ones(1, 3))
    assert str(err.value) == ("Linear(in_features=2, out_features=1, bias=True): input has shape (1, 3) but the "
                              "layer expects (*, 2) — mat1 and mat2 shapes cannot be multiplied (1x3 and 2x1)")
    with pytest.raises(RuntimeError, match=r"input has shape \(2, 5, 3\) .* \(10x3 and 2x1\)"):
        lin(chainrule.ones(2, 5, 3))
    with pytest.raises(RuntimeError, match=r"linear \(weight \(1, 2\)\): input has shape \(4,\)"):
        nn.functional.linear(chainrule.ones(4), lin.weight)


def test_linear_dtype_mismatch_says_how_to_convert():
    with pytest.raises(RuntimeError, match=r"input dtype chainrule.float64 does not match the weight dtype "
                                           r"chainrule.float32.*model.to\(chainrule.float64\)"):
        nn.Linear(2, 1)(chainrule.ones(1, 2, dtype=chainrule.float64))


def test_linear_default_init_is_pytorchs_distribution():
    chainrule.manual_seed(3)
    fan_in = 50
    lin = nn.Linear(fan_in, 400)
    bound = 1 / math.sqrt(fan_in)            # kaiming_uniform_(a=√5) → gain·√(3/fan_in) = 1/√fan_in
    w = lin.weight.detach().numpy()
    b = lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.98 * bound      # the whole interval is used
    assert abs(w.mean()) < 0.01 * bound * 10 and abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert lin.weight.dtype == chainrule.float32
    t = pt.nn.Linear(fan_in, 400).weight.detach().numpy()
    assert abs(t.std() - w.std()) < 0.03 * bound


def test_identity_flatten_unflatten():
    check_layer(lambda nn: nn.Identity(3, key="ignored"), draw_x(0, (2, 3)), np.float64)
    check_layer(lambda nn: nn.Flatten(), draw_x(0, (2, 3, 4)), np.float64)
    check_layer(lambda nn: nn.Flatten(0, 1), draw_x(0, (2, 3, 4)), np.float32)
    check_layer(lambda nn: nn.Unflatten(1, (2, 3)), draw_x(0, (4, 6)), np.float64)
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        nn.Unflatten(1, 6)


# ---------------------------------------------------------------------------------- BatchNorm1d
BN_VARIANTS = [
    ("default", lambda nn: nn.BatchNorm1d(3)),
    ("momentum=0.3", lambda nn: nn.BatchNorm1d(3, momentum=0.3, eps=1e-3)),
    ("momentum=None", lambda nn: nn.BatchNorm1d(3, momentum=None)),
    ("affine=False", lambda nn: nn.BatchNorm1d(3, affine=False)),
    ("no bias", lambda nn: nn.BatchNorm1d(3, bias=False)),
    ("no running stats", lambda nn: nn.BatchNorm1d(3, track_running_stats=False)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,build", BN_VARIANTS, ids=[v[0] for v in BN_VARIANTS])
@settings(max_examples=12)
@given(n=st.integers(2, 6), seed=values, length=st.sampled_from([None, 1, 4]))
def test_batchnorm1d_training_and_eval(dtype, name, build, n, seed, length):
    """float32 is compared with PyTorch run in float64 on the same float32 numbers: batch-norm gradients
    cancel heavily for small batches, and PyTorch's float32 kernel is itself off by ~1e-5 there, while
    chainrule accumulates in float64."""
    shape = (n, 3) if length is None else (n, 3, length)
    ours, theirs = twins(build, dtype)
    if dtype == np.float32:
        theirs = copy.deepcopy(theirs).double()
    for step in range(3):                       # running statistics accumulate identically
        x = (draw_x(seed + step, shape) + 2.0).astype(dtype)
        xo = chainrule.tensor(x, requires_grad=True)
        xt = pt.tensor(x).to(pt.float64)
        assert_close(ours(xo), theirs(xt).to(LIB_DTYPE[dtype][1]), f"train output, step {step}")
    for k, v in theirs.state_dict().items():
        assert_close(ours.state_dict()[k], v.to(pt.float32) if v.is_floating_point() and dtype == np.float32
                     else v, k)
    check_layer_pair(ours, theirs, draw_x(seed, shape), dtype, train=True)
    check_layer_pair(ours, theirs, draw_x(seed + 9, shape), dtype, train=False)


def check_layer_pair(ours, theirs, x, dtype, train):
    ours.train(train), theirs.train(train)
    x = x.astype(dtype)
    xo = chainrule.tensor(x, requires_grad=True)
    xt = pt.tensor(x).to(pt.float64).requires_grad_(True)
    yo, yt = ours(xo), theirs(xt)
    back = LIB_DTYPE[dtype][1]
    assert_close(yo, yt.to(back), "output")
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    (yo * chainrule.tensor(w)).sum().backward()
    (yt * pt.tensor(w).to(pt.float64)).sum().backward()
    assert_close(xo.grad, xt.grad.to(back), "input grad")
    for (name, po), (_, p) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert_close(po.grad, p.grad.to(back), name)
        po.grad, p.grad = None, None


def test_batchnorm_eval_uses_running_stats_and_train_does_not_change_them_in_eval():
    bn = nn.BatchNorm1d(2)
    bn.eval()
    x = chainrule.tensor([[1.0, 2.0], [3.0, 6.0]])
    np.testing.assert_allclose(bn(x).detach().numpy(), x.numpy() / math.sqrt(1 + 1e-5), rtol=1e-6)
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.num_batches_tracked.item() == 0
    bn.train()
    bn(x)
    assert bn.num_batches_tracked.item() == 1
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.2, 0.4], rtol=1e-6)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(chainrule.ones(1, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(chainrule.ones(2, 3, 1, 1))
    with pytest.raises(ValueError, match="input has 4 features in dim 1"):
        nn.BatchNorm1d(3)(chainrule.ones(2, 4))


# ----------------------------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("build", [lambda nn: nn.LayerNorm(4), lambda nn: nn.LayerNorm((3, 4), eps=1e-3),
                                   lambda nn: nn.LayerNorm(4, elementwise_affine=False),
                                   lambda nn: nn.LayerNorm(4, bias=False)])
@given(n=batch, seed=values)
def test_layernorm(dtype, build, n, seed):
    check_layer(build, draw_x(seed, (n, 3, 4)) + 1.0, dtype, oracle64=True)


def test_layernorm_wrong_shape():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\]"):
        nn.LayerNorm(4)(chainrule.ones(2, 3))


# ----------------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
@given(seed=values, shape=st.sampled_from([(5,), (2, 3), (1,)]))
def test_embedding(dtype, padding_idx, seed, shape):
    idx = np.random.default_rng(seed).integers(0, 6, shape)
    check_layer(lambda nn: nn.Embedding(6, 3, padding_idx=padding_idx), idx, dtype, int_input=True)


def test_embedding_padding_row_starts_at_zero_and_errors():
    emb = nn.Embedding(5, 2, padding_idx=1)
    assert emb.weight[1].tolist() == [0.0, 0.0]
    with pytest.raises(IndexError, match=r"index 5 is out of range for an embedding table of 5 rows"):
        emb(chainrule.tensor([0, 5]))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types"):
        emb(chainrule.tensor([0.0, 1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)


def test_embedding_from_pretrained_is_frozen():
    w = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    assert emb(chainrule.tensor([1])).tolist() == [[3.0, 4.0]]


# ------------------------------------------------------------------------------------- Dropout
def test_dropout_in_training_zeroes_about_p_and_scales_the_rest():
    chainrule.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = chainrule.ones(200, 50, requires_grad=True)
    y = drop(x)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, kept)       # gradient flows where the value was kept
    assert y.grad_fn.name == "NativeDropoutBackward0"


def test_dropout_eval_is_identity_and_seed_repeats_the_mask():
    drop = nn.Dropout(0.5)
    x = chainrule.randn(4, 4)
    drop.eval()
    assert drop(x) is x
    drop.train()
    chainrule.manual_seed(7)
    a = drop(x).numpy().copy()
    chainrule.manual_seed(7)
    b = drop(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert nn.Dropout(0.0)(x) is x
    assert (nn.Dropout(1.0)(x).numpy() == 0).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    assert repr(nn.Dropout(0.2)) == repr(pt.nn.Dropout(0.2))


# ------------------------------------------------------------------------ 20 steps of training
def build_mlp(nn):
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Linear(8, 8), nn.LayerNorm(8),
                         nn.SiLU(), nn.Linear(8, 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_twenty_sgd_steps_match_pytorch(dtype):
    ours, theirs = twins(build_mlp, dtype)
    rng = np.random.default_rng(0)
    emb_o, emb_t = twins(lambda nn: nn.Embedding(10, 4), dtype)
    for step in range(20):
        idx = rng.integers(0, 10, 16)
        target = rng.integers(0, 3, 16)
        losses = []
        for lib, model, emb in ((chainrule, ours, emb_o), (pt, theirs, emb_t)):
            x = emb(lib.tensor(idx))
            loss = lib.nn.functional.cross_entropy(model(x), lib.tensor(target), label_smoothing=0.05)
            model.zero_grad(), emb.zero_grad()
            loss.backward()
            lib.nn.utils.clip_grad_norm_(list(model.parameters()) + list(emb.parameters()), 1.0)
            with lib.no_grad():
                for p in list(model.parameters()) + list(emb.parameters()):
                    p -= 0.1 * p.grad
            losses.append(loss)
        assert_close(losses[0], losses[1], f"loss at step {step}")
    for (k, v) in theirs.state_dict().items():
        assert_close(ours.state_dict()[k], v, k)
    assert_close(emb_o.weight, emb_t.weight, "embedding")


@pytest.mark.parametrize("build", [lambda nn, **kw: nn.Linear(3, 2, **kw), lambda nn, **kw: nn.BatchNorm1d(3, **kw),
                                   lambda nn, **kw: nn.LayerNorm(3, **kw), lambda nn, **kw: nn.Embedding(4, 3, **kw)])
def test_factory_arguments_set_dtype_of_parameters_and_float_buffers(build):
    ours = build(chainrule.nn, dtype=chainrule.float64, device="cpu")
    theirs = build(pt.nn, dtype=pt.float64, device="cpu")
    assert {k: v.dtype.name for k, v in ours.state_dict().items()} == \
        {k: str(v.dtype).replace("torch.", "") for k, v in theirs.state_dict().items()}
    ours.reset_parameters()
