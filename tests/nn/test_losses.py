"""Every loss, each reduction and option, against PyTorch: values and gradients with respect to the
input (and target / weight where PyTorch gives one), hypothesis-drawn batches, extreme values."""
import numpy as np
import pytest
import torch as pt
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import chainrule
from oracle import compare, assert_close

pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings("error::UserWarning")]

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]


@st.composite
def pairs(draw, lo=-20.0, hi=20.0, tlo=None, thi=None):
    dt = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    el = st.floats(lo, hi, allow_nan=False, width=32)
    tel = el if tlo is None else st.floats(tlo, thi, allow_nan=False, width=32)
    return draw(hnp.arrays(dt, shape, elements=el)), draw(hnp.arrays(dt, shape, elements=tel))


REGRESSION = [
    ("MSELoss", lambda nn, r: nn.MSELoss(reduction=r)),
    ("L1Loss", lambda nn, r: nn.L1Loss(reduction=r)),
    ("SmoothL1Loss", lambda nn, r: nn.SmoothL1Loss(reduction=r)),
    ("SmoothL1Loss(beta=0.5)", lambda nn, r: nn.SmoothL1Loss(reduction=r, beta=0.5)),
    ("SmoothL1Loss(beta=0)", lambda nn, r: nn.SmoothL1Loss(reduction=r, beta=0.0)),
    ("HuberLoss", lambda nn, r: nn.HuberLoss(reduction=r)),
    ("HuberLoss(delta=2.5)", lambda nn, r: nn.HuberLoss(reduction=r, delta=2.5)),
    ("BCEWithLogitsLoss", lambda nn, r: nn.BCEWithLogitsLoss(reduction=r)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,build", REGRESSION, ids=[r[0] for r in REGRESSION])
@given(xy=pairs())
def test_regression_losses_match_pytorch(name, build, reduction, xy):
    x, y = xy
    if name.startswith("BCE"):
        y = (np.abs(y) / 20).astype(x.dtype)        # targets in [0, 1]
    compare(lambda lib, a, b: build(lib.nn, reduction)(a, b), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(xy=pairs(lo=0.0, hi=1.0, tlo=0.0, thi=1.0), use_weight=st.booleans())
def test_bce_matches_pytorch_including_target_gradient(reduction, xy, use_weight):
    p, y = xy
    p = np.clip(p, 1e-3, 1 - 1e-3).astype(p.dtype)        # interior: the target gradient is finite there
    w = np.linspace(0.5, 2.0, p.shape[-1]).astype(p.dtype)

    def fn(lib, a, b):
        weight = lib.tensor(w) if use_weight else None
        return lib.nn.BCELoss(weight=weight, reduction=reduction)(a, b)
    compare(fn, p, y)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_at_exactly_zero_and_one(dtype, reduction):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype)
    ours, theirs = compare(lambda lib, a, b: lib.nn.functional.binary_cross_entropy(a, b, reduction=reduction),
                           p, y, grad=False)
    # the log is clamped at −100: a confident wrong answer costs exactly 100
    if reduction == "none":
        np.testing.assert_allclose(ours.numpy(), [0, 0, 100, 100, np.log(2)], rtol=1e-6)
    pc = chainrule.tensor(p, requires_grad=True)
    ptt = pt.tensor(p, requires_grad=True)
    chainrule.nn.functional.binary_cross_entropy(pc, chainrule.tensor(y), reduction="sum").backward()
    pt.nn.functional.binary_cross_entropy(ptt, pt.tensor(y), reduction="sum").backward()
    assert_close(pc.grad, ptt.grad, "∂L/∂p at 0 and 1")           # ±1e12 from the eps clamp, as PyTorch


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(xy=pairs(), use_weight=st.booleans(), use_pos=st.booleans())
def test_bce_with_logits_weight_and_pos_weight(reduction, xy, use_weight, use_pos):
    x, y = xy
    y = (np.abs(y) / 20).astype(x.dtype)
    c = x.shape[-1]
    w = np.linspace(0.5, 2.0, c).astype(x.dtype)
    pw = np.linspace(3.0, 0.25, c).astype(x.dtype)
    compare(lambda lib, a, b: lib.nn.BCEWithLogitsLoss(
        weight=lib.tensor(w) if use_weight else None, pos_weight=lib.tensor(pw) if use_pos else None,
        reduction=reduction)(a, b), x, y)


@st.composite
def classification(draw, probs=False):
    dt = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(1, 6))
    c = draw(st.integers(2, 5))
    extra = draw(st.sampled_from([(), (3,)]))
    x = draw(hnp.arrays(dt, (n, c) + extra, elements=st.floats(-20, 20, allow_nan=False, width=32)))
    if probs:
        raw = draw(hnp.arrays(dt, (n, c) + extra, elements=st.floats(0.125, 1, width=32)))
        return x, (raw / raw.sum(axis=1, keepdims=True)).astype(dt)
    return x, draw(hnp.arrays(np.int64, (n,) + extra, elements=st.integers(0, c - 1)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=classification(), use_weight=st.booleans(), ignore=st.sampled_from([-100, 0, 1]),
       smoothing=st.sampled_from([0.0, 0.1, 0.5]))
def test_cross_entropy_with_class_indices(reduction, data, use_weight, ignore, smoothing):
    x, t = data
    c = x.shape[1]
    w = np.linspace(0.5, 2.0, c).astype(x.dtype)
    if reduction == "mean" and np.all(t == ignore):
        t[0] = (ignore + 1) % c                       # avoid 0/0 (both give nan, compare handles it anyway)

    def fn(lib, a, tt):
        return lib.nn.CrossEntropyLoss(weight=lib.tensor(w) if use_weight else None, ignore_index=ignore,
                                       reduction=reduction, label_smoothing=smoothing)(a, tt)
    compare(fn, x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=classification(probs=True), use_weight=st.booleans(), smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_with_class_probabilities(reduction, data, use_weight, smoothing):
    x, p = data
    w = np.linspace(0.5, 2.0, x.shape[1]).astype(x.dtype)
    compare(lambda lib, a, b: lib.nn.CrossEntropyLoss(weight=lib.tensor(w) if use_weight else None,
                                                       reduction=reduction, label_smoothing=smoothing)(a, b), x, p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=classification(), use_weight=st.booleans(), ignore=st.sampled_from([-100, 1]))
def test_nll_loss_after_log_softmax(reduction, data, use_weight, ignore):
    x, t = data
    if reduction == "mean" and np.all(t == ignore):
        t[0] = 0
    w = np.linspace(0.5, 2.0, x.shape[1]).astype(x.dtype)
    compare(lambda lib, a, tt: lib.nn.NLLLoss(weight=lib.tensor(w) if use_weight else None, ignore_index=ignore,
                                              reduction=reduction)(lib.nn.LogSoftmax(dim=1)(a), tt), x, t)


def test_unbatched_cross_entropy():
    x = np.array([0.5, -1.0, 2.0])
    compare(lambda lib, a, t: lib.nn.functional.cross_entropy(a, t), x, np.array(2))


# ------------------------------------------------------------------------------------- extremes
BIG = np.array([-1e4, -1e3, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e3, 1e4])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,build", REGRESSION, ids=[r[0] for r in REGRESSION])
def test_regression_losses_at_extreme_values(name, build, reduction, dtype):
    x = BIG.astype(dtype)
    y = (np.linspace(0, 1, BIG.size) if name.startswith("BCE") else -BIG[::-1] / 3).astype(dtype)
    ours, _ = compare(lambda lib, a, b: build(lib.nn, reduction)(a, b), x, y)
    assert np.isfinite(ours.detach().numpy()).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll_at_extreme_logits(dtype, reduction):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e3], [0.0, 0.0, -1e4]], dtype=dtype)
    t = np.array([1, 1, 2])
    ours, _ = compare(lambda lib, a, tt: lib.nn.functional.cross_entropy(a, tt, reduction=reduction,
                                                                         label_smoothing=0.1), x, t)
    assert np.isfinite(ours.detach().numpy()).all()
    compare(lambda lib, a, tt: lib.nn.functional.nll_loss(lib.nn.functional.log_softmax(a, 1), tt,
                                                         reduction=reduction), x, t)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_extreme_pos_weight(dtype):
    x = BIG.astype(dtype)
    y = np.tile([0.0, 1.0], 6)[:BIG.size].astype(dtype)
    pw = np.full(BIG.size, 3.0, dtype=dtype)
    compare(lambda lib, a, b: lib.nn.functional.binary_cross_entropy_with_logits(a, b, pos_weight=lib.tensor(pw)),
            x, y)


