"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches, collated into tensors.

    >>> loader = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True,
    ...                     generator=chainrule.Generator().manual_seed(0))
    >>> len(loader)                        # ⌈N / 4⌉ batches (⌊N / 4⌋ with drop_last=True)
    >>> xb, yb = next(iter(loader))        # xb: X[idx] stacked, shape (4, ...)

Default collation (``default_collate``), as PyTorch's: tensors and NumPy arrays are stacked along a new
first dimension; Python floats become a float64 tensor, ints an int64 tensor; dicts are collated key by key;
tuples and lists position by position (tuples come back as lists, as in PyTorch); strings stay lists.
Everything runs in this process (``num_workers`` is accepted and ignored).
"""
from __future__ import annotations

import collections.abc
import numbers

import numpy as np

from ...tensor import Tensor
from ... import functions as F
from ...factories import tensor as _tensor
from .dataset import TensorDataset
from .sampler import SequentialSampler, RandomSampler, BatchSampler
from ...random import resolve
from ...random.distributions import random_full


def default_convert(data):
    """Turn NumPy arrays (also inside dicts and sequences) into tensors; leave everything else."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return Tensor._make(np.array(data))
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Merge a list of samples into one batch (see the module docstring for the rules)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: samples have different shapes {sorted(shapes)}; make them equal "
                               f"(pad or crop) or pass a collate_fn that handles them")
        return F.stack(batch, 0)
    if isinstance(elem, np.ndarray) and elem.dtype.kind not in "USO":
        return default_collate([Tensor._make(np.array(b)) for b in batch])
    if isinstance(elem, np.generic) and elem.dtype.kind not in "USO":
        return Tensor._make(np.array(batch))
    if isinstance(elem, bool):
        return _tensor(batch)
    if isinstance(elem, float):
        return Tensor._make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, numbers.Integral):
        return Tensor._make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


class DataLoader:
    """Batches of ``dataset`` in sampler order; see the module docstring."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self._default_collate = collate_fn is None
        self.collate_fn = (default_collate if batch_sampler is not None else default_convert) \
            if collate_fn is None else collate_fn

    def __iter__(self):
        # PyTorch's iterator draws a worker base seed as it is created (``empty((), int64).random_(generator=
        # loader.generator)``) — even unshuffled and without workers — so later draws line up with torch's
        random_full(resolve(self.generator), (), np.int64)
        return self._batches()

    def _batches(self):
        if self.batch_sampler is None:
            for idx in self.sampler:
                yield self.collate_fn(self.dataset[idx])
            return
        fast = (self._default_collate and type(self.dataset) is TensorDataset
                and not any(t.requires_grad for t in self.dataset.tensors))
        for indices in self.batch_sampler:
            if fast:    # one fancy-index per tensor: the same numbers as collating row by row
                idx = np.asarray(indices, dtype=np.int64)
                yield [Tensor._make(t._data[idx]) for t in self.dataset.tensors]
            elif hasattr(self.dataset, "__getitems__"):
                yield self.collate_fn(self.dataset.__getitems__(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)
