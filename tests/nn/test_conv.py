"""Convolutions (F.conv1d/2d/3d, F.conv_transpose1d/2d, nn.Conv*, nn.ConvTranspose*), F.pad, F.unfold and
F.fold against PyTorch: forward values and the gradient of every input and parameter, on
hypothesis-drawn shapes and hyper-parameters, float64 (1e-10) and float32; gradcheck in float64;
PyTorch's exception class (and the argument named) where PyTorch raises."""
import math
import warnings

import numpy as np
import pytest
import torch as pt
from hypothesis import assume, given, settings, strategies as st

import chainrule
from chainrule import nn
from chainrule.autograd import gradcheck
from oracle import assert_close, compare

DTYPES = [np.float64, np.float32]
LIB_DTYPE = {np.float64: (chainrule.float64, pt.float64), np.float32: (chainrule.float32, pt.float32)}


def arrays(seed, *shapes, dtype=np.float64):
    r = np.random.default_rng(seed)
    return [r.standard_normal(s).astype(dtype) for s in shapes]


def f32_atol(dtype, scale=1.0):
    """float32 sums over many window positions: allow ~1e-5 of the gradient's size as absolute error."""
    return None if dtype == np.float64 else 2e-5 * scale


def compare_with_bias(fn, x, w, b, dtype):
    """compare(fn) with or without a bias array (fn gets the bias tensor or None)."""
    if b is None:
        return compare(lambda lib, x, w: fn(lib, x, w, None), x, w, atol=f32_atol(dtype), rtol=None if
                       dtype == np.float64 else 1e-4)
    return compare(fn, x, w, b, atol=f32_atol(dtype), rtol=None if dtype == np.float64 else 1e-4)


# ---------------------------------------------------------------------------------------- conv2d
conv_cases = st.fixed_dictionaries(dict(
    n=st.integers(0, 3), groups=st.integers(1, 3), cin_g=st.integers(1, 2), cout_g=st.integers(1, 3),
    h=st.integers(1, 7), w=st.integers(1, 7), kh=st.integers(1, 3), kw=st.integers(1, 3),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.one_of(st.tuples(st.integers(0, 2), st.integers(0, 2)), st.sampled_from(["same", "valid"])),
    bias=st.booleans(), seed=st.integers(0, 2 ** 31 - 1)))


def _fits(c, spatial, kernel, padding, dilation):
    if padding == "same" or padding == "valid":
        pads = [dl * (k - 1) if padding == "same" else 0 for k, dl in zip(kernel, dilation)]
    else:
        pads = [2 * p for p in padding]
    return all(n + p >= dl * (k - 1) + 1 for n, p, k, dl in zip(spatial, pads, kernel, dilation))


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20)
@given(c=conv_cases)
def test_conv2d_matches_pytorch(dtype, c):
    stride = (1, 1) if c["padding"] == "same" else c["stride"]
    assume(_fits(c, (c["h"], c["w"]), (c["kh"], c["kw"]), c["padding"], c["dilation"]))
    g = c["groups"]
    x, w, b = arrays(c["seed"], (c["n"], g * c["cin_g"], c["h"], c["w"]), (g * c["cout_g"], c["cin_g"], c["kh"], c["kw"]),
                     (g * c["cout_g"],), dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # PyTorch and chainrule both warn for 'same' with an even kernel
        ours, theirs = compare_with_bias(
            lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride, c["padding"], c["dilation"], g),
            x, w, b if c["bias"] else None, dtype)
    assert ours.grad_fn.name == theirs.grad_fn.name() == "ConvolutionBackward0"


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=12)
@given(n=st.integers(1, 3), groups=st.integers(1, 2), length=st.integers(1, 9), k=st.integers(1, 4),
       stride=st.integers(1, 3), padding=st.integers(0, 2), dilation=st.integers(1, 2), seed=st.integers(0, 2 ** 31))
def test_conv1d_matches_pytorch(dtype, n, groups, length, k, stride, padding, dilation, seed):
    assume(length + 2 * padding >= dilation * (k - 1) + 1)
    x, w, b = arrays(seed, (n, 2 * groups, length), (3 * groups, 2, k), (3 * groups,), dtype=dtype)
    compare_with_bias(lambda lib, x, w, b: lib.nn.functional.conv1d(x, w, b, stride, padding, dilation, groups),
                      x, w, b, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv3d_matches_pytorch(dtype):
    x, w, b = arrays(3, (2, 4, 4, 5, 3), (6, 2, 2, 3, 1), (6,), dtype=dtype)
    compare_with_bias(lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, (1, 2, 1), (1, 0, 1), (2, 1, 1), 2),
                      x, w, b, dtype)