# ------------------------------------------------------------------------------ names and repr
def test_fused_loss_nodes_carry_pytorchs_names():
    F = chainrule.nn.functional
    p = chainrule.rand(4, requires_grad=True)
    y = chainrule.rand(4)
    x = chainrule.randn(3, 4, requires_grad=True)
    t = chainrule.tensor([0, 1, 3])
    assert F.binary_cross_entropy(p, y).grad_fn.name == "BinaryCrossEntropyBackward0"
    assert F.binary_cross_entropy_with_logits(p, y).grad_fn.name == "BinaryCrossEntropyWithLogitsBackward0"
    assert F.mse_loss(p, y).grad_fn.name == "MseLossBackward0"
    assert F.smooth_l1_loss(p, y).grad_fn.name == "SmoothL1LossBackward0"
    assert F.huber_loss(p, y).grad_fn.name == "HuberLossBackward0"
    ce = F.cross_entropy(x, t).grad_fn
    assert ce.name == "NllLossBackward0" and ce.edges[0].name == "LogSoftmaxBackward0"


@pytest.mark.parametrize("build", [
    lambda nn: nn.MSELoss(), lambda nn: nn.L1Loss(reduction="sum"), lambda nn: nn.BCELoss(),
    lambda nn: nn.BCEWithLogitsLoss(), lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1),
    lambda nn: nn.NLLLoss(), lambda nn: nn.SmoothL1Loss(), lambda nn: nn.HuberLoss()])
