"""Bad arguments to the random functions: PyTorch's exception class and message."""
from __future__ import annotations

import pytest
import torch

import chainrule

CASES = {
    "rand-int": lambda L: L.rand(3, dtype=L.int64),
    "randn-int": lambda L: L.randn(3, dtype=L.int64),
    "uniform-bounds": lambda L: L.empty(3).uniform_(2, 1),
    "uniform-int": lambda L: L.empty(3, dtype=L.int32).uniform_(),
    "normal-std": lambda L: L.empty(3).normal_(0, -1),
    "normal-int": lambda L: L.empty(3, dtype=L.int64).normal_(),
    "normal-function-std": lambda L: L.normal(0.0, -1.0, (3,)),
    "exponential-int": lambda L: L.empty(3, dtype=L.int64).exponential_(),
    "exponential-lambda": lambda L: L.empty(3).exponential_(-1),
    "log-normal-std": lambda L: L.empty(3).log_normal_(1, -1),
    "log-normal-int": lambda L: L.empty(3, dtype=L.int64).log_normal_(),
    "cauchy-sigma": lambda L: L.empty(3).cauchy_(0, -1),
    "cauchy-int": lambda L: L.empty(3, dtype=L.int64).cauchy_(),
    "geometric-p": lambda L: L.empty(3).geometric_(1.5),
    "random-from-to": lambda L: L.empty(3).random_(5, 2),
    "randint-empty-range": lambda L: L.randint(5, 5, (3,)),
    "bernoulli-p": lambda L: L.empty(3).bernoulli_(1.5),
    "bernoulli-probabilities": lambda L: L.bernoulli(L.tensor([0.5, 1.5])),
    "bernoulli-int": lambda L: L.bernoulli(L.tensor([1, 0])),
    "multinomial-3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    "multinomial-int": lambda L: L.multinomial(L.tensor([1, 2]), 1),
    "multinomial-zero-samples": lambda L: L.multinomial(L.ones(3), 0),
    "multinomial-too-many": lambda L: L.multinomial(L.ones(3), 4),
    "multinomial-negative": lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1),
    "multinomial-inf": lambda L: L.multinomial(L.tensor([1.0, float("inf")]), 1),
    "multinomial-zero-sum": lambda L: L.multinomial(L.zeros(3), 1),
    "randperm-negative": lambda L: L.randperm(-1),
    "normal-without-size": lambda L: L.normal(0.0, 1.0),
    "randint-without-size": lambda L: L.randint(5),
}


def _error(lib, case):
    with pytest.raises(Exception) as info:
        CASES[case](lib)
    return info.value


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_matches_torch(case):
    ours, theirs = _error(chainrule, case), _error(torch, case)
    assert type(ours) is type(theirs), f"{type(ours).__name__} (chainrule) vs {type(theirs).__name__} (torch)"
    first = str(theirs).splitlines()[0]
    if isinstance(theirs, TypeError):     # torch's overload list differs in detail: the opening must agree
        first = first.split(", but expected")[0]
    assert str(ours).startswith(first.split("  (Could this")[0].strip()), f"{ours} vs {theirs}"


def test_random_unknown_keyword():
    with pytest.raises(TypeError, match="random_\\(\\) got an unexpected keyword argument 'form'"):
        chainrule.empty(3).random_(form=2)
