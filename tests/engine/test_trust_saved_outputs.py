"""A saved output changed in place is refused at backward, for every op that saves its output and every
shape — 0-d included (issue 11, finding F76).

PyTorch's ops that back-propagate through their own result (``exp``, ``sigmoid``, ``tanh``, ``sqrt``,
``rsqrt``, ``softmax``, ``norm``, ``std``, ``logsumexp``, ``amax`` …) save it, and an in-place change of
that result makes backward raise "one of the variables needed for gradient computation has been modified
by an inplace operation".  A 0-d forward computes NumPy scalars, not arrays, so the saved output used to
be a copy whose version nobody tracked: ``y = x.exp(); y *= 2`` then gave a silently wrong gradient.
"""
from __future__ import annotations

import numpy as np
import pytest

import chainrule

from .test_trust_views import run, same_as_torch

SAVES_ITS_OUTPUT = {
    "exp": lambda lib, x: x.exp(),
    "exp2": lambda lib, x: lib.exp2(x),
    "sigmoid": lambda lib, x: x.sigmoid(),
    "tanh": lambda lib, x: x.tanh(),
    "sqrt": lambda lib, x: x.sqrt(),
    "rsqrt": lambda lib, x: x.rsqrt(),
    "relu": lambda lib, x: x.relu(),
    "softmax": lambda lib, x: x.softmax(-1),
    "log_softmax": lambda lib, x: x.log_softmax(-1),
    "norm()": lambda lib, x: x.norm(),
    "norm(dim)": lambda lib, x: x.norm(dim=-1),
    "std()": lambda lib, x: x.std(unbiased=False),
    "logsumexp": lambda lib, x: lib.logsumexp(x, -1),
    "amax(dim)": lambda lib, x: x.amax(-1),
    "amin(dim)": lambda lib, x: x.amin(-1),
    "max()": lambda lib, x: x.max(),
    "min()": lambda lib, x: x.min(),
    "prod()": lambda lib, x: x.prod(),
}

CHANGES = {
    "mul_": lambda y: y.mul_(2.0),
    "add_": lambda y: y.add_(1.0),
    "*= of itself": lambda y: y.__imul__(y.sum() * 2),
    "zero_": lambda y: y.zero_(),
    "setitem": lambda y: y.__setitem__(..., 0.5),
}

SHAPES = [(), (1,), (3,), (2, 3)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("op", SAVES_ITS_OUTPUT)
def test_a_saved_output_changed_in_place_is_refused_like_torch(op, change, shape):
    def program(lib, x):
        y = SAVES_ITS_OUTPUT[op](lib, x * 1)
        CHANGES[change](y)
        return (y * 1).sum()

    x = np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape)
    same_as_torch(program, x)
    ours = run(chainrule, program, (x,))
    assert ours[0] == "raised" and "modified by an inplace operation" in str(ours[1]), ours


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("op", SAVES_ITS_OUTPUT)
def test_without_a_change_the_saved_output_gives_torchs_gradient(op, shape, dtype):
    def program(lib, x):
        return (SAVES_ITS_OUTPUT[op](lib, x * 1) * 3).sum()

    same_as_torch(program, np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape).astype(dtype))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("first", ["exp_", "sigmoid_", "tanh_", "sqrt_", "relu_"])
def test_an_in_place_op_saving_its_result_then_a_change_is_refused_like_torch(first, shape):
    """F76's own program: ``v.exp_(); v *= v.sum() * 2`` on a 0-d tensor."""
    def program(lib, x):
        v = x.clone() * 1
        getattr(v, first)()
        v *= v.sum() * 2
        return v.sum()

    x = np.full(shape, 0.75)
    same_as_torch(program, x)
    assert run(chainrule, program, (x,))[0] == "raised"


def test_a_0d_saved_intermediate_equal_to_the_output_is_not_mistaken_for_it():
    """Only an op that saves its output refuses: ``x * y`` of 0-d tensors saves its inputs, and a later
    change of its result (which happens to equal neither) back-propagates, as in PyTorch."""
    def program(lib, x, y):
        z = x * y
        z.add_(1.0)
        return z

    same_as_torch(program, np.array(1.0), np.array(1.0))
    assert run(chainrule, program, (np.array(1.0), np.array(1.0)))[0] == "ok"
