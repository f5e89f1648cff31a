"""Datasets, samplers and DataLoader: batching, collation, reproducible shuffling, random_split, errors."""
from __future__ import annotations

import collections

import numpy as np
import pytest
import torch

import chainrule
from chainrule.utils.data import (Dataset, TensorDataset, DataLoader, random_split, Subset, ConcatDataset,
                                  RandomSampler, SequentialSampler, BatchSampler, SubsetRandomSampler,
                                  default_collate)


def _xy(n=10):
    return chainrule.arange(n * 2).float().reshape(n, 2), chainrule.arange(n)


def test_tensor_dataset_rows_and_len():
    X, y = _xy()
    ds = TensorDataset(X, y)
    x3, y3 = ds[3]
    assert len(ds) == 10 and x3.tolist() == [6.0, 7.0] and y3.item() == 3


@pytest.mark.parametrize("n,bs,drop_last", [(10, 4, False), (10, 4, True), (10, 5, True), (3, 8, False),
                                            (3, 8, True), (7, 1, False)])
def test_sequential_batches_and_len_match_pytorch(n, bs, drop_last):
    X, y = _xy(n)
    ours = DataLoader(TensorDataset(X, y), batch_size=bs, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(X.numpy()),
                                                                        torch.tensor(y.numpy())),
                                         batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for (xb, yb), (txb, tyb) in zip(got, want):
        assert xb.tolist() == txb.tolist() and yb.tolist() == tyb.tolist()
        assert xb.dtype == chainrule.float32 and yb.dtype == chainrule.int64


def test_shuffle_with_a_seeded_generator_is_reproducible_and_a_permutation():
    X, y = _xy(20)

    def epoch_orders(seed, epochs=3):
        loader = DataLoader(TensorDataset(X, y), batch_size=6, shuffle=True,
                            generator=chainrule.Generator().manual_seed(seed))
        return [[i for _, yb in loader for i in yb.tolist()] for _ in range(epochs)]

    a, b, c = epoch_orders(1), epoch_orders(1), epoch_orders(2)
    assert a == b
    assert a != c
    assert a[0] != a[1]                      # each epoch a new order
    for order in a:
        assert sorted(order) == list(range(20))


def test_shuffle_without_a_generator_follows_manual_seed():
    X, y = _xy(30)
    loader = DataLoader(TensorDataset(X, y), batch_size=30, shuffle=True)
    chainrule.manual_seed(7)
    first = [next(iter(loader))[1].tolist() for _ in range(2)]
    chainrule.manual_seed(7)
    again = [next(iter(loader))[1].tolist() for _ in range(2)]
    assert first == again and first[0] != first[1]


def test_samples_in_a_shuffled_batch_stay_paired():
    X, y = _xy(12)
    for xb, yb in DataLoader(TensorDataset(X, y), batch_size=5, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], 2 * yb.numpy())


