"""Attention against PyTorch: ``F.scaled_dot_product_attention``, ``nn.MultiheadAttention`` and
``nn.TransformerEncoderLayer`` / ``TransformerEncoder`` with identical weights — outputs, attention
weights and the gradients of every input and parameter, on hypothesis-drawn sizes, masks and options, in
float64 (1e-10) and float32 (~1e-5); gradcheck; PyTorch's errors, repr and init order; dropout."""
import copy
import math
import warnings

import numpy as np
import pytest
import torch as pt
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st

import chainrule
from chainrule import nn
from chainrule.nn import functional as F
from oracle import assert_close

LIB_DTYPE = {np.float64: (chainrule.float64, pt.float64), np.float32: (chainrule.float32, pt.float32)}
DTYPES = [np.float64, np.float32]
seeds = st.integers(0, 2 ** 31 - 1)


def _atol(reference, dtype):
    if dtype != np.float32:
        return None
    return 2e-6 * max(1.0, float(np.abs(reference.detach().numpy()).max()))


def both(a, grad=True):
    """The same array as a chainrule and a PyTorch tensor (leaves requiring grad for float arrays)."""
    if a is None:
        return None, None
    g = grad and a.dtype.kind == "f"
    return chainrule.tensor(a.copy(), requires_grad=g), pt.tensor(a.copy(), requires_grad=g)


def weighted_backward(lib, outs, seed):
    rng = np.random.default_rng(seed)
    total = 0
    for o in outs:
        if o is None:
            continue
        w = rng.standard_normal(tuple(o.shape)).astype(o.detach().numpy().dtype)
        total = total + (o * lib.tensor(w)).sum()
    total.backward()


def twins(build, dtype):
    cd, td = LIB_DTYPE[dtype]
    pt.manual_seed(0)                       # PyTorch's init draws: the same weights every run (reproducible)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, ours = build(pt.nn).to(td), build(chainrule.nn).to(cd)
    with pt.no_grad():                      # non-zero biases and norm weights, so their gradients mean something
        for name, p in theirs.named_parameters():
            if p.ndim == 1 or name.startswith("bias_"):
                p.uniform_(-0.5, 0.5) if "bias" in name else p.uniform_(0.5, 1.5)
    ours.load_state_dict({k: chainrule.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def check_params(ours, theirs, dtype):
    named = dict(ours.named_parameters())
    assert list(named) == [n for n, _ in theirs.named_parameters()]
    back = LIB_DTYPE[dtype][1]
    for name, p in theirs.named_parameters():
        if p.grad is None:
            assert named[name].grad is None or not np.any(named[name].grad.numpy()), name
        else:
            assert_close(named[name].grad, p.grad.to(back), f"grad of {name}", atol=_atol(p.grad, dtype))


# ------------------------------------------------------------------------- scaled_dot_product_attention
@st.composite
def sdpa_case(draw):
    lead = draw(st.sampled_from([(), (2,), (2, 3), (1, 2)]))
    L, S, E, Ev = (draw(st.integers(1, 4)) for _ in range(4))
    mask = draw(st.sampled_from(["none", "bool", "float", "causal", "bool-broadcast"]))
    return dict(lead=lead, L=L, S=S, E=E, Ev=Ev, mask=mask, seed=draw(seeds),
                scale=draw(st.sampled_from([None, 0.5])))


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=25)
@given(case=sdpa_case())
def test_scaled_dot_product_attention_matches_pytorch(dtype, case):
    rng = np.random.default_rng(case["seed"])
    lead, L, S = case["lead"], case["L"], case["S"]
    arrays = [rng.standard_normal(lead + s).astype(dtype) for s in ((L, case["E"]), (S, case["E"]), (S, case["Ev"]))]
    kw_o, kw_t = {"scale": case["scale"]}, {"scale": case["scale"]}
    if case["mask"] == "causal":
        kw_o["is_causal"] = kw_t["is_causal"] = True
    elif case["mask"] != "none":
        shape = (L, S) if case["mask"] == "bool-broadcast" else lead + (L, S)
        m = rng.random(shape) > 0.4 if case["mask"].startswith("bool") else rng.standard_normal(shape).astype(dtype)
        if case["mask"].startswith("bool") and L > 1:
            m[0] = False                          # one query sees nothing: PyTorch 2.5+ returns 0 for it
        kw_o["attn_mask"], kw_t["attn_mask"] = both(m, grad=False)
    ins = [both(a) for a in arrays]
    out_o = F.scaled_dot_product_attention(*[a for a, _ in ins], **kw_o)
    out_t = TF.scaled_dot_product_attention(*[b for _, b in ins], **kw_t)
    assert_close(out_o, out_t, "output", atol=_atol(out_t, dtype))
    weighted_backward(chainrule, [out_o], 1)
    weighted_backward(pt, [out_t], 1)
    for name, (a, b) in zip("qkv", ins):
        assert_close(a.grad, b.grad, f"grad of {name}", atol=_atol(b.grad, dtype))


def test_sdpa_grouped_query_attention_and_gradcheck():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((2, 4, 3, 2), (2, 2, 5, 2), (2, 2, 5, 3))]
    ins = [both(a) for a in arrays]
    out_o = F.scaled_dot_product_attention(*[a for a, _ in ins], enable_gqa=True)
    out_t = TF.scaled_dot_product_attention(*[b for _, b in ins], enable_gqa=True)
    assert_close(out_o, out_t, "output")
    weighted_backward(chainrule, [out_o], 2)
    weighted_backward(pt, [out_t], 2)
    for a, b in ins:
        assert_close(a.grad, b.grad, "grad")
    q, k, v = (chainrule.tensor(a[:1, :2], requires_grad=True) for a in arrays)
    mask = chainrule.tensor(np.array([[True, True, False, True, False]] * 3))
    assert chainrule.autograd.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                                        (q, k, v))
    assert chainrule.autograd.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                                        (q, k[:, :, :3], v[:, :, :3]))


