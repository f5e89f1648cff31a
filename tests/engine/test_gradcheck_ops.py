"""chainrule.autograd.gradcheck (central differences, float64) passes on every differentiable op, and
fails loudly on a wrong backward."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import chainrule
from chainrule.autograd import gradcheck
from .strategies import shapes, arrays, broadcast_pair, distinct_array


def t(a):
    return chainrule.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


UNARY = {
    "exp": (lambda x: x.exp(), -2, 2), "log": (lambda x: x.log(), 0.2, 3), "log1p": (lambda x: x.log1p(), -0.5, 3),
    "sqrt": (lambda x: x.sqrt(), 0.2, 3), "rsqrt": (lambda x: x.rsqrt(), 0.2, 3),
    "abs": (lambda x: x.abs(), -3, 3), "sign": (lambda x: x.sign(), -3, 3), "sin": (lambda x: x.sin(), -3, 3),
    "cos": (lambda x: x.cos(), -3, 3), "tanh": (lambda x: x.tanh(), -3, 3), "sigmoid": (lambda x: x.sigmoid(), -5, 5),
    "relu": (lambda x: x.relu(), -3, 3), "neg": (lambda x: -x, -3, 3), "clamp": (lambda x: x.clamp(-0.5, 0.7), -2, 2),
    "pow2": (lambda x: x ** 2, -2, 2), "pow_half": (lambda x: x ** 0.5, 0.2, 3), "rpow": (lambda x: 2.0 ** x, -2, 2),
    "sum": (lambda x: x.sum(), -2, 2), "mean": (lambda x: x.mean(), -2, 2), "prod": (lambda x: x.prod(), -2, 2),
    "max": (lambda x: x.max(), -2, 2), "amin": (lambda x: x.amin(), -2, 2), "var": (lambda x: x.var(), -2, 2),
    "std": (lambda x: x.std(), -2, 2), "norm": (lambda x: x.norm(), -2, 2), "norm3": (lambda x: x.norm(p=3), -2, 2),
    "logsumexp": (lambda x: x.logsumexp(-1), -3, 3), "softmax": (lambda x: x.softmax(-1), -3, 3),
    "log_softmax": (lambda x: x.log_softmax(-1), -3, 3), "flatten": (lambda x: x.flatten(), -1, 1),
    "T": (lambda x: x.T, -1, 1), "unsqueeze": (lambda x: x.unsqueeze(0), -1, 1),
    "repeat": (lambda x: x.repeat(2, 1, 1), -1, 1), "expand": (lambda x: x.expand(3, *x.shape), -1, 1),
    "index": (lambda x: x[..., 1:], -1, 1), "fancy_index": (lambda x: x[chainrule.tensor([0, 0, 1])], -1, 1),
    "mask": (lambda x: x[x > 0], -1, 1), "chunk": (lambda x: x.chunk(2, -1)[-1] * 2, -1, 1),
    "clone": (lambda x: x.clone(), -1, 1), "square": (lambda x: x.square(), -1, 1),
    "reciprocal": (lambda x: x.reciprocal(), 0.3, 2),
    "cumsum": (lambda x: x.cumsum(-1), -1, 1), "flip": (lambda x: x.flip(0), -1, 1),
    "sort": (lambda x: x.sort(-1).values, -1, 1), "topk": (lambda x: x.topk(1, 0).values, -1, 1),
    "masked_fill": (lambda x: x.masked_fill(x > 0.5, 0.0), -1, 1), "std_dim": (lambda x: x.std(0), -1, 1),
    "var_dim": (lambda x: x.var(-1, correction=0), -1, 1), "max_dim": (lambda x: x.max(-1).values, -1, 1),
    "norm_inf": (lambda x: x.norm(p=float("inf"), dim=-1), -1, 1), "tril": (lambda x: x.tril(), -1, 1),
    "permute": (lambda x: x.permute(*reversed(range(x.ndim))), -1, 1), "split": (lambda x: x.split(1, 0)[0], -1, 1),
    "floor": (lambda x: x.floor() + x, -2, 2),
    "log2": (lambda x: x.log2(), 0.2, 3), "log10": (lambda x: x.log10(), 0.2, 3), "exp2": (lambda x: x.exp2(), -2, 2),
    "expm1": (lambda x: x.expm1(), -2, 2), "tan": (lambda x: x.tan(), -1.2, 1.2), "asin": (lambda x: x.asin(), -0.9, 0.9),
    "acos": (lambda x: x.acos(), -0.9, 0.9), "atan": (lambda x: x.atan(), -3, 3), "sinh": (lambda x: x.sinh(), -2, 2),
    "cosh": (lambda x: x.cosh(), -2, 2), "erf": (lambda x: x.erf(), -2, 2),
}
KINKS = {"abs": [0], "relu": [0], "sign": [0], "clamp": [-0.5, 0.7], "mask": [0], "masked_fill": [0.5],
         "floor": [-2, -1, 0, 1, 2]}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_gradcheck_unary_and_reductions(name, data):
    fn, lo, hi = UNARY[name]
    if name in ("max", "amin", "norm", "norm3", "var", "std", "prod", "sort", "topk", "std_dim", "var_dim",
                "max_dim", "norm_inf"):
        a = data.draw(distinct_array(shapes(1, 3, min_side=2))).astype(np.float64)
    else:
        a = data.draw(arrays(data.draw(shapes(2, 3, min_side=2)), np.float64, lo, hi, KINKS.get(name)))
    assert gradcheck(fn, (t(a),))


BINARY = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y, "div": lambda x, y: x / y,
    "pow": lambda x, y: x.abs() ** y, "maximum": lambda x, y: chainrule.maximum(x, y),
    "minimum": lambda x, y: chainrule.minimum(x, y), "where": lambda x, y: chainrule.where(x > y, x * 2, y),
    "clamp_t": lambda x, y: x.clamp(min=y), "cat": lambda x, y: chainrule.cat([x.reshape(-1), y.reshape(-1)]),
    "stack": lambda x, y: chainrule.stack([x + 0 * y, y + 0 * x]),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_gradcheck_binary_with_broadcasting(name, data):
    s1, s2 = data.draw(broadcast_pair(max_dims=3))
    a = data.draw(arrays(s1, np.float64, 0.3, 2))
    b = data.draw(arrays(s2, np.float64, 0.3, 2))
    if name in ("maximum", "minimum", "where", "clamp_t"):
        b = b + 0.013          # break ties between the drawn values
    assert gradcheck(BINARY[name], (t(a), t(b)))


@given(data=st.data())
def test_gradcheck_matmul(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    shapes_ = data.draw(st.sampled_from([((k,), (k,)), ((n, k), (k,)), ((k,), (k, m)), ((n, k), (k, m)),
                                         ((2, n, k), (k, m)), ((2, 1, n, k), (3, k, m))]))
    a, b = (data.draw(arrays(s, np.float64, -2, 2)) for s in shapes_)
    assert gradcheck(lambda x, y: x @ y, (t(a), t(b)))


def test_gradcheck_setitem_and_in_place_on_non_leaf():
    def f(x, v):
        y = x * 1
        y[1:, 0] = v
        y += y * 2
        y[0].mul_(3)
        y.t()[1] += v.sum()
        y.view(-1)[::2].mul_(y.view(-1)[1::2].clone())
        return y
    assert gradcheck(f, (t(np.random.default_rng(0).standard_normal((3, 2))), t([0.5, -0.3])))


def test_gradcheck_detects_a_wrong_backward():
    class WrongSquare(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x          # should be 2·x·g

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(WrongSquare.apply, (t([1.0, 2.0]),))
    assert gradcheck(WrongSquare.apply, (t([1.0, 2.0]),), raise_exception=False) is False


def test_gradcheck_warns_on_float32_inputs():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda a: a * 2, (x,), eps=1e-3, atol=1e-2)


def test_gradcheck_with_several_outputs_and_non_contiguous_inputs():
    base = np.random.default_rng(1).standard_normal((3, 4))
    x = chainrule.tensor(base).t().requires_grad_()          # a transposed (non-contiguous) leaf
    assert gradcheck(lambda a: (a.sin(), a.sum(0) * 2, a.argmax()), (x,))
    assert gradcheck(lambda a: a.max(1), (chainrule.tensor(base + np.arange(4) * 0.1, requires_grad=True),))
