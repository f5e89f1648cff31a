"""Recurrent layers against PyTorch with identical weights (state_dict → NumPy → chainrule): outputs,
final states and the gradients of the input, the initial states and every parameter, on
hypothesis-drawn sizes and options, in float64 (1e-10) and float32 (~1e-5); gradcheck in float64;
PyTorch's errors, repr, state_dict keys and init order; packed sequences; dropout between layers."""
import math

import numpy as np
import pytest
import torch as pt
from hypothesis import given, settings, strategies as st

import chainrule
from chainrule import nn
from chainrule.nn.utils import rnn as cr_rnn
from torch.nn.utils import rnn as pt_rnn
from oracle import assert_close

LIB_DTYPE = {np.float64: (chainrule.float64, pt.float64), np.float32: (chainrule.float32, pt.float32)}
DTYPES = [np.float64, np.float32]


def twins(name, dtype, *args, **kwargs):
    """The same layer in both libraries, ours loaded from PyTorch's state_dict."""
    cd, td = LIB_DTYPE[dtype]
    pt.manual_seed(0)                       # PyTorch's init draws: the same weights every run (reproducible)
    theirs = getattr(pt.nn, name)(*args, **kwargs).to(td)
    ours = getattr(nn, name)(*args, **kwargs).to(cd)
    ours.load_state_dict({k: chainrule.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def leaf(lib, a):
    return lib.tensor(a.copy(), requires_grad=True)


def _atol(reference, dtype):
    """float32: sums over time steps cancel; allow ~1e-6 of the largest entry as absolute error."""
    if dtype != np.float32:
        return None
    return 2e-6 * max(1.0, float(np.abs(reference.detach().numpy()).max()))


def weighted_sum(lib, outs, seed):
    """Σ w ⊙ out over every output, with fixed random weights (so every element's gradient is checked)."""
    rng = np.random.default_rng(seed)
    total = 0
    for o in outs:
        w = rng.standard_normal(tuple(o.shape)).astype(np.asarray(o.detach().numpy()).dtype)
        total = total + (o * lib.tensor(w)).sum()
    return total


def check_grads(ours, theirs, inputs_o, inputs_t, dtype):
    for i, (a, b) in enumerate(zip(inputs_o, inputs_t)):
        assert_close(a.grad, b.grad, f"grad of input {i}", atol=_atol(b.grad, dtype))
    named = dict(ours.named_parameters())
    assert list(named) == [n for n, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        assert_close(named[name].grad, p.grad, f"grad of {name}", atol=_atol(p.grad, dtype))


# --------------------------------------------------------------------------- RNN / LSTM / GRU
@st.composite
def rnn_case(draw):
    mode = draw(st.sampled_from(["RNN", "RNN_relu", "LSTM", "GRU"]))
    hidden = draw(st.integers(1, 4))
    kw = dict(num_layers=draw(st.integers(1, 2)), bias=draw(st.booleans()), batch_first=draw(st.booleans()),
              bidirectional=draw(st.booleans()))
    if mode == "RNN_relu":
        mode, kw["nonlinearity"] = "RNN", "relu"
    if mode == "LSTM" and hidden > 1 and draw(st.booleans()):
        kw["proj_size"] = draw(st.integers(1, hidden - 1))
    return dict(mode=mode, input_size=draw(st.integers(1, 3)), hidden=hidden, kw=kw,
                batch=draw(st.integers(1, 3)), steps=draw(st.integers(1, 4)),
                unbatched=draw(st.integers(0, 4)) == 0, with_state=draw(st.booleans()),
                seed=draw(st.integers(0, 2 ** 31 - 1)))


def run_case(case, dtype):
    ours, theirs = twins(case["mode"], dtype, case["input_size"], case["hidden"], **case["kw"])
    rng = np.random.default_rng(case["seed"])
    kw = case["kw"]
    d = 2 if kw["bidirectional"] else 1
    t, n = case["steps"], case["batch"]
    shape = (n, t) if kw["batch_first"] else (t, n)
    if case["unbatched"]:
        shape = (t,)
    x = rng.standard_normal(shape + (case["input_size"],)).astype(dtype)
    lead = (d * kw["num_layers"],) + (() if case["unbatched"] else (n,))
    inputs = [x]
    if case["with_state"]:
        h_size = kw.get("proj_size") or case["hidden"]
        inputs.append(rng.standard_normal(lead + (h_size,)).astype(dtype))
        if case["mode"] == "LSTM":
            inputs.append(rng.standard_normal(lead + (case["hidden"],)).astype(dtype))
    ins_o = [leaf(chainrule, a) for a in inputs]
    ins_t = [leaf(pt, a) for a in inputs]

    def call(module, ins):
        if len(ins) == 1:
            return module(ins[0])
        state = tuple(ins[1:]) if case["mode"] == "LSTM" else ins[1]
        return module(ins[0], state)

    out_o, state_o = call(ours, ins_o)
    out_t, state_t = call(theirs, ins_t)
    states_o = state_o if isinstance(state_o, tuple) else (state_o,)
    states_t = state_t if isinstance(state_t, tuple) else (state_t,)
    assert_close(out_o, out_t, "output", atol=_atol(out_t, dtype))
    for i, (a, b) in enumerate(zip(states_o, states_t)):
        assert_close(a, b, f"final state {i}", atol=_atol(b, dtype))
    weighted_sum(chainrule, (out_o,) + states_o, 1).backward()
    weighted_sum(pt, (out_t,) + states_t, 1).backward()
    check_grads(ours, theirs, ins_o, ins_t, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=25)
@given(case=rnn_case())
def test_recurrent_layers_match_pytorch(dtype, case):
    run_case(case, dtype)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_longer_sequence_float32(mode):
    """12 steps, 2 layers, both directions: float32 stays within PyTorch's rounding."""
    case = dict(mode=mode, input_size=5, hidden=6, kw=dict(num_layers=2, bias=True, batch_first=False,
                                                           bidirectional=True),
                batch=3, steps=12, unbatched=False, with_state=True, seed=7)
    run_case(case, np.float32)


# ------------------------------------------------------------------------------------ cells
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20)
@given(name=st.sampled_from(["RNNCell", "RNNCell_relu", "LSTMCell", "GRUCell"]), batch=st.integers(0, 3),
       bias=st.booleans(), with_state=st.booleans(), seed=st.integers(0, 2 ** 31 - 1))
def test_cells_match_pytorch(dtype, name, batch, bias, with_state, seed):
    kw = dict(bias=bias)
    if name == "RNNCell_relu":
        name, kw["nonlinearity"] = "RNNCell", "relu"
    ours, theirs = twins(name, dtype, 3, 4, **kw)
    rng = np.random.default_rng(seed)
    lead = () if batch == 0 else (batch,)          # batch 0 here means an unbatched 1-D input
    inputs = [rng.standard_normal(lead + (3,)).astype(dtype)]
    if with_state:
        inputs += [rng.standard_normal(lead + (4,)).astype(dtype) for _ in range(2 if name == "LSTMCell" else 1)]
    ins_o, ins_t = [leaf(chainrule, a) for a in inputs], [leaf(pt, a) for a in inputs]

    def call(module, ins):
        if len(ins) == 1:
            return module(ins[0])
        return module(ins[0], tuple(ins[1:]) if name == "LSTMCell" else ins[1])

    out_o, out_t = call(ours, ins_o), call(theirs, ins_t)
    outs_o = out_o if isinstance(out_o, tuple) else (out_o,)
    outs_t = out_t if isinstance(out_t, tuple) else (out_t,)
    for a, b in zip(outs_o, outs_t):
        assert_close(a, b, "output")
    weighted_sum(chainrule, outs_o, 2).backward()
    weighted_sum(pt, outs_t, 2).backward()
    check_grads(ours, theirs, ins_o, ins_t, dtype)


# ------------------------------------------------------------------------------ packed sequences
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20)
@given(mode=st.sampled_from(["RNN", "LSTM", "GRU"]), lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       bidirectional=st.booleans(), num_layers=st.integers(1, 2), batch_first=st.booleans(),
       with_state=st.booleans(), proj=st.booleans(), seed=st.integers(0, 2 ** 31 - 1))
def test_packed_sequences_match_pytorch(dtype, mode, lengths, bidirectional, num_layers, batch_first, with_state,
                                        proj, seed):
    proj = proj and mode == "LSTM"
    ours, theirs = twins(mode, dtype, 2, 3, num_layers=num_layers, bidirectional=bidirectional,
                         batch_first=batch_first, **({"proj_size": 2} if proj else {}))
    rng = np.random.default_rng(seed)
    n, t = len(lengths), max(lengths)
    x = rng.standard_normal(((n, t) if batch_first else (t, n)) + (2,)).astype(dtype)
    inputs = [x]
    d = 2 if bidirectional else 1
    if with_state:
        inputs.append(rng.standard_normal((d * num_layers, n, 2 if proj else 3)).astype(dtype))
        if mode == "LSTM":
            inputs.append(rng.standard_normal((d * num_layers, n, 3)).astype(dtype))
    ins_o, ins_t = [leaf(chainrule, a) for a in inputs], [leaf(pt, a) for a in inputs]
    enforce = sorted(lengths, reverse=True) == lengths and seed % 2 == 0      # already sorted: either way
    packed_o = cr_rnn.pack_padded_sequence(ins_o[0], lengths, batch_first=batch_first, enforce_sorted=enforce)
    packed_t = pt_rnn.pack_padded_sequence(ins_t[0], lengths, batch_first=batch_first, enforce_sorted=enforce)
    for field in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        if getattr(packed_t, field) is None:
            assert getattr(packed_o, field) is None, field
        else:
            assert_close(getattr(packed_o, field), getattr(packed_t, field), field)

    def call(module, packed, ins):
        if len(ins) == 1:
            return module(packed)
        return module(packed, tuple(ins[1:]) if mode == "LSTM" else ins[1])

    (po, so), (ptt, stt) = call(ours, packed_o, ins_o), call(theirs, packed_t, ins_t)
    assert isinstance(po, cr_rnn.PackedSequence)
    assert_close(po.data, ptt.data, "packed output data")
    out_o, len_o = cr_rnn.pad_packed_sequence(po, batch_first=batch_first, padding_value=-1.5)
    out_t, len_t = pt_rnn.pad_packed_sequence(ptt, batch_first=batch_first, padding_value=-1.5)
    assert_close(out_o, out_t, "padded output")
    assert_close(len_o, len_t, "lengths")
    so, stt = (so if isinstance(so, tuple) else (so,)), (stt if isinstance(stt, tuple) else (stt,))
    for a, b in zip(so, stt):
        assert_close(a, b, "final state")
    weighted_sum(chainrule, (out_o,) + so, 3).backward()
    weighted_sum(pt, (out_t,) + stt, 3).backward()
    check_grads(ours, theirs, ins_o, ins_t, dtype)


@settings(max_examples=20)
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=5), batch_first=st.booleans(),
       side=st.sampled_from(["right", "left"]), seed=st.integers(0, 2 ** 31 - 1))