def test_sdpa_dropout_zeroes_weights_at_rate_p_and_rescales_the_rest():
    """With value = I (S×S) the output is the attention weights themselves."""
    p, L, S = 0.25, 400, 16
    q = chainrule.randn(L, 4, dtype=chainrule.float64)
    k = chainrule.randn(S, 4, dtype=chainrule.float64)
    eye = chainrule.eye(S, dtype=chainrule.float64)
    clean = F.scaled_dot_product_attention(q, k, eye).numpy()
    dropped = F.scaled_dot_product_attention(q, k, eye, dropout_p=p).numpy()
    zero = dropped == 0
    assert abs(zero.mean() - p) < 0.02                    # 6,400 draws: 4 standard deviations ≈ 0.022
    np.testing.assert_allclose(dropped[~zero], clean[~zero] / (1 - p), rtol=1e-12)


SDPA_ERRORS = [
    lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=lib.ones(4, 5) > 0,
                                                                        is_causal=True),
    lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v.double()),
    lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q[0, 0], k[0, 0], v[0, 0]),
    lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=lib.ones(4, 5).long()),
]


@pytest.mark.parametrize("call", SDPA_ERRORS)
def test_sdpa_errors_match_pytorch(call):
    arrays = [np.zeros(s, np.float32) for s in ((2, 4, 8), (2, 5, 8), (2, 5, 6))]
    with pytest.raises(RuntimeError) as theirs:
        call(pt, *[pt.tensor(a) for a in arrays])
    with pytest.raises(RuntimeError) as ours:
        call(chainrule, *[chainrule.tensor(a) for a in arrays])
    normalise = {"chainrule.float64": "double", "chainrule.float32": "float", "chainrule.int64": "long int"}
    text = str(ours.value)
    for a, b in normalise.items():
        text = text.replace(a, b)
    assert text == str(theirs.value)