def test_unbatched_input_is_one_sample():
    x, w, b = arrays(1, (3, 6, 5), (4, 3, 3, 3), (4,))
    ours, theirs = compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1), x, w, b)
    assert ours.grad_fn.name == theirs.grad_fn.name() == "SqueezeBackward1"
    compare(lambda lib, x, w: lib.nn.functional.conv1d(x, w), *arrays(2, (3, 7), (2, 3, 2)))


@pytest.mark.parametrize("needs", [(False, True, True), (True, False, False), (False, False, True)])
def test_gradients_of_only_some_inputs(needs):
    """A first layer (input without grad), a frozen kernel, a bias alone: each asked-for gradient matches."""
    for f, shapes in (("conv2d", ((2, 4, 5, 5), (6, 2, 3, 3), (6,))), ("conv_transpose2d", ((2, 4, 3, 3), (4, 3, 2, 2), (6,)))):
        arrs = arrays(1, *shapes)
        ours = [chainrule.tensor(a, requires_grad=r) for a, r in zip(arrs, needs)]
        theirs = [pt.tensor(a, requires_grad=r) for a, r in zip(arrs, needs)]
        getattr(nn.functional, f)(*ours, groups=2).sum().backward()
        getattr(pt.nn.functional, f)(*theirs, groups=2).sum().backward()
        for o, t in zip(ours, theirs):
            assert (o.grad is None) == (t.grad is None)
            if t.grad is not None:
                assert_close(o.grad, t.grad)