def test_pad_sequence_and_pack_sequence_match_pytorch(lengths, batch_first, side, seed):
    rng = np.random.default_rng(seed)
    seqs = [rng.standard_normal((n, 2)) for n in lengths]
    so, st_ = [leaf(chainrule, s) for s in seqs], [leaf(pt, s) for s in seqs]
    po = cr_rnn.pad_sequence(so, batch_first=batch_first, padding_value=0.5, padding_side=side)
    ptd = pt_rnn.pad_sequence(st_, batch_first=batch_first, padding_value=0.5, padding_side=side)
    assert_close(po, ptd, "padded")
    weighted_sum(chainrule, (po,), 4).backward()
    weighted_sum(pt, (ptd,), 4).backward()
    for a, b in zip(so, st_):
        assert_close(a.grad, b.grad, "grad of a sequence")
    if sorted(lengths, reverse=True) == lengths:
        pk_o, pk_t = cr_rnn.pack_sequence([s.detach() for s in so]), pt_rnn.pack_sequence([s.detach() for s in st_])
        assert_close(pk_o.data, pk_t.data, "pack_sequence data")
        assert pk_o.sorted_indices is None and pk_t.sorted_indices is None
        back = cr_rnn.unpack_sequence(pk_o)
        assert [tuple(b.shape) for b in back] == [(n, 2) for n in lengths]