def test_sdpa_shape_errors_name_the_argument():
    q, k, v = chainrule.zeros(4, 8), chainrule.zeros(5, 7), chainrule.zeros(5, 6)
    with pytest.raises(RuntimeError, match=r"query has 8 features .* but key has 7"):
        F.scaled_dot_product_attention(q, k, v)
    with pytest.raises(RuntimeError, match=r"key has 5 positions .* but value has 4"):
        F.scaled_dot_product_attention(q, chainrule.zeros(5, 8), chainrule.zeros(4, 6))
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(3, 5\) does not broadcast"):
        F.scaled_dot_product_attention(q, chainrule.zeros(5, 8), v, attn_mask=chainrule.zeros(3, 5))
    with pytest.raises(RuntimeError, match=r"the query's 3 heads must be a multiple of the key's and value's heads"):
        F.scaled_dot_product_attention(chainrule.zeros(3, 4, 8), chainrule.zeros(2, 5, 8), chainrule.zeros(2, 5, 6),
                                       enable_gqa=True)


# --------------------------------------------------------------------------------- MultiheadAttention
@st.composite
def mha_case(draw):
    heads, hd = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    separate = draw(st.booleans())
    kw = dict(bias=draw(st.booleans()), batch_first=draw(st.booleans()))
    if separate:
        kw.update(kdim=draw(st.integers(1, 4)), vdim=draw(st.integers(1, 4)))
    if kw["bias"] and draw(st.integers(0, 3)) == 0:
        kw["add_bias_kv"] = True
    kw["add_zero_attn"] = draw(st.integers(0, 3)) == 0
    return dict(heads=heads, E=heads * hd, kw=kw, L=draw(st.integers(1, 4)), S=draw(st.integers(1, 4)),
                N=draw(st.integers(0, 3)), self_attn=not separate and draw(st.booleans()),
                need_weights=draw(st.booleans()), average=draw(st.booleans()),
                attn_mask=draw(st.sampled_from([None, "bool2", "float2", "bool3", "float3"])),
                kpm=draw(st.sampled_from([None, "bool", "float"])), train=draw(st.booleans()), seed=draw(seeds))


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=30)
@given(case=mha_case())
def test_multihead_attention_matches_pytorch(dtype, case):
    E, heads, kw = case["E"], case["heads"], case["kw"]
    ours, theirs = twins(lambda lib: lib.MultiheadAttention(E, heads, **kw), dtype)
    ours.train(case["train"]), theirs.train(case["train"])
    rng = np.random.default_rng(case["seed"])
    L, S, N = case["L"], (case["L"] if case["self_attn"] else case["S"]), case["N"]

    def shape(n_pos, width):
        if N == 0:
            return (n_pos, width)
        return (N, n_pos, width) if kw["batch_first"] else (n_pos, N, width)

    q = rng.standard_normal(shape(L, E)).astype(dtype)
    if case["self_attn"]:
        qo, qt = both(q)
        ins = [(qo, qt)] * 3
    else:
        ins = [both(q), both(rng.standard_normal(shape(S, kw.get("kdim", E))).astype(dtype)),
               both(rng.standard_normal(shape(S, kw.get("vdim", E))).astype(dtype))]
    call_o, call_t = dict(need_weights=case["need_weights"], average_attn_weights=case["average"]), {}
    n = max(N, 1)
    if case["attn_mask"]:
        ms = (L, S) if case["attn_mask"].endswith("2") else (n * heads, L, S)
        if N == 0 and case["attn_mask"].endswith("3"):
            ms = (heads, L, S)
        m = rng.random(ms) > 0.6 if case["attn_mask"].startswith("bool") else rng.standard_normal(ms).astype(dtype)
        if m.dtype == bool:
            m[..., 0] = False                      # every query keeps key 0: no row is fully masked
        call_o["attn_mask"], _ = both(m, grad=False)
    if case["kpm"]:
        ks = (S,) if N == 0 else (N, S)
        m = rng.random(ks) > 0.5
        m[..., 0] = False
        if case["kpm"] == "float":
            m = np.where(m, -np.inf, 0.0).astype(dtype)
        call_o["key_padding_mask"], _ = both(m, grad=False)
    call_t.update({k: (pt.tensor(v.numpy()) if isinstance(v, chainrule.Tensor) else v) for k, v in call_o.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # PyTorch warns on a bool/float mask mix; so do we
        out_o, w_o = ours(*[a for a, _ in ins], **call_o)
        out_t, w_t = theirs(*[b for _, b in ins], **call_t)
    assert_close(out_o, out_t, "output", atol=_atol(out_t, dtype))
    if w_t is None:
        assert w_o is None
    else:
        assert_close(w_o, w_t, "attention weights", atol=_atol(w_t, dtype))
    weighted_backward(chainrule, [out_o, w_o], 3)
    weighted_backward(pt, [out_t, w_t], 3)
    for name, (a, b) in zip(("query", "key", "value"), ins[:1] if case["self_attn"] else ins):
        assert_close(a.grad, b.grad, f"grad of {name}", atol=_atol(b.grad, dtype))
    check_params(ours, theirs, dtype)


def test_multihead_attention_dropout_one_drops_every_weight_like_pytorch():
    ours, theirs = twins(lambda lib: lib.MultiheadAttention(4, 2, dropout=1.0), np.float64)
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    (xo, xt) = both(x)
    (out_o, w_o), (out_t, w_t) = ours(xo, xo, xo), theirs(xt, xt, xt)
    assert_close(out_o, out_t, "output")
    assert_close(w_o, w_t, "weights")
    assert not np.any(w_o.detach().numpy())
    ours.eval()
    theirs.eval()
    assert np.any(ours(xo, xo, xo)[1].detach().numpy())      # eval: no dropout


def test_a_query_with_every_key_masked_is_nan_with_weights_and_zero_without_as_pytorch():
    ours, theirs = twins(lambda lib: lib.MultiheadAttention(4, 2), np.float64)
    x = np.random.default_rng(1).standard_normal((3, 1, 4))
    mask = np.zeros((3, 3), bool)
    mask[1] = True                                  # query 1 may attend to nothing
    for need_weights in (True, False):
        (xo, xt) = both(x)
        out_o, _ = ours(xo, xo, xo, attn_mask=chainrule.tensor(mask), need_weights=need_weights)
        out_t, _ = theirs(xt, xt, xt, attn_mask=pt.tensor(mask), need_weights=need_weights)
        assert_close(out_o, out_t, f"output, need_weights={need_weights}")
        assert np.isnan(out_o.detach().numpy()[1]).all() == need_weights


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_padding", [False, True])
def test_multihead_attention_is_causal_hint_matches_pytorch(need_weights, with_padding):
    """is_causal=True with the causal mask: the mask is dropped for the causal kernel when nothing else needs
    it (no weights, no padding mask), and used as given otherwise — the same numbers either way."""
    ours, theirs = twins(lambda lib: lib.MultiheadAttention(4, 2, batch_first=True), np.float64)
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    mask = np.triu(np.full((3, 3), -np.inf), 1)
    kpm = np.array([[False, False, True], [False, False, False]])
    (xo, xt) = both(x)
    extra_o = dict(key_padding_mask=chainrule.tensor(kpm)) if with_padding else {}
    extra_t = dict(key_padding_mask=pt.tensor(kpm)) if with_padding else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # a bool padding mask with a float attn_mask: both libraries warn
        out_o, _ = ours(xo, xo, xo, attn_mask=chainrule.tensor(mask), is_causal=True, need_weights=need_weights,
                        **extra_o)
        out_t, _ = theirs(xt, xt, xt, attn_mask=pt.tensor(mask), is_causal=True, need_weights=need_weights,
                          **extra_t)
    assert_close(out_o, out_t, "output")
    weighted_backward(chainrule, [out_o], 6)
    weighted_backward(pt, [out_t], 6)
    assert_close(xo.grad, xt.grad, "grad of x")
    check_params(ours, theirs, np.float64)


def test_multihead_attention_init_order_and_distribution():
    """out_proj is built (Linear's init draws) before the xavier_uniform_ in_proj_weight, as in PyTorch."""
    chainrule.manual_seed(3)
    mha = nn.MultiheadAttention(6, 2, add_bias_kv=True)
    chainrule.manual_seed(3)
    lin = nn.Linear(6, 6)
    w = nn.init.xavier_uniform_(chainrule.empty(18, 6))
    bk = nn.init.xavier_normal_(chainrule.empty(1, 1, 6))
    assert_close(mha.out_proj.weight, lin.weight, "out_proj.weight")
    assert_close(mha.in_proj_weight, w, "in_proj_weight")
    assert_close(mha.bias_k, bk, "bias_k")
    assert not np.any(mha.in_proj_bias.detach().numpy()) and not np.any(mha.out_proj.bias.detach().numpy())
    bound = math.sqrt(6 / (18 + 6))
    assert np.abs(mha.in_proj_weight.detach().numpy()).max() <= bound
    theirs = pt.nn.MultiheadAttention(6, 2, add_bias_kv=True)
    assert [(k, tuple(v.shape)) for k, v in mha.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    sep = nn.MultiheadAttention(6, 3, kdim=2, vdim=5, bias=False)
    assert [(k, tuple(v.shape)) for k, v in sep.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in pt.nn.MultiheadAttention(6, 3, kdim=2, vdim=5, bias=False).state_dict().items()]
    assert repr(sep) == repr(pt.nn.MultiheadAttention(6, 3, kdim=2, vdim=5, bias=False))


def test_multihead_attention_gradcheck():
    chainrule.manual_seed(4)
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2).to(chainrule.float64)
    q = chainrule.randn(2, 1, 4, dtype=chainrule.float64, requires_grad=True)
    k = chainrule.randn(3, 1, 3, dtype=chainrule.float64, requires_grad=True)
    v = chainrule.randn(3, 1, 2, dtype=chainrule.float64, requires_grad=True)
    kpm = chainrule.tensor([[False, False, True]])
    assert chainrule.autograd.gradcheck(lambda q, k, v, *p: mha(q, k, v, key_padding_mask=kpm),
                                        (q, k, v) + tuple(mha.parameters()))


MHA_ERRORS = {
    "not-divisible": (lambda lib: lib.nn.MultiheadAttention(5, 2), None),
    "zero-embed": (lambda lib: lib.nn.MultiheadAttention(0, 2), None),
    "embed-dim": (lambda lib: lib.nn.MultiheadAttention(4, 2), lambda lib, m: m(*(3 * [lib.zeros(2, 1, 3)]))),
    "4d-query": (lambda lib: lib.nn.MultiheadAttention(4, 2), lambda lib, m: m(*(3 * [lib.zeros(2, 1, 1, 4)]))),
    "key-dims": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                 lambda lib, m: m(lib.zeros(2, 1, 4), lib.zeros(2, 4), lib.zeros(2, 1, 4))),
    "unbatched-key-dims": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                           lambda lib, m: m(lib.zeros(2, 4), lib.zeros(2, 1, 4), lib.zeros(2, 4))),
    "kpm-dims": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                 lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), key_padding_mask=lib.zeros(2) > 0)),
    "unbatched-kpm-dims": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                           lambda lib, m: m(*(3 * [lib.zeros(2, 4)]), key_padding_mask=lib.zeros(1, 2) > 0)),
    "mask-dims": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                  lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), attn_mask=lib.zeros(2) > 0)),
    "unbatched-mask-dims": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                            lambda lib, m: m(*(3 * [lib.zeros(2, 4)]), attn_mask=lib.zeros(2) > 0)),
    "unbatched-mask-3d": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                          lambda lib, m: m(*(3 * [lib.zeros(2, 4)]), attn_mask=lib.zeros(1, 2, 2) > 0)),
    "mask-2d": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), attn_mask=lib.zeros(3, 2) > 0)),
    "mask-3d": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), attn_mask=lib.zeros(1, 2, 2) > 0)),
    "kpm-batch": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                  lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), key_padding_mask=lib.zeros(3, 2) > 0)),
    "kpm-length": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                   lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), key_padding_mask=lib.zeros(1, 3) > 0)),
    "int-mask": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                 lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), attn_mask=lib.zeros(2, 2).long())),
    "causal-no-mask": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                       lambda lib, m: m(*(3 * [lib.zeros(2, 1, 4)]), is_causal=True)),
    "key-value-shape": (lambda lib: lib.nn.MultiheadAttention(4, 2),
                        lambda lib, m: m(lib.zeros(2, 1, 4), lib.zeros(3, 1, 4), lib.zeros(2, 1, 4))),
    "separate-kv-shape": (lambda lib: lib.nn.MultiheadAttention(4, 2, kdim=3, vdim=2),
                          lambda lib, m: m(lib.zeros(2, 1, 4), lib.zeros(3, 1, 3), lib.zeros(2, 1, 2))),
}