def test_loss_repr_and_state_dict_match_pytorch(build):
    assert repr(build(chainrule.nn)) == repr(build(pt.nn))
    assert list(build(chainrule.nn).state_dict()) == list(build(pt.nn).state_dict())


def test_weighted_loss_keeps_weight_as_a_buffer_like_pytorch():
    w = [1.0, 2.0, 3.0]
    ours = chainrule.nn.CrossEntropyLoss(weight=chainrule.tensor(w))
    theirs = pt.nn.CrossEntropyLoss(weight=pt.tensor(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]


# ------------------------------------------------------------------------------------- errors
def test_bce_rejects_inputs_outside_zero_one():
    with pytest.raises(RuntimeError, match=r"all elements of input should be between 0 and 1.*apply sigmoid"):
        chainrule.nn.BCELoss()(chainrule.tensor([0.5, 1.5]), chainrule.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        chainrule.nn.BCELoss()(chainrule.tensor([-0.1]), chainrule.tensor([1.0]))


def test_bce_rejects_targets_outside_zero_one():
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        chainrule.nn.BCELoss()(chainrule.tensor([0.5]), chainrule.tensor([2.0]))


def test_bce_rejects_mismatched_shapes_like_pytorch():
    with pytest.raises(ValueError, match=r"Using a target size .*\[1, 1\].* different to the input size .*\[2\]"):
        chainrule.nn.BCELoss()(chainrule.tensor([0.5, 0.5]), chainrule.tensor([[1.0]]))
    with pytest.raises(ValueError, match=r"Target size .* must be the same as input size"):
        chainrule.nn.BCEWithLogitsLoss()(chainrule.tensor([0.5, 0.5]), chainrule.tensor([[1.0]]))


def test_mse_with_broadcasting_target_warns_like_pytorch():
    with pytest.warns(UserWarning, match="Using a target size"):
        chainrule.nn.MSELoss()(chainrule.ones(3, 1), chainrule.ones(3))


def test_cross_entropy_class_index_out_of_range_names_index_and_class_count():
    x = chainrule.randn(3, 4)
    with pytest.raises(IndexError, match=r"Target 4 is out of bounds: there are 4 classes.*0\.\.3"):
        chainrule.nn.CrossEntropyLoss()(x, chainrule.tensor([0, 1, 4]))
    with pytest.raises(IndexError, match=r"Target -1 is out of bounds"):
        chainrule.nn.CrossEntropyLoss()(x, chainrule.tensor([0, -1, 2]))
    with pytest.raises(IndexError, match=r"nll_loss: Target 7 is out of bounds"):
        chainrule.nn.NLLLoss()(x, chainrule.tensor([7, 1, 2]))


def test_cross_entropy_batch_mismatch():
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        chainrule.nn.CrossEntropyLoss()(chainrule.randn(3, 4), chainrule.tensor([0, 1]))


def test_nll_loss_with_float_target_says_use_long():
    with pytest.raises(RuntimeError, match=r"target\.long\(\)"):
        chainrule.nn.NLLLoss()(chainrule.randn(3, 4), chainrule.tensor([0.0, 1.0, 2.0]))


def test_class_weight_of_the_wrong_length():
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4 classes"):
        chainrule.nn.CrossEntropyLoss(weight=chainrule.ones(3))(chainrule.randn(2, 4), chainrule.tensor([0, 1]))


def test_probability_target_of_wrong_shape():
    with pytest.raises(RuntimeError, match="must have the input's shape"):
        chainrule.nn.CrossEntropyLoss()(chainrule.randn(2, 4), chainrule.rand(2, 3))


@pytest.mark.parametrize("kwargs,match", [
    (dict(reduction="avg"), "avg is not a valid value for reduction"),
])
def test_invalid_reduction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        chainrule.nn.MSELoss(**kwargs)


def test_negative_beta_and_delta_rejected():
    with pytest.raises(RuntimeError, match="negative values for beta"):
        chainrule.nn.functional.smooth_l1_loss(chainrule.ones(2), chainrule.ones(2), beta=-1.0)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        chainrule.nn.functional.huber_loss(chainrule.ones(2), chainrule.ones(2), delta=0.0)


def test_label_smoothing_out_of_range():
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        chainrule.nn.functional.cross_entropy(chainrule.randn(2, 3), chainrule.tensor([0, 1]), label_smoothing=1.5)


def test_legacy_size_average_and_reduce_arguments():
    a, b = chainrule.tensor([1.0, 3.0]), chainrule.tensor([0.0, 0.0])
    assert chainrule.nn.MSELoss(size_average=False)(a, b).item() == 10.0
    assert chainrule.nn.MSELoss(reduce=False)(a, b).tolist() == [1.0, 9.0]


# ------------------------------------------------------------------ 20 steps of training per loss
TRAINED = [
    ("MSELoss", lambda nn, r: nn.MSELoss(reduction=r), "real"),
    ("L1Loss", lambda nn, r: nn.L1Loss(reduction=r), "real"),
    ("SmoothL1Loss", lambda nn, r: nn.SmoothL1Loss(reduction=r, beta=0.5), "real"),
    ("HuberLoss", lambda nn, r: nn.HuberLoss(reduction=r, delta=0.7), "real"),
    ("BCELoss", lambda nn, r: nn.BCELoss(reduction=r), "prob"),
    ("BCEWithLogitsLoss", lambda nn, r: nn.BCEWithLogitsLoss(reduction=r), "binary"),
    ("CrossEntropyLoss", lambda nn, r: nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1), "index"),
    ("NLLLoss", lambda nn, r: nn.NLLLoss(reduction=r), "logprob"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,build,kind", TRAINED, ids=[t[0] for t in TRAINED])
def test_twenty_sgd_steps_per_loss_match_pytorch(name, build, kind, reduction, dtype):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 4)).astype(dtype) * 0.5
    b0 = rng.standard_normal(3).astype(dtype) * 0.1
    models = {}
    for lib in (chainrule, pt):
        lin = lib.nn.Linear(4, 3, dtype=getattr(lib, "float64" if dtype == np.float64 else "float32"))
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(w0))
            lin.bias.copy_(lib.tensor(b0))
        models[lib.__name__] = lin
    batches = [(rng.standard_normal((8, 4)).astype(dtype), rng.random((8, 3)).astype(dtype),
                rng.integers(0, 3, 8)) for _ in range(20)]
    for x, yr, yi in batches:
        for lib in (chainrule, pt):
            lin = models[lib.__name__]
            out = lin(lib.tensor(x))
            if kind == "prob":
                out = out.sigmoid()
            elif kind == "logprob":
                out = out.log_softmax(1)
            target = lib.tensor(yi) if kind in ("index", "logprob") else lib.tensor(yr)
            loss = build(lib.nn, reduction)(out, target)
            if reduction == "none":
                loss = loss.sum()
            lin.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in lin.parameters():
                    p -= 0.05 * p.grad
    for k, v in models["torch"].state_dict().items():
        assert_close(models["chainrule"].state_dict()[k], v, k,
                     rtol=1e-5 if dtype == np.float32 else None, atol=1e-6 if dtype == np.float32 else None)
