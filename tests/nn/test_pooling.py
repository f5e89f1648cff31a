"""Pooling (max, average, adaptive; 1-d and 2-d; functional and modules) against PyTorch: values,
indices (PyTorch's flat h·W + w and its tie/NaN rule), every gradient, node names and reprs, on
hypothesis-drawn shapes and hyper-parameters; gradcheck in float64; PyTorch's exception classes."""
import numpy as np
import pytest
import torch as pt
from hypothesis import assume, given, settings, strategies as st

import chainrule
from chainrule import nn
from chainrule.autograd import gradcheck
from oracle import assert_close, compare

DTYPES = [np.float64, np.float32]


def draw(seed, shape, dtype, ties=False):
    r = np.random.default_rng(seed)
    x = r.integers(-2, 3, shape) if ties else r.standard_normal(shape)   # small integers: many tied maxima
    return x.astype(dtype)


def _out(n, k, s, p, d, ceil):
    span = n + 2 * p - d * (k - 1) - 1
    o = (-(-span // s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


pool2d = st.fixed_dictionaries(dict(
    n=st.integers(0, 2), c=st.integers(1, 3), h=st.integers(1, 7), w=st.integers(1, 7),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)), stride=st.one_of(st.none(), st.tuples(st.integers(1, 3),
                                                                                           st.integers(1, 3))),
    pad=st.tuples(st.integers(0, 1), st.integers(0, 1)), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    ceil=st.booleans(), ties=st.booleans(), unbatched=st.booleans(), seed=st.integers(0, 2 ** 31)))


def _valid(c, dilation):
    """PyTorch accepts the arguments, and every window holds a cell of the input: a window of padding only
    gets an index outside its plane in PyTorch, whose backward then writes into a neighbouring plane
    (chainrule gives such a window's gradient to nobody; docs/layers.md)."""
    stride = c["stride"] or c["k"]
    ok = all(p <= ((k - 1) * d + 1) // 2 for p, k, d in zip(c["pad"], c["k"], dilation))
    return ok and all(_windows_hold_cells(m, k, s, p, d, c["ceil"])
                      for m, k, s, p, d in zip((c["h"], c["w"]), c["k"], stride, c["pad"], dilation))


def _windows_hold_cells(m, k, s, p, d, ceil):
    o = _out(m, k, s, p, d, ceil)
    return o > 0 and all(any(0 <= i * s - p + t * d < m for t in range(k)) for i in range(o))


def _shape(c):
    return ((c["c"],) if c["unbatched"] else (c["n"], c["c"])) + (c["h"], c["w"])


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=15)
@given(c=pool2d)
def test_max_pool2d_values_indices_and_gradient(dtype, c):
    assume(_valid(c, c["dilation"]))
    assume(not (c["unbatched"] and c["n"] == 0))
    x = draw(c["seed"], _shape(c), dtype, c["ties"])
    (yo, io), (yt, it) = compare(lambda lib, x: lib.nn.functional.max_pool2d(
        x, c["k"], c["stride"], c["pad"], c["dilation"], c["ceil"], return_indices=True), x)
    np.testing.assert_array_equal(io.numpy(), it.numpy())
    assert io.dtype == chainrule.int64
    assert yo.grad_fn.name == yt.grad_fn.name() == "MaxPool2DWithIndicesBackward0"


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=15)
@given(c=pool2d, count_include_pad=st.booleans(), divisor=st.sampled_from([None, None, 3]))
def test_avg_pool2d(dtype, c, count_include_pad, divisor):
    assume(_valid(c, (1, 1)))
    assume(not (c["unbatched"] and c["n"] == 0))
    x = draw(c["seed"], _shape(c), dtype)
    yo, yt = compare(lambda lib, x: lib.nn.functional.avg_pool2d(x, c["k"], c["stride"], c["pad"], c["ceil"],
                                                                 count_include_pad, divisor), x)
    assert yo.grad_fn.name == yt.grad_fn.name() == "AvgPool2DBackward0"


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=12)
@given(n=st.integers(1, 2), length=st.integers(1, 9), k=st.integers(1, 3), stride=st.sampled_from([None, 1, 2, 3]),
       pad=st.integers(0, 1), dilation=st.integers(1, 2), ceil=st.booleans(), ties=st.booleans(),
       count_include_pad=st.booleans(), unbatched=st.booleans(), seed=st.integers(0, 2 ** 31))