@pytest.mark.parametrize("case", list(MHA_ERRORS))
def test_multihead_attention_errors_match_pytorch(case):
    build, call = MHA_ERRORS[case]

    def run(lib):
        m = build(lib)
        if call is not None:
            call(lib, m)

    with pytest.raises(Exception) as theirs:
        run(pt)
    with pytest.raises(Exception) as ours:
        run(chainrule)
    assert type(ours.value) is type(theirs.value)
    text = str(ours.value).replace("chainrule.Size", "torch.Size")
    assert text == str(theirs.value)


def test_functional_multi_head_attention_argument_errors_match_pytorch():
    """bias_k and bias_v come together, and not with a static key (F.multi_head_attention_forward's checks)."""
    def call(lib, bias_k, bias_v, static_k=None):
        x = lib.zeros(2, 1, 4)
        return lib.nn.functional.multi_head_attention_forward(
            x, x, x, 4, 2, lib.zeros(12, 4), lib.zeros(12), bias_k, bias_v, False, 0.0, lib.zeros(4, 4),
            lib.zeros(4), static_k=static_k)

    for lib_args in (lambda lib: (lib.zeros(1, 1, 4), None), lambda lib: (None, lib.zeros(1, 1, 4)),
                     lambda lib: (lib.zeros(1, 1, 4), lib.zeros(1, 1, 4), lib.zeros(2, 2, 2))):
        with pytest.raises(AssertionError) as theirs:
            call(pt, *lib_args(pt))
        with pytest.raises(AssertionError) as ours:
            call(chainrule, *lib_args(chainrule))
        assert str(ours.value) == str(theirs.value)
    out, w = call(chainrule, None, None)
    assert tuple(out.shape) == (2, 1, 4) and tuple(w.shape) == (1, 2, 2)