def test_conv_is_the_sliding_window_sum():
    """The definition written out: z₁₁ = K₁₁x₁₁ + K₁₂x₁₂ + K₂₁x₂₁ + K₂₂x₂₂ + b on a 4×4 input, 2×2 kernel."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    k = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    y = nn.functional.conv2d(chainrule.tensor(x), chainrule.tensor(k), chainrule.tensor([0.5], dtype=chainrule.float64)).numpy()
    expected = np.array([[(k[0, 0] * x[0, 0, i:i + 2, j:j + 2]).sum() + 0.5 for j in range(3)] for i in range(3)])
    np.testing.assert_array_equal(y[0, 0], expected)


@pytest.mark.parametrize("padding,stride,dilation,groups", [(1, 1, 1, 1), ((2, 0), (2, 1), (1, 2), 2), ("same", 1, 2, 1)])
def test_conv2d_gradcheck(padding, stride, dilation, groups):
    x, w, b = [chainrule.tensor(a, requires_grad=True) for a in arrays(5, (2, 4, 5, 6), (4, 4 // groups, 3, 2), (4,))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(lambda x, w, b: nn.functional.conv2d(x, w, b, stride, padding, dilation, groups), (x, w, b))


def test_conv_transpose_gradcheck():
    x, w, b = [chainrule.tensor(a, requires_grad=True) for a in arrays(6, (2, 4, 3, 4), (4, 3, 3, 2), (6,))]
    assert gradcheck(lambda x, w, b: nn.functional.conv_transpose2d(x, w, b, 2, 1, 1, 2, 1), (x, w, b))


# ------------------------------------------------------------------------------- conv_transpose
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=15)
@given(n=st.integers(0, 3), groups=st.integers(1, 2), h=st.integers(1, 5), w=st.integers(1, 5),
       kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)), stride=st.tuples(st.integers(1, 3), st.integers(1, 2)),
       padding=st.tuples(st.integers(0, 2), st.integers(0, 1)), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       extra=st.tuples(st.integers(0, 2), st.integers(0, 2)), bias=st.booleans(), seed=st.integers(0, 2 ** 31))
def test_conv_transpose2d_matches_pytorch(dtype, n, groups, h, w, kernel, stride, padding, dilation, extra, bias, seed):
    output_padding = tuple(min(e, max(s, d) - 1) for e, s, d in zip(extra, stride, dilation))
    out = [(m - 1) * s - 2 * p + d * (k - 1) + op + 1
           for m, s, p, d, k, op in zip((h, w), stride, padding, dilation, kernel, output_padding)]
    assume(all(o > 0 for o in out))
    x, wt, b = arrays(seed, (n, 2 * groups, h, w), (2 * groups, 3) + kernel, (3 * groups,), dtype=dtype)
    ours, theirs = compare_with_bias(
        lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, stride, padding, output_padding, groups,
                                                                dilation), x, wt, b if bias else None, dtype)
    assert ours.grad_fn.name == theirs.grad_fn.name()


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_transpose1d_matches_pytorch(dtype):
    x, w, b = arrays(4, (2, 4, 5), (4, 3, 3), (6,), dtype=dtype)
    compare_with_bias(lambda lib, x, w, b: lib.nn.functional.conv_transpose1d(x, w, b, 2, 1, 1, 2), x, w, b, dtype)
    compare(lambda lib, x, w: lib.nn.functional.conv_transpose1d(x, w), *arrays(5, (4, 5), (4, 2, 2)))


def test_conv_transpose_is_conv2ds_input_gradient():
    """conv_transpose2d(g, W) is exactly ∂L/∂x of conv2d(x, W) for the upstream gradient g."""
    x, w = arrays(7, (2, 3, 7, 6), (5, 3, 3, 3))
    xt = chainrule.tensor(x, requires_grad=True)
    y = nn.functional.conv2d(xt, chainrule.tensor(w), stride=2, padding=1)
    g = np.random.default_rng(0).standard_normal(tuple(y.shape))
    y.backward(chainrule.tensor(g))
    back = nn.functional.conv_transpose2d(chainrule.tensor(g), chainrule.tensor(w), stride=2, padding=1,
                                          output_padding=(0, 1))
    np.testing.assert_allclose(back.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------------ modules
def twins(build, dtype):
    cd, td = LIB_DTYPE[dtype]
    theirs = build(pt.nn).to(td)
    ours = build(chainrule.nn).to(cd)
    ours.load_state_dict({k: chainrule.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def check_module(build, x, dtype, **call):
    ours, theirs = twins(build, dtype)
    x = x.astype(dtype)
    xo, xt = chainrule.tensor(x, requires_grad=True), pt.tensor(x, requires_grad=True)
    yo, yt = ours(xo, **call), theirs(xt, **call)
    tol = dict(atol=f32_atol(dtype), rtol=None if dtype == np.float64 else 1e-4)
    assert_close(yo, yt, "output", **tol)
    w = np.random.default_rng(0).standard_normal(tuple(yt.shape)).astype(dtype)
    (yo * chainrule.tensor(w)).sum().backward()
    (yt * pt.tensor(w)).sum().backward()
    assert_close(xo.grad, xt.grad, "input grad", **tol)
    named = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert_close(named[name].grad, p.grad, f"grad of {name}", **tol)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    return ours, theirs


MODULES = [
    ("Conv2d", lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 6, 5)),
    ("Conv2d strided", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2,
                                            bias=False), (2, 4, 7, 6)),
    ("Conv2d same", lambda nn: nn.Conv2d(3, 2, 4, padding="same", dilation=1), (1, 3, 5, 5)),
    ("Conv2d reflect", lambda nn: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect"), (2, 2, 5, 6)),
    ("Conv2d replicate", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"), (2, 2, 4, 4)),
    ("Conv2d circular", lambda nn: nn.Conv2d(2, 3, 3, stride=2, padding=2, padding_mode="circular"), (2, 2, 5, 4)),
    ("Conv1d", lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (3, 4, 9)),
    ("Conv1d same reflect", lambda nn: nn.Conv1d(2, 2, 4, padding="same", padding_mode="reflect"), (2, 2, 7)),
    ("Conv3d", lambda nn: nn.Conv3d(2, 2, 2, padding=1), (1, 2, 3, 3, 3)),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 3, 4)),
    ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 2, 4, stride=3, dilation=2, bias=False), (2, 3, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,build,shape", MODULES, ids=[m[0] for m in MODULES])
def test_conv_modules_match_pytorch(dtype, name, build, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_module(build, np.random.default_rng(0).standard_normal(shape), dtype)


def test_conv_transpose_output_size_picks_output_padding():
    check_module(lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), np.ones((1, 2, 4, 4)), np.float64,
                 output_size=[8, 7])
    with pytest.raises(ValueError, match="requested an output size of"):
        nn.ConvTranspose2d(2, 3, 3, stride=2)(chainrule.ones(1, 2, 4, 4), output_size=[20, 20])


def test_conv_default_init_is_pytorchs_distribution_and_factory_kwargs():
    chainrule.manual_seed(0)
    conv = nn.Conv2d(6, 400, 5, groups=2)
    fan_in = 3 * 25                                  # in_channels/groups · kH · kW
    bound = 1 / math.sqrt(fan_in)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    t = pt.nn.Conv2d(6, 400, 5, groups=2).weight.detach().numpy()
    assert abs(t.std() - w.std()) < 0.01 * bound
    tr = nn.ConvTranspose2d(4, 6, 3)                 # fan_in = weight.size(1)·k·k = 6·9
    assert np.abs(tr.weight.detach().numpy()).max() <= 1 / math.sqrt(54)
    c64 = nn.Conv1d(2, 3, 2, dtype=chainrule.float64)
    assert c64.weight.dtype == chainrule.float64 and c64.bias.dtype == chainrule.float64
    assert tuple(c64.weight.shape) == (3, 2, 2) and tuple(tr.weight.shape) == (4, 6, 3, 3)
    assert nn.Conv2d(2, 3, 1, bias=False).bias is None
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "transposed",
                 "output_padding", "groups", "padding_mode", "_reversed_padding_repeated_twice"):
        for build in (lambda m: m.Conv2d(2, 4, (3, 2), padding="same"), lambda m: m.ConvTranspose2d(2, 4, 3, 2, 1)):
            assert getattr(build(nn), attr) == getattr(build(pt.nn), attr), attr


def test_cnn_state_dict_moves_to_pytorch():
    def build(m):
        return m.Sequential(m.Conv2d(1, 4, 3), m.BatchNorm2d(4), m.ReLU(), m.MaxPool2d(2), m.Flatten(), m.Linear(36, 3))
    ours, theirs = build(nn), build(pt.nn)
    theirs.load_state_dict({k: pt.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    ours.eval(), theirs.eval()
    assert_close(ours(chainrule.tensor(x)), theirs(pt.tensor(x)), "output", atol=1e-6)
    assert repr(ours) == repr(theirs)


# ---------------------------------------------------------------------------------------------- pad
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=15)
@given(mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]), dims=st.integers(1, 3),
       batched=st.booleans(), sizes=st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(2, 5)),
       widths=st.lists(st.integers(-1, 3), min_size=6, max_size=6), seed=st.integers(0, 2 ** 31))
def test_pad_matches_pytorch(dtype, mode, dims, batched, sizes, widths, seed):
    shape = (2, 3)[:2 if batched else 1] + sizes[3 - dims:]
    pad = tuple(widths[:2 * dims])
    for i in range(dims):                     # keep within what each mode allows
        n = shape[len(shape) - 1 - i]
        lo, hi = pad[2 * i], pad[2 * i + 1]
        assume(n + lo + hi >= 1)
        if mode == "reflect":
            assume(max(lo, hi) < n)
        if mode == "circular":     # (negative circular widths: PyTorch's result is not a crop; see docs/layers.md)
            assume(max(lo, hi) <= n and min(lo, hi) >= 0)
    x, = arrays(seed, shape, dtype=dtype)
    kw = {"value": 1.5} if mode == "constant" else {}
    ours, theirs = compare(lambda lib, x: lib.nn.functional.pad(x, pad, mode, **kw), x)
    if mode != "circular":
        assert ours.grad_fn.name == theirs.grad_fn.name()


PAD_MODULES = ["ZeroPad2d(1)", "ZeroPad1d((2, 0))", "ConstantPad2d((1, 0, 2, 1), 3.5)", "ConstantPad1d(2, -1.0)",
               "ReflectionPad2d((1, 0, 2, 1))", "ReflectionPad1d(2)", "ReplicationPad2d(2)", "ReplicationPad1d((0, 3))",
               "CircularPad2d(1)", "CircularPad1d((1, 2))"]


@pytest.mark.parametrize("spec", PAD_MODULES)
def test_padding_modules(spec):
    ours, theirs = eval("nn." + spec), eval("pt.nn." + spec)
    x, = arrays(0, (2, 3, 4, 5) if "2d" in spec else (2, 3, 5))
    compare(lambda lib, x: (ours if lib is chainrule else theirs)(x), x)
    assert repr(ours) == repr(theirs)


# ------------------------------------------------------------------------------------ unfold, fold
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=12)
@given(n=st.integers(0, 2), c=st.integers(1, 3), h=st.integers(1, 6), w=st.integers(1, 6),
       kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)), stride=st.tuples(st.integers(1, 3), st.integers(1, 2)),
       padding=st.tuples(st.integers(0, 1), st.integers(0, 2)), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       seed=st.integers(0, 2 ** 31))
def test_unfold_and_fold_match_pytorch(dtype, n, c, h, w, kernel, stride, padding, dilation, seed):
    blocks = [(m + 2 * p - d * (k - 1) - 1) // s + 1 for m, p, d, k, s in zip((h, w), padding, dilation, kernel, stride)]
    assume(all(b >= 1 for b in blocks))
    x, = arrays(seed, (n, c, h, w), dtype=dtype)
    ours, theirs = compare(lambda lib, x: lib.nn.functional.unfold(x, kernel, dilation, padding, stride), x)
    assert ours.grad_fn.name == theirs.grad_fn.name() == "Im2ColBackward0"
    cols, = arrays(seed + 1, (n, c * kernel[0] * kernel[1], blocks[0] * blocks[1]), dtype=dtype)
    ours, theirs = compare(lambda lib, cols: lib.nn.functional.fold(cols, (h, w), kernel, dilation, padding, stride),
                           cols)
    assert ours.grad_fn.name == theirs.grad_fn.name() == "Col2ImBackward0"


def test_fold_unfold_modules_and_unbatched():
    compare(lambda lib, x: lib.nn.Unfold((2, 3), padding=1)(x), *arrays(0, (3, 4, 5)))
    compare(lambda lib, x: lib.nn.Fold((4, 5), 2)(x), *arrays(0, (8, 12)))
    assert repr(nn.Fold((4, 5), 2, stride=2)) == repr(pt.nn.Fold((4, 5), 2, stride=2))


def test_conv2d_equals_weights_times_unfold():
    x, w = arrays(1, (2, 3, 6, 5), (4, 3, 3, 2))
    X, W = chainrule.tensor(x), chainrule.tensor(w)
    cols = nn.functional.unfold(X, (3, 2), padding=1)
    via = (W.reshape(4, -1) @ cols).reshape(2, 4, 6, 6)
    np.testing.assert_allclose(via.numpy(), nn.functional.conv2d(X, W, padding=1).numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------------- errors
ERRORS = [
    ("input rank", lambda F, t: F.conv2d(t(2, 3), t(4, 3, 3, 3)), "input of size: [2, 3]"),
    ("channels", lambda F, t: F.conv2d(t(2, 2, 5, 5), t(4, 3, 3, 3)), "to have 3 channels, but got 2 channels"),
    ("kernel too big", lambda F, t: F.conv2d(t(2, 3, 2, 2), t(4, 3, 3, 3)), "Kernel size can't be greater"),
    ("same strided", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), stride=2, padding="same"),
     "padding='same' is not supported for strided convolutions"),
    ("negative padding", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), padding=-1), "negative padding"),
    ("zero stride", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), stride=0), "non-positive stride"),
    ("zero dilation", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), dilation=0),
     "dilation should be greater than zero"),
    ("groups", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), groups=2), "expected input[1, 3, 6, 6] to have 6"),
    ("zero groups", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), groups=0), "non-positive groups"),
    ("padding string", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), padding="foo"), "Invalid padding string"),
    ("bias size", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), t(5)), "expected bias to be 1-dimensional with 4"),
    ("stride length", lambda F, t: F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), stride=(1, 1, 1)),
     "expected stride to be a single integer value or a list of 2 values"),
    ("transposed channels", lambda F, t: F.conv_transpose2d(t(2, 3, 6, 6), t(4, 2, 3, 3)),
     "Given transposed=1, weight of size [4, 2, 3, 3], expected input[2, 3, 6, 6] to have 4 channels"),
    ("output padding", lambda F, t: F.conv_transpose2d(t(1, 3, 4, 4), t(3, 2, 3, 3), output_padding=1),
     "output padding must be smaller than either stride or dilation"),
    ("transposed too small", lambda F, t: F.conv_transpose2d(t(1, 3, 1, 1), t(3, 2, 3, 3), padding=2),
     "Output size is too small"),
    ("pad odd", lambda F, t: F.pad(t(1, 2, 3), (1,)), "Padding length must be divisible by 2"),
    ("pad too long", lambda F, t: F.pad(t(2, 3), (1, 1) * 3), "Padding length should be less than or equal to two"),
    ("reflect too wide", lambda F, t: F.pad(t(1, 2, 3, 3), (3, 3, 1, 1), mode="reflect"),
     "Padding size should be less than the corresponding input dimension"),
    ("reflect value", lambda F, t: F.pad(t(1, 2, 3, 3), (1, 1), mode="reflect", value=1.0), "doesn't take in value"),
    ("pad mode", lambda F, t: F.pad(t(1, 2, 3), (1, 1), mode="foo"), "Unrecognised padding mode foo"),
    ("pad size for rank", lambda F, t: F.pad(t(1, 2, 3, 3), (1, 1), mode="reflect"),
     "Padding size 2 is not supported for 4D input tensor"),
    ("unfold kernel", lambda F, t: F.unfold(t(1, 3, 6, 6), 7), "calculated shape of the array of sliding blocks"),
    ("fold blocks", lambda F, t: F.fold(t(2, 12, 10), (4, 4), 2), "expected size of input's dimension 2 to match"),
    ("fold divisible", lambda F, t: F.fold(t(2, 5, 9), (4, 4), 2), "to be divisible by the product of kernel_size"),
]


@pytest.mark.parametrize("name,call,fragment", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_pytorchs(name, call, fragment):
    with pytest.raises(Exception) as theirs:
        call(pt.nn.functional, lambda *s: pt.zeros(s))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(type(theirs.value)) as ours:
            call(chainrule.nn.functional, lambda *s: chainrule.zeros(*s))
    assert fragment in str(ours.value) and fragment in str(theirs.value)


MODULE_ERRORS = [
    (lambda m: m.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda m: m.Conv2d(4, 3, 3, groups=2), "out_channels must be divisible by groups"),
    (lambda m: m.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
    (lambda m: m.Conv2d(4, 4, 3, padding="foo"), "Invalid padding string 'foo'"),
    (lambda m: m.Conv2d(4, 4, 3, padding="same", stride=2), "padding='same' is not supported for strided"),
    (lambda m: m.Conv2d(4, 4, 3, padding_mode="foo"), "padding_mode must be one of"),
    (lambda m: m.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), 'Only "zeros" padding mode is supported'),
]


@pytest.mark.parametrize("build,fragment", MODULE_ERRORS)
def test_module_construction_errors_are_pytorchs(build, fragment):
    with pytest.raises(ValueError, match=fragment):
        build(pt.nn)
    with pytest.raises(ValueError) as ours:
        build(nn)
    assert fragment in str(ours.value)


def test_dtype_mismatch_says_which_and_how():
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        nn.functional.conv2d(chainrule.ones(1, 1, 3, 3, dtype=chainrule.float64), chainrule.ones(1, 1, 2, 2))
    with pytest.raises(RuntimeError, match=r"Input type \(float\) and bias type \(double\) should be the same"):
        nn.functional.conv2d(chainrule.ones(1, 1, 3, 3), chainrule.ones(1, 1, 2, 2),
                             chainrule.ones(1, dtype=chainrule.float64))


def test_reused_work_arrays_never_serve_two_live_graphs():
    """Columns big enough to be pooled (ops.conv.Scratch): two forwards before one backward, a retained
    graph backpropagated twice, and a third forward in between must all give PyTorch's gradients."""
    x1, x2, w = arrays(9, (8, 3, 32, 32), (8, 3, 32, 32), (4, 3, 3, 3))
    from chainrule.ops.conv import Scratch
    assert 27 * 8 * 30 * 30 * 8 >= Scratch.min_bytes
    grads = []
    for lib in (chainrule, pt):
        a, b, k = lib.tensor(x1), lib.tensor(x2), lib.tensor(w, requires_grad=True)
        y1 = lib.nn.functional.conv2d(a, k)
        y2 = lib.nn.functional.conv2d(b, k)
        (y1 * y1).sum().backward(retain_graph=True)
        lib.nn.functional.conv2d(b * 3, k).sum()          # a third forward, its graph dropped at once
        (y1 * y1).sum().backward()
        (2 * y2).sum().backward()
        grads.append(k.grad)
    assert_close(grads[0], grads[1], "weight grad", rtol=1e-9, atol=1e-9)