def test_pool1d(dtype, n, length, k, stride, pad, dilation, ceil, ties, count_include_pad, unbatched, seed):
    s = stride or k
    assume(pad <= ((k - 1) * dilation + 1) // 2 and _windows_hold_cells(length, k, s, pad, dilation, ceil))
    x = draw(seed, ((3,) if unbatched else (n, 3)) + (length,), dtype, ties)
    (yo, io), (yt, it) = compare(lambda lib, x: lib.nn.functional.max_pool1d(x, k, stride, pad, dilation, ceil,
                                                                             return_indices=True), x)
    np.testing.assert_array_equal(io.numpy(), it.numpy())
    assert yo.grad_fn.name == yt.grad_fn.name() == "SqueezeBackward1"
    if pad <= k // 2 and _out(length, k, s, pad, 1, ceil) > 0:
        yo, yt = compare(lambda lib, x: lib.nn.functional.avg_pool1d(x, k, stride, pad, ceil, count_include_pad), x)
        assert yo.grad_fn.name == yt.grad_fn.name()


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=15)
@given(n=st.integers(0, 2), h=st.integers(1, 9), w=st.integers(1, 9), oh=st.one_of(st.none(), st.integers(1, 5)),
       ow=st.integers(1, 5), ties=st.booleans(), unbatched=st.booleans(), seed=st.integers(0, 2 ** 31))
def test_adaptive_pool2d(dtype, n, h, w, oh, ow, ties, unbatched, seed):
    assume(not (unbatched and n == 0))
    x = draw(seed, ((2,) if unbatched else (n, 2)) + (h, w), dtype, ties)
    yo, yt = compare(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (oh, ow)), x)
    assert yo.grad_fn.name == yt.grad_fn.name()
    (yo, io), (yt, it) = compare(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (oh, ow), True), x)
    np.testing.assert_array_equal(io.numpy(), it.numpy())
    if yt.grad_fn is not None:
        assert yo.grad_fn.name == yt.grad_fn.name()


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=15)
@given(n=st.integers(1, 2), length=st.integers(1, 11), out=st.integers(1, 6), ties=st.booleans(),
       seed=st.integers(0, 2 ** 31))
def test_adaptive_pool1d(dtype, n, length, out, ties, seed):
    x = draw(seed, (n, 3, length), dtype, ties)
    compare(lambda lib, x: lib.nn.functional.adaptive_avg_pool1d(x, out), x)
    (yo, io), (yt, it) = compare(lambda lib, x: lib.nn.functional.adaptive_max_pool1d(x, out, return_indices=True), x)
    np.testing.assert_array_equal(io.numpy(), it.numpy())


def test_global_average_pool_is_a_mean_node_as_in_pytorch():
    yo, yt = compare(lambda lib, x: lib.nn.AdaptiveAvgPool2d(1)(x), draw(0, (2, 3, 4, 5), np.float64))
    assert yo.grad_fn.name == yt.grad_fn.name() == "MeanBackward1"