def test_mismatched_mask_types_warn_as_pytorch():
    mha = nn.MultiheadAttention(4, 2)
    x = chainrule.zeros(2, 1, 4)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        mha(x, x, x, key_padding_mask=chainrule.zeros(1, 2) > 0, attn_mask=chainrule.zeros(2, 2))


# --------------------------------------------------------------------------------- Transformer encoder
@st.composite
def encoder_case(draw):
    # d_model ≥ 3: over one or two features LayerNorm's output is (nearly) constant, and the input gradient
    # (0 in exact arithmetic) is float noise that no two libraries share
    heads, hd = draw(st.integers(1, 2)), draw(st.integers(3, 4))
    kw = dict(dim_feedforward=draw(st.integers(1, 6)), dropout=0.0, norm_first=draw(st.booleans()),
              batch_first=draw(st.booleans()), bias=draw(st.booleans()),
              activation=draw(st.sampled_from(["relu", "gelu", "module"])),
              layer_norm_eps=draw(st.sampled_from([1e-5, 1e-3])))
    return dict(heads=heads, d=heads * hd, kw=kw, S=draw(st.integers(1, 4)), N=draw(st.integers(0, 3)),
                mask=draw(st.sampled_from([None, "causal-float", "bool"])), kpm=draw(st.booleans()),
                layers=draw(st.sampled_from([0, 1, 2])), train=draw(st.booleans()), seed=draw(seeds))


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=12)
@given(case=encoder_case())
def test_transformer_encoder_matches_pytorch(dtype, case):
    """layers 0: one TransformerEncoderLayer; else a TransformerEncoder of that many copies plus a LayerNorm."""
    kw, d, heads = dict(case["kw"]), case["d"], case["heads"]
    if kw["activation"] == "module":
        kw["activation"] = None

    def build(lib):
        args = dict(kw, activation=lib.GELU() if kw["activation"] is None else kw["activation"])
        layer = lib.TransformerEncoderLayer(d, heads, **args)
        if case["layers"] == 0:
            return layer
        return lib.TransformerEncoder(layer, case["layers"], norm=lib.LayerNorm(d))

    ours, theirs = twins(build, dtype)
    assert repr(ours) == repr(theirs)
    if dtype == np.float32:
        # LayerNorm's float32 gradients cancel (PyTorch's own kernel is ~1e-5 off there) while chainrule
        # normalises in float64: the oracle is PyTorch in float64 on the same float32 numbers, rounded
        theirs = copy.deepcopy(theirs).double()
    ours.train(case["train"]), theirs.train(case["train"])
    rng = np.random.default_rng(case["seed"])
    S, N = case["S"], case["N"]
    shape = (S, d) if N == 0 else ((N, S, d) if kw["batch_first"] else (S, N, d))
    x = rng.standard_normal(shape).astype(dtype)
    xo, xt = chainrule.tensor(x, requires_grad=True), pt.tensor(x.astype(np.float64), requires_grad=True)
    call = {}
    mask_name = "src_mask" if case["layers"] == 0 else "mask"
    if case["mask"] == "causal-float":
        call[mask_name] = np.triu(np.full((S, S), -np.inf), 1).astype(dtype)
    elif case["mask"] == "bool":
        m = rng.random((S, S)) > 0.5
        m[:, 0] = False
        call[mask_name] = m
    if case["kpm"]:
        m = rng.random((S,) if N == 0 else (N, S)) > 0.5
        m[..., 0] = False
        call["src_key_padding_mask"] = m
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_o = ours(xo, **{k: chainrule.tensor(v) for k, v in call.items()})
        out_t = theirs(xt, **{k: pt.tensor(v if v.dtype == bool else v.astype(np.float64)) for k, v in call.items()})
    back = LIB_DTYPE[dtype][1]
    assert_close(out_o, out_t.to(back), "output", atol=_atol(out_t, dtype))
    weighted_backward(chainrule, [out_o], 5)
    w = np.random.default_rng(5).standard_normal(tuple(out_t.shape)).astype(dtype)
    (out_t * pt.tensor(w.astype(np.float64))).sum().backward()
    assert_close(xo.grad, xt.grad.to(back), "grad of src", atol=_atol(xt.grad, dtype))
    check_params(ours, theirs, dtype)


def test_transformer_encoder_nested_tensor_warning_and_repr_match_pytorch():
    for norm_first, batch_first in ((True, False), (False, False), (False, True)):
        def build(lib):
            return lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(4, 2, 8, norm_first=norm_first,
                                                                            batch_first=batch_first), 2)
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            t = build(pt)
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            o = build(chainrule)
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
        assert repr(o) == repr(t)
        assert [(k, tuple(v.shape)) for k, v in o.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


def test_transformer_encoder_layer_dropout_is_active_only_in_training():
    chainrule.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5)
    x = chainrule.randn(3, 2, 4)
    layer.eval()
    a, b = layer(x), layer(x)
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), a.detach().numpy())
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