class Pairs(Dataset):
    """A plain map-style dataset returning various Python types."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full(3, i, dtype=np.float32), "y": i, "w": 0.5 * i, "name": f"s{i}",
                "pair": (i, float(i))}


def test_default_collation_matches_pytorch():
    got = next(iter(DataLoader(Pairs(4), batch_size=4)))
    want = next(iter(torch.utils.data.DataLoader(Pairs(4), batch_size=4)))
    assert set(got) == set(want)
    for key in ("x", "y", "w"):
        assert got[key].tolist() == want[key].tolist()
        assert str(got[key].dtype).split(".")[-1] == str(want[key].dtype).split(".")[-1]
    assert got["name"] == want["name"]
    assert isinstance(got["pair"], list) and [t.tolist() for t in got["pair"]] == [t.tolist() for t in want["pair"]]


def test_collate_named_tuples_and_numpy_scalars():
    Point = collections.namedtuple("Point", "x y")
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(out, Point) and out.x.tolist() == [1, 3] and out.y.dtype == chainrule.float64
    assert default_collate([np.float32(1), np.float32(2)]).dtype == chainrule.float32
    assert default_collate([True, False]).dtype == chainrule.bool


def test_collate_errors_name_the_problem():
    with pytest.raises(RuntimeError, match=r"different shapes \[\(2,\), \(3,\)\]"):
        default_collate([chainrule.zeros(2), chainrule.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


def test_batch_size_none_yields_single_converted_samples():
    items = list(DataLoader(Pairs(2), batch_size=None))
    assert len(items) == 2 and isinstance(items[1]["x"], chainrule.Tensor) and items[1]["y"] == 1


def test_custom_collate_fn_and_batch_sampler():
    loader = DataLoader(Pairs(5), batch_sampler=[[4, 0], [2]], collate_fn=lambda b: [s["y"] for s in b])
    assert list(loader) == [[4, 0], [2]]


def test_sampler_argument_and_subset_random_sampler():
    X, y = _xy(10)
    s = SubsetRandomSampler([1, 3, 5], generator=chainrule.Generator().manual_seed(0))
    got = sorted(i for _, yb in DataLoader(TensorDataset(X, y), batch_size=2, sampler=s) for i in yb.tolist())
    assert got == [1, 3, 5]


def test_random_sampler_with_replacement_and_num_samples():
    g = chainrule.Generator().manual_seed(0)
    draws = list(RandomSampler(range(4), replacement=True, num_samples=50, generator=g))
    assert len(draws) == 50 and set(draws) <= {0, 1, 2, 3}
    more = list(RandomSampler(range(4), num_samples=10, generator=g))
    assert len(more) == 10 and sorted(more[:4]) == [0, 1, 2, 3]


def test_batch_sampler_len():
    assert len(BatchSampler(SequentialSampler(range(10)), 3, False)) == 4
    assert len(BatchSampler(SequentialSampler(range(10)), 3, True)) == 3


def test_random_split_lengths_fractions_and_reproducibility():
    X, y = _xy(10)
    ds = TensorDataset(X, y)
    a, b = random_split(ds, [7, 3], generator=chainrule.Generator().manual_seed(3))
    a2, _ = random_split(ds, [7, 3], generator=chainrule.Generator().manual_seed(3))
    assert len(a) == 7 and len(b) == 3 and a.indices == a2.indices
    assert sorted(a.indices + b.indices) == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.34, 0.33, 0.33])     # leftovers go round-robin, as in PyTorch
    want = torch.utils.data.random_split(range(11), [0.34, 0.33, 0.33])
    assert [len(p) for p in parts] == [len(p) for p in want]
    x, yy = a[0]
    assert x.tolist() == X[a.indices[0]].tolist()


def test_random_split_errors():
    with pytest.raises(ValueError, match=r"Sum of input lengths does not equal the length of the input dataset! \(9 != 10\)"):
        random_split(range(10), [5, 4])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.raises(ValueError, match="non-negative integers or fractions"):
        random_split(range(10), [5.5, 4.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [0.99, 0.01])


def test_subset_and_concat():
    ds = ConcatDataset([range(3), range(10, 12)])
    assert len(ds) == 5 and ds[3] == 10 and ds[-1] == 11
    assert (Subset(range(10), [2, 4])[1]) == 4
    X, y = _xy(3)
    both = TensorDataset(X, y) + TensorDataset(X, y)
    assert len(both) == 6 and both[4][1].item() == 1


def test_dataset_errors():
    with pytest.raises(ValueError, match=r"Size mismatch between tensors: first dimensions are \[3, 4\]"):
        TensorDataset(chainrule.zeros(3, 2), chainrule.zeros(4))
    with pytest.raises(TypeError, match="argument 1 is list"):
        TensorDataset(chainrule.zeros(3), [1, 2, 3])
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="tensor 0 is 0-d"):
        TensorDataset(chainrule.tensor(1.0))
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(ValueError, match="absolute value of index"):
        ConcatDataset([range(2)])[-3]


def test_loader_errors():
    ds = Pairs(3)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(SequentialSampler(ds), 2, drop_last="yes")
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(ds, num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(ds, replacement=1)


def test_loader_feeds_training_and_gradients_flow_through_batches():
    X = chainrule.randn(32, 3)
    true_w = chainrule.tensor([[1.0, -2.0, 0.5]])
    y = X @ true_w.T
    w = chainrule.zeros(1, 3, requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)
    loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True,
                        generator=chainrule.Generator().manual_seed(0))
    for _ in range(100):
        for xb, yb in loader:
            opt.zero_grad()
            ((xb @ w.T - yb) ** 2).mean().backward()
            opt.step()
    np.testing.assert_allclose(w.detach().numpy(), true_w.numpy(), atol=1e-3)


def test_dataset_whose_tensors_require_grad_collates_through_stack():
    X = chainrule.randn(4, 2, requires_grad=True)
    xb, = next(iter(DataLoader(TensorDataset(X), batch_size=4)))
    xb.sum().backward()
    np.testing.assert_array_equal(X.grad.numpy(), np.ones((4, 2), np.float32))