def test_packing_errors_match_pytorch():
    x = np.zeros((4, 3, 2), np.float32)
    for lengths, enforce in [([2, 3, 1], True), ([3, 2, 0], True), ([3, 2], True), ([3, 0, 2], False)]:
        with pytest.raises(RuntimeError) as theirs:
            pt_rnn.pack_padded_sequence(pt.tensor(x), lengths, enforce_sorted=enforce)
        with pytest.raises(RuntimeError) as ours:
            cr_rnn.pack_padded_sequence(chainrule.tensor(x), lengths, enforce_sorted=enforce)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="a length of 5 exceeds the 4 time steps"):   # PyTorch reads past the end
        cr_rnn.pack_padded_sequence(chainrule.tensor(x), [5, 2, 1])
    packed = cr_rnn.pack_padded_sequence(chainrule.tensor(x), [3, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest sequence"):
        cr_rnn.pad_packed_sequence(packed, total_length=2)
    assert tuple(cr_rnn.pad_packed_sequence(packed, total_length=6)[0].shape) == (6, 3, 2)
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        cr_rnn.pad_sequence([])
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got middle."):
        cr_rnn.pad_sequence([chainrule.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match=r"sequence 1 has shape \(3, 4\) but sequence 0 has \(2, 3\)"):
        cr_rnn.pad_sequence([chainrule.ones(2, 3), chainrule.ones(3, 4)])


# ------------------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_gradcheck_float64(mode):
    chainrule.manual_seed(1)
    kw = dict(num_layers=2, bidirectional=True) if mode != "LSTM" else dict(proj_size=1, bidirectional=True)
    layer = getattr(nn, mode)(2, 2, **kw).to(chainrule.float64)
    x = chainrule.randn(3, 2, 2, dtype=chainrule.float64, requires_grad=True)
    d = 2 * (kw.get("num_layers", 1))
    h0 = chainrule.randn(d, 2, 1 if mode == "LSTM" else 2, dtype=chainrule.float64, requires_grad=True)
    extra = (chainrule.randn(d, 2, 2, dtype=chainrule.float64, requires_grad=True),) if mode == "LSTM" else ()
    params = tuple(layer.parameters())

    def fn(x, h0, *rest):
        state = (h0, rest[0]) if mode == "LSTM" else h0
        out, h = layer(x, state)
        return (out,) + (h if isinstance(h, tuple) else (h,))

    assert chainrule.autograd.gradcheck(fn, (x, h0) + extra + params)


def test_gradcheck_cells_and_packed_float64():
    chainrule.manual_seed(2)
    cell = nn.LSTMCell(2, 3).to(chainrule.float64)
    x = chainrule.randn(2, 2, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(lambda x, *p: cell(x), (x,) + tuple(cell.parameters()))
    gru = nn.GRU(2, 2).to(chainrule.float64)
    xs = chainrule.randn(3, 3, 2, dtype=chainrule.float64, requires_grad=True)

    def packed(xs, *p):
        out, h = gru(cr_rnn.pack_padded_sequence(xs, [2, 3, 1], enforce_sorted=False))
        return cr_rnn.pad_packed_sequence(out)[0], h

    assert chainrule.autograd.gradcheck(packed, (xs,) + tuple(gru.parameters()))


# ------------------------------------------------------------------- structure, repr, init, errors
REPRS = [("RNN", (3, 4), {}), ("RNN", (3, 4), dict(nonlinearity="relu", num_layers=2, dropout=0.5,
                                                   bidirectional=True, batch_first=True, bias=False)),
         ("LSTM", (3, 4), dict(proj_size=2)), ("LSTM", (3, 4, 3), {}), ("GRU", (3, 4), dict(dropout=0.25, num_layers=2)),
         ("RNNCell", (3, 4), dict(nonlinearity="relu")), ("LSTMCell", (3, 4), dict(bias=False)),
         ("GRUCell", (3, 4), {})]


@pytest.mark.parametrize("name,args,kwargs", REPRS)
def test_repr_state_dict_and_shapes_match_pytorch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(pt.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    if hasattr(theirs, "all_weights"):
        assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
            [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]


def test_print_of_a_model_with_an_lstm_matches_pytorch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.LSTM(4, 8, 2, batch_first=True), lib.nn.GRU(8, 2))
    assert str(build(chainrule)) == str(build(pt))


@pytest.mark.parametrize("name,args,kwargs", REPRS)
def test_init_draws_uniform_in_pytorchs_parameter_order(name, args, kwargs):
    """Every parameter ~ U(−1/√H, 1/√H), drawn in named_parameters order: the same random stream as
    PyTorch's gives PyTorch's initial weights."""
    chainrule.manual_seed(5)
    layer = getattr(nn, name)(*args, **kwargs)
    bound = 1 / math.sqrt(layer.hidden_size)
    chainrule.manual_seed(5)
    for pname, p in layer.named_parameters():
        expected = nn.init.uniform_(chainrule.empty(*p.shape), -bound, bound)
        assert_close(p, expected, pname)
        assert np.abs(p.detach().numpy()).max() <= bound
    assert [n for n, _ in layer.named_parameters()] == [n for n, _ in getattr(pt.nn, name)(*args, **kwargs)
                                                        .named_parameters()]


def _raises_like_pytorch(build, call):
    """Both libraries raise the same exception type with the same text (chainrule/torch dtype names aside)."""
    with pytest.raises(Exception) as theirs:
        call(pt, build(pt))
    with pytest.raises(Exception) as ours:
        call(chainrule, build(chainrule))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value).replace("chainrule.", "torch.") == str(theirs.value)


def _x(lib, *shape, dtype=None):
    return lib.zeros(*shape, dtype=dtype)


ERRORS = {
    "input-size": (lambda lib: lib.nn.LSTM(3, 4), lambda lib, m: m(_x(lib, 2, 2, 5))),
    "empty-sequence": (lambda lib: lib.nn.GRU(3, 4, batch_first=True), lambda lib, m: m(_x(lib, 2, 0, 3))),
    "hidden-size": (lambda lib: lib.nn.GRU(3, 4, num_layers=2), lambda lib, m: m(_x(lib, 2, 2, 3), _x(lib, 1, 2, 4))),
    "lstm-h0": (lambda lib: lib.nn.LSTM(3, 4), lambda lib, m: m(_x(lib, 2, 2, 3), (_x(lib, 2, 2, 4), _x(lib, 1, 2, 4)))),
    "lstm-c0": (lambda lib: lib.nn.LSTM(3, 4), lambda lib, m: m(_x(lib, 2, 2, 3), (_x(lib, 1, 2, 4), _x(lib, 1, 3, 4)))),
    "dtype": (lambda lib: lib.nn.RNN(3, 4), lambda lib, m: m(_x(lib, 2, 2, 3, dtype=lib.float64))),
    "4d-input": (lambda lib: lib.nn.LSTM(3, 4), lambda lib, m: m(_x(lib, 2, 2, 2, 3))),
    "4d-input-rnn": (lambda lib: lib.nn.RNN(3, 4), lambda lib, m: m(_x(lib, 2, 2, 2, 3))),
    "unbatched-hx": (lambda lib: lib.nn.RNN(3, 4), lambda lib, m: m(_x(lib, 2, 3), _x(lib, 1, 1, 4))),
    "batched-hx": (lambda lib: lib.nn.GRU(3, 4), lambda lib, m: m(_x(lib, 2, 1, 3), _x(lib, 1, 4))),
    "lstm-unbatched-hx": (lambda lib: lib.nn.LSTM(3, 4), lambda lib, m: m(_x(lib, 2, 3), (_x(lib, 1, 1, 4), _x(lib, 1, 4)))),
    "lstm-batched-hx": (lambda lib: lib.nn.LSTM(3, 4), lambda lib, m: m(_x(lib, 2, 1, 3), (_x(lib, 1, 4), _x(lib, 1, 4)))),
    "cell-input-size": (lambda lib: lib.nn.LSTMCell(3, 4), lambda lib, m: m(_x(lib, 2, 5))),
    "cell-batch": (lambda lib: lib.nn.LSTMCell(3, 4), lambda lib, m: m(_x(lib, 2, 3), (_x(lib, 3, 4), _x(lib, 3, 4)))),
    "cell-hidden0": (lambda lib: lib.nn.GRUCell(3, 4), lambda lib, m: m(_x(lib, 2, 3), _x(lib, 2, 5))),
    "cell-hidden1": (lambda lib: lib.nn.LSTMCell(3, 4), lambda lib, m: m(_x(lib, 2, 3), (_x(lib, 2, 4), _x(lib, 2, 5)))),
    "cell-3d": (lambda lib: lib.nn.RNNCell(3, 4), lambda lib, m: m(_x(lib, 1, 2, 3))),
    "cell-3d-hidden": (lambda lib: lib.nn.GRUCell(3, 4), lambda lib, m: m(_x(lib, 2, 3), _x(lib, 1, 2, 4))),
    "lstmcell-3d-hx": (lambda lib: lib.nn.LSTMCell(3, 4), lambda lib, m: m(_x(lib, 2, 3), (_x(lib, 1, 2, 4), _x(lib, 2, 4)))),
    "cell-nonlinearity": (lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="sigmoid"), lambda lib, m: m(_x(lib, 2, 3))),
    "packed-not-a-pair": (lambda lib: None, lambda lib, m: lib.nn.utils.rnn.PackedSequence(_x(lib, 3, 3))),
    "packed-3d": (lambda lib: lib.nn.GRU(3, 4),
                  lambda lib, m: m(lib.nn.utils.rnn.PackedSequence(_x(lib, 3, 1, 3), lib.tensor([2, 1])))),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_pytorch(case):
    _raises_like_pytorch(*ERRORS[case])


CONSTRUCTION_ERRORS = [
    (lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid")),
    (lambda lib: lib.nn.RNN(3, 4, proj_size=2)),
    (lambda lib: lib.nn.GRU(3, 4, proj_size=2)),
    (lambda lib: lib.nn.LSTM(3, 4, proj_size=4)),
    (lambda lib: lib.nn.LSTM(3, 4, proj_size=-1)),
    (lambda lib: lib.nn.LSTM(3, 4, dropout=1.5)),
    (lambda lib: lib.nn.LSTM(3, 0)),
    (lambda lib: lib.nn.LSTM(0, 3)),
    (lambda lib: lib.nn.LSTM(3, 4, num_layers=0)),
    (lambda lib: lib.nn.LSTM(3.0, 4)),
    (lambda lib: lib.nn.LSTM(3, 4.0)),
    (lambda lib: lib.nn.LSTM(3, 4, bias=1)),
    (lambda lib: lib.nn.LSTM(3, 4, batch_first=1)),
    (lambda lib: lib.nn.RNNBase("SRU", 3, 4)),
]


@pytest.mark.parametrize("build", CONSTRUCTION_ERRORS)
def test_construction_errors_match_pytorch(build):
    _raises_like_pytorch(build, lambda lib, m: None)


def test_dropout_with_one_layer_warns_as_pytorch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got dropout=0.5 "
                                         "and num_layers=1"):
        nn.LSTM(3, 4, dropout=0.5)


def test_lstm_hx_must_be_a_pair():
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\) of two Tensors, got Tensor"):
        nn.LSTM(3, 4)(chainrule.zeros(2, 1, 3), chainrule.zeros(1, 1, 4))
    with pytest.raises(TypeError, match="GRU: input must be a Tensor or a PackedSequence, not list"):
        nn.GRU(3, 4)([[0.0, 1.0, 2.0]])
    with pytest.raises(TypeError, match="GRUCell: input must be a Tensor, not list"):
        nn.GRUCell(3, 4)([0.0, 1.0, 2.0])
    with pytest.raises(RuntimeError, match="pad_sequence: Expected iterable for input sequences"):
        cr_rnn.pad_sequence(3)
    with pytest.raises(TypeError, match="pad_sequence: sequence 1 is a list, not a Tensor"):
        cr_rnn.pad_sequence([chainrule.ones(2), [1.0]])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: input must be at least 2-D"):
        cr_rnn.pack_padded_sequence(chainrule.ones(3), [3])


# ------------------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_in_training_matches_pytorch_when_deterministic(mode):
    """p = 1 drops every input of layer 2 (deterministic), p > 0 in eval mode drops nothing: both as PyTorch."""
    for p, train in ((1.0, True), (0.4, False)):
        ours, theirs = twins(mode, np.float64, 3, 4, num_layers=3, dropout=p)
        ours.train(train), theirs.train(train)
        x = np.random.default_rng(0).standard_normal((5, 2, 3))
        xo, xt = leaf(chainrule, x), leaf(pt, x)
        out_o, out_t = ours(xo)[0], theirs(xt)[0]
        assert_close(out_o, out_t, f"output p={p} train={train}")
        weighted_sum(chainrule, (out_o,), 0).backward()
        weighted_sum(pt, (out_t,), 0).backward()
        check_grads(ours, theirs, [xo], [xt], np.float64)


def test_dropout_mask_statistics_between_layers():
    """relu RNN whose second layer copies its input (W_ih = I, W_hh = 0, b = 0): in training its output is
    layer 1's output times m/(1 − p), m ~ Bernoulli(1 − p) — zeros at rate p, the rest scaled by 1/(1 − p),
    and the last layer's output is not dropped."""
    p, hidden = 0.3, 64
    rnn = nn.RNN(8, hidden, num_layers=2, nonlinearity="relu", dropout=p).to(chainrule.float64)
    with chainrule.no_grad():
        rnn.weight_ih_l1.copy_(chainrule.eye(hidden, dtype=chainrule.float64))
        for name in ("weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_hh_l0", "bias_hh_l0"):
            getattr(rnn, name).zero_()
        rnn.bias_ih_l0.fill_(5.0)                        # layer-1 outputs strictly positive (|x·W_ihᵀ| < 5)
    x = chainrule.randn(10, 20, 8, dtype=chainrule.float64).clamp(-3, 3)
    rnn.eval()
    clean = rnn(x)[0].detach().numpy()
    rnn.train()
    chainrule.manual_seed(11)
    ratio = rnn(x)[0].detach().numpy() / clean
    dropped = np.isclose(ratio, 0.0)
    kept = np.isclose(ratio, 1 / (1 - p))
    assert np.all(dropped | kept)
    assert abs(dropped.mean() - p) < 0.02            # 12,800 draws: 4 standard deviations ≈ 0.016
    chainrule.manual_seed(11)
    assert np.array_equal(rnn(x)[0].detach().numpy() / clean, ratio)     # the mask comes from chainrule's stream


# ------------------------------------------------------------------------------ the graph itself
def test_graph_is_unrolled_in_time_with_pytorchs_node_names():
    """Backward through an LSTM is BPTT over recorded per-step ops: each step's gates are an addmm, a split
    into (i, f, g, o), three sigmoids and a tanh."""
    lstm = nn.LSTM(2, 3)
    out, (h, c) = lstm(chainrule.randn(4, 1, 2))
    names, stack, seen = [], [h.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name)
        stack.extend(node.edges)
    assert names.count("AddmmBackward0") == 4           # one per time step
    assert names.count("SigmoidBackward0") == 12 and names.count("TanhBackward0") == 8
    assert "SplitBackward0" in names and "UnbindBackward0" in names


def test_batch_of_one_sequence_of_one_and_empty_batch():
    for shape in [(1, 1, 3), (1, 3), (5, 1, 3), (4, 0, 3)]:     # (4, 0, 3): an empty batch, as PyTorch allows
        x = np.random.default_rng(0).standard_normal(shape)
        ours, theirs = twins("LSTM", np.float64, 3, 2)
        assert_close(ours(chainrule.tensor(x))[0], theirs(pt.tensor(x))[0], f"output for {shape}")


def test_a_chainrule_checkpoint_loads_into_pytorch():
    """state_dict keys, shapes and order are PyTorch's, so weights trained here move across unchanged."""
    chainrule.manual_seed(8)
    ours = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).to(chainrule.float64)
    theirs = pt.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).double()
    theirs.load_state_dict({k: pt.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((5, 2, 3))
    assert_close(ours(chainrule.tensor(x))[0], theirs(pt.tensor(x))[0], "output after the move")
