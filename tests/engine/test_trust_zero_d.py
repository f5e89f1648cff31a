"""0-d tensors through backward (issue 11, findings F27 and F78).

NumPy turns arithmetic on 0-d arrays into NumPy scalars; two 0-d gradients summed where paths meet were a
scalar that a later step could not write into (``v[...] = …`` then backward raised TypeError).
"""
from __future__ import annotations

import numpy as np
import pytest

import torch

import chainrule

from .test_trust_views import same_as_torch


def W(lib, t):
    return lib.tensor(np.cos(np.arange(t.numel()) + 1.0).reshape(tuple(t.shape)), dtype=t.dtype)


PROGRAMS = {
    "setitem of a 0-d non-leaf, used twice": lambda lib, x: _setitem(lib, x),
    "setitem of a 0-d norm output (refused: saved)": lambda lib, x: _norm_setitem(lib, x),
    "0-d paths meeting before a select": lambda lib, x: _paths(lib, x),
}


def _setitem(lib, x):
    v0 = x * 2
    v0[...] = v0.sum()
    v2 = v0 * 1
    return sum((v * W(lib, v)).sum() for v in (x, v0, v2))


def _norm_setitem(lib, x):
    v1 = x.norm(p=float("inf"))
    v1[...] = lib.tensor(True).all()
    return (lib.relu(v1) * 2).sum()


def _paths(lib, x):
    a = x * 3
    b = a + a                # two 0-d gradients summed into a
    c = b.unsqueeze(0)
    c[0] = a * 2
    return (c * W(lib, c)).sum()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", PROGRAMS)
def test_0d_programs_backpropagate_like_torch(name, dtype):
    same_as_torch(PROGRAMS[name], np.array(-1.0, dtype=dtype))


@pytest.mark.parametrize("change", ["zero_", "masked_fill_", "fill_", "add_"])
def test_in_place_change_of_a_0d_reduction_result_like_torch(change):
    """all()/any() of a tensor return a 0-d tensor that may be changed in place (F67)."""
    out = []
    for lib in (chainrule, torch):
        v = lib.tensor([0.0, 1.0]).all()
        if change == "masked_fill_":
            v.masked_fill_(lib.tensor(True), 1.0)
        elif change == "fill_":
            v.fill_(True)
        elif change == "add_":
            v = lib.tensor([2.0, 1.0]).amax()
            v.add_(1.0)
        else:
            v.zero_()
        out.append((v.item(), str(v.dtype).split(".")[-1]))
    assert out[0] == out[1]
