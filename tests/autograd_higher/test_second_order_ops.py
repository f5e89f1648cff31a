"""Second derivatives of every differentiable op, compared with PyTorch's (hypothesis-drawn shapes/values)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from autograd_higher.second_order import second_order


def _pos(a):
    return np.abs(a) + 0.5


def _unit(a):
    return np.tanh(a) * 0.9


U = lambda lib, x: x  # noqa: E731
F = lambda lib: lib.nn.functional  # noqa: E731

# name -> (fn(lib, *inputs), input makers given a base shape and rng)
UNARY = {
    "exp": lambda L, x: x.exp(), "log": lambda L, x: x.abs().add(0.5).log(), "log1p": lambda L, x: (x.abs()).log1p(),
    "sqrt": lambda L, x: (x * x + 0.5).sqrt(), "rsqrt": lambda L, x: (x * x + 0.5).rsqrt(),
    "abs": lambda L, x: x.abs() * x, "sin": lambda L, x: x.sin(), "cos": lambda L, x: x.cos(),
    "tanh": lambda L, x: x.tanh(), "sigmoid": lambda L, x: x.sigmoid(), "relu": lambda L, x: x.relu() * x,
    "neg": lambda L, x: -x * x, "square": lambda L, x: x.square(), "pow3": lambda L, x: x ** 3,
    "pow_half": lambda L, x: (x * x + 1) ** 0.5, "pow_neg": lambda L, x: (x * x + 1) ** -1.5,
    "rpow": lambda L, x: 2.0 ** x, "reciprocal": lambda L, x: (x * x + 0.5).reciprocal(),
    "log2": lambda L, x: (x * x + 0.5).log2(), "log10": lambda L, x: (x * x + 0.5).log10(),
    "exp2": lambda L, x: x.exp2(), "expm1": lambda L, x: x.expm1(), "tan": lambda L, x: (x * 0.3).tan(),
    "asin": lambda L, x: (x.tanh() * 0.9).asin(), "acos": lambda L, x: (x.tanh() * 0.9).acos(),
    "atan": lambda L, x: x.atan(), "sinh": lambda L, x: x.sinh(), "cosh": lambda L, x: x.cosh(),
    "erf": lambda L, x: x.erf(), "clamp": lambda L, x: x.clamp(-0.5, 0.5) * x,
    "leaky_relu": lambda L, x: L.nn.functional.leaky_relu(x, 0.1) * x,
    "elu": lambda L, x: L.nn.functional.elu(x), "gelu": lambda L, x: L.nn.functional.gelu(x),
    "gelu_tanh": lambda L, x: L.nn.functional.gelu(x, approximate="tanh"),
    "silu": lambda L, x: L.nn.functional.silu(x), "softplus": lambda L, x: L.nn.functional.softplus(x),
    "logsigmoid": lambda L, x: L.nn.functional.logsigmoid(x),
    "hardtanh": lambda L, x: L.nn.functional.hardtanh(x) * x,
    "sum": lambda L, x: x.sum() ** 2, "sum_dim": lambda L, x: x.sum(dim=-1) ** 2,
    "mean": lambda L, x: x.mean(dim=0, keepdim=True) ** 2, "prod": lambda L, x: x.prod(dim=-1),
    "prod_all": lambda L, x: (x * 0.5 + 1).prod(),
    "amax": lambda L, x: x.amax(dim=-1) ** 2, "max_dim": lambda L, x: x.max(dim=-1)[0] ** 2,
    "min": lambda L, x: x.min() * x.sum(),
    "var": lambda L, x: x.var(dim=-1), "std": lambda L, x: (x * x + 1).std(dim=-1),
    "norm": lambda L, x: (x + 3).norm(), "logsumexp": lambda L, x: x.logsumexp(dim=-1),
    "softmax": lambda L, x: L.softmax(x, dim=-1), "log_softmax": lambda L, x: L.log_softmax(x, dim=-1),
    "cumsum": lambda L, x: x.cumsum(dim=-1) ** 2,
    "reshape": lambda L, x: x.reshape(-1) ** 2, "t": lambda L, x: (x.t() if x.ndim == 2 else x) ** 3,
    "expand": lambda L, x: x.unsqueeze(0).expand(3, *x.shape) ** 2, "repeat": lambda L, x: x.repeat(2, 1) ** 2,
    "flip": lambda L, x: x.flip(0) * x, "index": lambda L, x: x[1:, ::2] ** 3,
    "index_adv": lambda L, x: x[[0, -1, 0]] ** 3, "cat": lambda L, x: L.cat([x, x * x]) ** 2,
    "stack": lambda L, x: L.stack([x, x.sin()]) ** 2, "where": lambda L, x: L.where(x > 0, x * x, x.exp()),
    "clone": lambda L, x: x.clone() ** 2, "float": lambda L, x: x.float().double() ** 2,
    "mse": lambda L, x: L.nn.functional.mse_loss(x * x, x.detach() * 0 + 0.5),
    "smooth_l1": lambda L, x: L.nn.functional.smooth_l1_loss(x * x, x.detach() * 0 + 0.5),
    "huber": lambda L, x: L.nn.functional.huber_loss(x * 2, x.detach() * 0 + 0.5),
    "bce": lambda L, x: L.nn.functional.binary_cross_entropy(x.sigmoid(), (x.detach() > 0).double()),
    "bce_logits": lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(x, (x.detach() > 0).double()),
    "cross_entropy": lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 1, 0, 2, 1, 0][:x.shape[0]]) % x.shape[1]),
    "nll": lambda L, x: L.nn.functional.nll_loss(x.log_softmax(-1), L.tensor([0, 1, 0, 2, 1, 0][:x.shape[0]]) % x.shape[1]),
    "layer_norm": lambda L, x: L.nn.functional.layer_norm(x, x.shape[-1:]),
    "masked_fill": lambda L, x: (x * x).masked_fill(x > 0, 1.0) * x,
    "gather": lambda L, x: (x ** 3).gather(1, L.tensor([[0, 1]] * x.shape[0])),
    "index_select": lambda L, x: (x ** 3).index_select(0, L.tensor([x.shape[0] - 1, 0])),
    "triu": lambda L, x: (x * x).triu() ** 2, "sort": lambda L, x: (x ** 3).sort(dim=1)[0],
    "topk": lambda L, x: (x ** 3).topk(2, dim=1)[0], "normalize": lambda L, x: L.nn.functional.normalize(x + 1),
    "vector_norm": lambda L, x: L.linalg.vector_norm(x + 2, dim=1), "matrix_norm": lambda L, x: L.linalg.matrix_norm(x + 2),
    "l1": lambda L, x: L.nn.functional.l1_loss(x * x, x.detach() * 0),
    "max_all": lambda L, x: (x * x).max() * x, "std_all": lambda L, x: x.std(),
    "cross_entropy_smooth": lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 1, 0, 1][:x.shape[0]]),
                                                                        label_smoothing=0.1),
    "cross_entropy_probs": lambda L, x: L.nn.functional.cross_entropy(x, x.detach().softmax(-1)),
    "setitem": lambda L, x: _assigned(x),
}

def _assigned(x):
    y = x.clone()
    y[0] = x[-1] * x[0]
    return y * y


BINARY = {
    "add": lambda L, a, b: (a + b) ** 2, "sub": lambda L, a, b: (a - 2 * b) ** 2, "mul": lambda L, a, b: a * b * a,
    "div": lambda L, a, b: a / (b * b + 0.5), "pow": lambda L, a, b: (a * a + 0.5) ** b,
    "maximum": lambda L, a, b: L.maximum(a, b) * a, "minimum": lambda L, a, b: L.minimum(a, b) * b,
    "lerp": lambda L, a, b: L.lerp(a, b, 0.3) ** 2, "lerp_t": lambda L, a, b: L.lerp(a * a, b, a.sigmoid()),
    "atan2_like": lambda L, a, b: (a * b).tanh() / (b * b + 1),
    "matmul": lambda L, a, b: (a @ b.t()).tanh(), "einsum": lambda L, a, b: L.einsum("ij,kj->ik", a, b) ** 2,
    "linear": lambda L, a, b: L.nn.functional.linear(a, b).sigmoid(),
    "mse2": lambda L, a, b: L.nn.functional.mse_loss(a.tanh(), b),
    "bce_logits2": lambda L, a, b: L.nn.functional.binary_cross_entropy_with_logits(a, b.sigmoid()),
    "remainder": lambda L, a, b: (a % (b * b + 1.5)) * a,
}

shapes = st.sampled_from([(3, 4), (2, 3), (4, 2), (1, 5)])


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_unary_second_derivative_matches_torch(name, shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    second_order(UNARY[name], [x], seed=seed)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_binary_second_derivative_matches_torch(name, shape, seed):
    rng = np.random.default_rng(seed)
    second_order(BINARY[name], [rng.standard_normal(shape), rng.standard_normal(shape)], seed=seed)


def test_float32_second_derivative_matches_torch():
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    second_order(lambda L, x: (x.sigmoid() * x.exp()).sum(dim=1) ** 2, [x])


def _nn(L):
    return L.nn.functional


LAYERS = {
    "conv2d": ([(2, 2, 5, 5), (3, 2, 3, 3), (3,)],
               lambda L, x, w, b: _nn(L).conv2d(x, w, b, padding=1).tanh()),
    "conv2d_stride": ([(1, 2, 6, 6), (2, 2, 3, 3), (2,)],
                      lambda L, x, w, b: _nn(L).conv2d(x, w, b, stride=2, dilation=1) ** 2),
    "conv1d": ([(2, 2, 7), (3, 2, 3), (3,)], lambda L, x, w, b: _nn(L).conv1d(x, w, b, padding=1).sigmoid()),
    "conv_transpose2d": ([(1, 2, 4, 4), (2, 3, 3, 3), (3,)],
                         lambda L, x, w, b: _nn(L).conv_transpose2d(x, w, b, stride=2) ** 2),
    "max_pool2d": ([(2, 2, 6, 6)], lambda L, x: _nn(L).max_pool2d(x * x, 2) ** 2),
    "max_pool2d_pad": ([(1, 2, 5, 5)], lambda L, x: _nn(L).max_pool2d(x * x, 3, stride=2, padding=1) ** 2),
    "adaptive_max_pool2d": ([(1, 2, 5, 5)], lambda L, x: _nn(L).adaptive_max_pool2d(x * x, 2) ** 2),
    "max_pool1d": ([(1, 2, 6)], lambda L, x: _nn(L).max_pool1d(x * x, 2) ** 2),
    "reflect_pad": ([(1, 2, 5)], lambda L, x: _nn(L).pad(x * x, (2, 1), mode="reflect") ** 2),
    "unfold": ([(1, 2, 4, 4)], lambda L, x: _nn(L).unfold(x * x, 2) ** 2),
    "fold": ([(1, 8, 9)], lambda L, x: _nn(L).fold(x * x, (4, 4), 2) ** 2),
    "conv_transpose1d": ([(1, 2, 4), (2, 1, 2)], lambda L, x, w: _nn(L).conv_transpose1d(x, w) ** 2),
    "avg_pool2d": ([(2, 2, 6, 6)], lambda L, x: _nn(L).avg_pool2d(x * x, 2) ** 2),
    "adaptive_avg_pool2d": ([(2, 2, 5, 5)], lambda L, x: _nn(L).adaptive_avg_pool2d(x * x, 1) ** 2),
    "batch_norm": ([(4, 3), (3,), (3,)],
                   lambda L, x, w, b: _nn(L).batch_norm(x, None, None, w, b, training=True) ** 2),
    "batch_norm2d": ([(3, 2, 3, 3), (2,), (2,)],
                     lambda L, x, w, b: _nn(L).batch_norm(x, None, None, w, b, training=True).tanh()),
    "layer_norm_affine": ([(3, 5), (5,), (5,)], lambda L, x, w, b: _nn(L).layer_norm(x, (5,), w, b) ** 2),
    "group_norm": ([(2, 4, 3), (4,), (4,)], lambda L, x, w, b: _nn(L).group_norm(x, 2, w, b) ** 2),
    "embedding": ([(5, 3)], lambda L, w: _nn(L).embedding(L.tensor([[0, 2], [4, 2]]), w) ** 3),
    "pad": ([(2, 3)], lambda L, x: _nn(L).pad(x, (1, 2)) ** 3),
    "attention": ([(2, 3, 4), (2, 3, 4), (2, 3, 4)],
                  lambda L, q, k, v: _nn(L).scaled_dot_product_attention(q, k, v) ** 2),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@given(seed=st.integers(0, 2**16))
def test_layer_second_derivative_matches_torch(name, seed):
    shapes_, fn = LAYERS[name]
    rng = np.random.default_rng(seed)
    second_order(fn, [rng.standard_normal(s) for s in shapes_], seed=seed)


def _seeded(build):
    def fn(L, *xs):
        L.manual_seed(0)                 # the same initial weights and dropout masks in both libraries
        return build(L, *xs)
    return fn


MODULES = {
    "rnn": ((2, 3, 3), _seeded(lambda L, x: L.nn.RNN(3, 4, batch_first=True).double()(x)[0].sum(dim=1))),
    "gru": ((2, 3, 3), _seeded(lambda L, x: L.nn.GRU(3, 4, batch_first=True).double()(x)[0].sum(dim=1))),
    "lstm": ((2, 3, 3), _seeded(lambda L, x: L.nn.LSTM(3, 4, batch_first=True).double()(x)[0].sum(dim=1))),
    "dropout": ((3, 4), _seeded(lambda L, x: L.nn.functional.dropout(x * x, 0.3))),
    "multihead_attention": ((2, 3, 4), _seeded(
        lambda L, q: L.nn.MultiheadAttention(4, 2, batch_first=True).double()(q, q, q)[0])),
    "chunk_split": ((4, 6), lambda L, x: L.stack([(p.sin() ** 2).sum() for p in x.chunk(3, dim=1)]
                                                 + [(p ** 3).sum() for p in x.split([1, 3], dim=0)])),
    "unbind": ((3, 4), lambda L, x: L.stack([r.exp() for r in x.unbind(0)], dim=1)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
@settings(max_examples=8)
@given(seed=st.integers(0, 2**16))
def test_module_second_derivative_matches_torch(name, seed):
    shape, fn = MODULES[name]
    second_order(fn, [np.random.default_rng(seed).standard_normal(shape)], seed=seed)
