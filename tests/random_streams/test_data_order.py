"""DataLoader shuffling, samplers and random_split in PyTorch's order after the same seed, and the global
stream after them (PyTorch's loader draws a base seed per epoch, shuffled or not)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, strategies as st

import chainrule
import chainrule.utils.data as cud

from .helpers import assert_same


def _data(lib):
    return tud if lib is torch else cud


def _run(seed, program):
    chainrule.manual_seed(seed)
    ours = program(chainrule)
    torch.manual_seed(seed)
    theirs = program(torch)
    return ours, theirs


@given(n=st.integers(1, 60), batch=st.integers(1, 16), shuffle=st.booleans(), drop_last=st.booleans(),
       seed=st.integers(0, 2 ** 32), with_generator=st.booleans())
def test_dataloader_epochs(n, batch, shuffle, drop_last, seed, with_generator):
    def program(lib):
        ds = _data(lib).TensorDataset(lib.arange(n), lib.arange(n) * 10)
        g = lib.Generator().manual_seed(seed + 1) if with_generator else None
        loader = _data(lib).DataLoader(ds, batch_size=batch, shuffle=shuffle, drop_last=drop_last, generator=g)
        epochs = [[b[0].tolist() for b in loader] for _ in range(3)]
        return epochs, lib.rand(3).tolist()             # the global stream after three epochs
    ours, theirs = _run(seed, program)
    assert ours == theirs


def test_training_loop_stream():
    """Model init, shuffled batches and dropout interleave on one stream, as in a tutorial's loop."""
    def program(lib):
        x, y = lib.randn(40, 3), lib.randint(0, 2, (40,))
        loader = _data(lib).DataLoader(_data(lib).TensorDataset(x, y), batch_size=8, shuffle=True)
        model = lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Dropout(0.5), lib.nn.Linear(5, 2))
        seen = []
        for epoch in range(2):
            for xb, yb in loader:
                seen.append(yb.tolist())
                seen.append(np.round(model(xb).detach().numpy(), 5).tolist())
        return seen
    ours, theirs = _run(3, program)
    assert ours == theirs


@pytest.mark.parametrize("replacement,num_samples", [(False, None), (False, 25), (True, 10), (True, 70)])
def test_random_sampler(replacement, num_samples):
    def program(lib):
        s = _data(lib).RandomSampler(range(20), replacement=replacement, num_samples=num_samples)
        g = _data(lib).RandomSampler(range(20), replacement=replacement, num_samples=num_samples,
                                     generator=lib.Generator().manual_seed(5))
        return [list(s), list(s), list(g), list(g), lib.rand(2).tolist()]
    ours, theirs = _run(8, program)
    assert ours == theirs


def test_subset_random_sampler():
    def program(lib):
        s = _data(lib).SubsetRandomSampler([3, 9, 4, 100, 7])
        g = _data(lib).SubsetRandomSampler([3, 9, 4, 100, 7], generator=lib.Generator().manual_seed(2))
        return [list(s), list(s), list(g), lib.rand(2).tolist()]
    ours, theirs = _run(6, program)
    assert ours == theirs


@given(n=st.integers(1, 80), seed=st.integers(0, 2 ** 32), parts=st.integers(1, 4), fractions=st.booleans(),
       with_generator=st.booleans())
def test_random_split(n, seed, parts, fractions, with_generator):
    rng = np.random.default_rng(seed)
    if fractions:
        w = rng.random(parts) + 0.1
        lengths = list(w / w.sum())
        lengths[-1] = 1 - sum(lengths[:-1])
    else:
        cuts = sorted(rng.integers(0, n + 1, parts - 1).tolist())
        lengths = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    def program(lib):
        g = lib.Generator().manual_seed(seed) if with_generator else None
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            splits = _data(lib).random_split(range(n), lengths, generator=g)
        return [list(s.indices) for s in splits], lib.rand(2).tolist()
    ours, theirs = _run(seed, program)
    assert ours == theirs


def test_generated_indices_are_plain_ints():
    chainrule.manual_seed(0)
    batch = next(iter(cud.DataLoader(list(range(10)), batch_size=4, shuffle=True)))
    torch.manual_seed(0)
    expected = next(iter(tud.DataLoader(list(range(10)), batch_size=4, shuffle=True)))
    assert_same(batch.numpy(), expected.numpy())


@pytest.mark.parametrize("replacement,num_samples", [(True, 1), (True, 50), (False, 6)])
def test_weighted_random_sampler(replacement, num_samples):
    weights = [0.1, 2.0, 0.0, 1.5, 0.7, 3.0, 0.2]
    def program(lib):
        s = _data(lib).WeightedRandomSampler(weights, num_samples, replacement=replacement)
        g = _data(lib).WeightedRandomSampler(weights, num_samples, replacement=replacement,
                                             generator=lib.Generator().manual_seed(1))
        return [list(s), list(s), list(g), lib.rand(2).tolist()]
    ours, theirs = _run(2, program)
    assert ours == theirs


def test_weighted_random_sampler_errors():
    for args, message in [((["a"], 0), "num_samples should be a positive integer value"),
                          (([1.0], 2, "yes"), "replacement should be a boolean value"),
                          (([[1.0, 2.0]], 2), r"weights should be a 1d sequence but given weights have shape \(1, 2\)")]:
        with pytest.raises(ValueError, match=message):
            cud.WeightedRandomSampler(*args)
        with pytest.raises(ValueError, match=message):
            tud.WeightedRandomSampler(*args)