def test_max_routes_the_gradient_to_the_winner_and_ties_go_to_the_first():
    x = chainrule.tensor([[[[1.0, 3.0, 2.0, 2.0],
                            [0.0, 3.0, 2.0, 2.0]]]], requires_grad=True)
    y, idx = nn.functional.max_pool2d(x, 2, return_indices=True)
    assert y.tolist() == [[[[3.0, 2.0]]]] and idx.tolist() == [[[[1, 2]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_max_pool_nan_and_all_minus_infinity_windows_follow_pytorch():
    nan = float("nan")
    for x in ([[[[1.0, nan], [nan, 1.0]]]], [[[[-np.inf] * 3] * 3]]):
        kw = dict(padding=1) if np.isinf(x[0][0][0][0]) else {}
        (yo, io), (yt, it) = compare(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True, **kw),
                                     np.array(x))
        np.testing.assert_array_equal(io.numpy(), it.numpy())


def test_average_splits_the_gradient():
    x = chainrule.ones(1, 1, 4, 4, requires_grad=True)
    nn.functional.avg_pool2d(x, 2).sum().backward()
    assert (x.grad.numpy() == 0.25).all()


def test_pooling_gradcheck():
    x = chainrule.tensor(draw(3, (2, 2, 5, 6), np.float64), requires_grad=True)
    assert gradcheck(lambda x: nn.functional.max_pool2d(x, (2, 3), (1, 2), 1, (2, 1), True), (x,))
    assert gradcheck(lambda x: nn.functional.avg_pool2d(x, 3, 2, 1, True, False), (x,))
    assert gradcheck(lambda x: nn.functional.adaptive_avg_pool2d(x, (3, 4)), (x,))
    assert gradcheck(lambda x: nn.functional.adaptive_max_pool2d(x, (4, 4)), (x,))


MODULES = ["MaxPool2d(2)", "MaxPool2d((2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)", "MaxPool1d(3, 2, 1)",
           "AvgPool2d(3, stride=2, padding=1, count_include_pad=False)", "AvgPool2d(2, divisor_override=3)",
           "AvgPool1d(3, ceil_mode=True)", "AdaptiveAvgPool2d((3, None))", "AdaptiveAvgPool2d(2)",
           "AdaptiveMaxPool2d((2, 3))", "AdaptiveAvgPool1d(4)", "AdaptiveMaxPool1d(3)"]


@pytest.mark.parametrize("spec", MODULES)
def test_pooling_modules(spec):
    ours, theirs = eval("nn." + spec), eval("pt.nn." + spec)
    assert repr(ours) == repr(theirs)
    x = draw(1, (2, 3, 7, 6) if "2d" in spec else (2, 3, 7), np.float32)
    compare(lambda lib, x: (ours if lib is chainrule else theirs)(x), x)


def test_return_indices_modules_give_value_and_indices():
    x = draw(2, (2, 3, 6, 6), np.float64, ties=True)
    for spec in ("MaxPool2d(3, 2, 1, return_indices=True)", "AdaptiveMaxPool2d(4, return_indices=True)",
                 "MaxPool1d(2, return_indices=True)", "AdaptiveMaxPool1d(4, return_indices=True)"):
        xi = x if "2d" in spec else x[:, :, 0]
        (yo, io), (yt, it) = eval("nn." + spec)(chainrule.tensor(xi)), eval("pt.nn." + spec)(pt.tensor(xi))
        assert_close(yo, yt)
        np.testing.assert_array_equal(io.numpy(), it.numpy())


ERRORS = [
    ("too small", lambda F, t: F.max_pool2d(t(2, 3, 6, 6), 7), "Output size is too small"),
    ("pad", lambda F, t: F.max_pool2d(t(2, 3, 6, 6), 3, padding=2), "pad should be at most half of effective kernel"),
    ("stride", lambda F, t: F.max_pool2d(t(2, 3, 6, 6), 2, stride=0), "stride should not be zero"),
    ("kernel", lambda F, t: F.max_pool2d(t(2, 3, 6, 6), 0, 1), "kernel size should be greater than zero"),
    ("dilation", lambda F, t: F.max_pool2d(t(2, 3, 6, 6), 2, dilation=0), "dilation should be greater than zero"),
    ("empty channels", lambda F, t: F.max_pool2d(t(2, 0, 4, 4), 2), "Expected 3D or 4D (batch mode) tensor"),
    ("avg pad", lambda F, t: F.avg_pool2d(t(2, 3, 6, 6), 3, padding=2), "pad should be at most half"),
    ("divisor", lambda F, t: F.avg_pool2d(t(2, 3, 6, 6), 2, divisor_override=0), "divisor must be not zero"),
    ("adaptive rank", lambda F, t: F.adaptive_max_pool2d(t(3), 2), "Expected 3D or 4D tensor"),
    ("adaptive size", lambda F, t: F.adaptive_avg_pool2d(t(2, 3, 4, 4), (2, 2, 2)), "output_size must be 2"),
    ("adaptive empty", lambda F, t: F.adaptive_avg_pool2d(t(2, 3, 0, 4), 2), "dimension 2 being empty"),
    ("adaptive 1d rank", lambda F, t: F.adaptive_avg_pool1d(t(3), 2), "Expected 2 to 3 dimensions"),
]


@pytest.mark.parametrize("name,call,fragment", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_pytorchs(name, call, fragment):
    with pytest.raises(Exception) as theirs:
        call(pt.nn.functional, lambda *s: pt.zeros(s))
    with pytest.raises(type(theirs.value)) as ours:
        call(chainrule.nn.functional, lambda *s: chainrule.zeros(*s))
    assert fragment in str(ours.value) and fragment in str(theirs.value)


def test_in_place_activation_after_max_pool_keeps_the_gradient():
    """nn.ReLU(inplace=True) after MaxPool2d (a common pattern) is fine in PyTorch: pooling saves no output."""
    x = draw(4, (2, 3, 6, 6), np.float64)
    compare(lambda lib, x: lib.nn.functional.relu(lib.nn.functional.max_pool2d(x * 1, 2), inplace=True), x)
