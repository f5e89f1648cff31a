"""``nn.utils.rnn``: batches of sequences of different lengths, padded or packed (PyTorch's API).

Padded: one tensor (T, B, *) (or (B, T, *) with ``batch_first``), short sequences filled with
``padding_value``.  Packed: only the real steps, time-major — ``data`` stacks, for t = 0, 1, …, the
step-t rows of the sequences still running, longest sequence first, and ``batch_sizes[t]`` says how
many there are::

    lengths [3, 1, 2]  →  sorted_indices [0, 2, 1],  batch_sizes [3, 2, 1]
    data = [a₀, c₀, b₀,  a₁, c₁,  a₂]      (a, b, c: the three sequences)

A recurrent layer given a ``PackedSequence`` runs each step on the ``batch_sizes[t]`` rows only, so
padding never enters its states.  Every function here is differentiable (one indexing op each).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from ...tensor import Tensor
from ... import dtypes

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``: a packed batch (see the module docstring).

    Make one with ``pack_padded_sequence`` or ``pack_sequence``; ``sorted_indices[k]`` is the batch
    position of the k-th longest sequence and ``unsorted_indices`` its inverse."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def double(self) -> "PackedSequence":
        return self.to(dtype=dtypes.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=dtypes.float32)

    def cpu(self, *args, **kwargs) -> "PackedSequence":
        return self

    @property
    def is_cuda(self) -> bool:
        return False


def invert_permutation(permutation):
    """The permutation p⁻¹ with p⁻¹[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation._data if isinstance(permutation, Tensor) else permutation)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return Tensor._make(out)


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return lengths._data.astype(np.int64).reshape(-1)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *)) of sequences with the given ``lengths``.

    ``enforce_sorted=True`` requires lengths in decreasing order (ONNX-exportable); with ``False``
    the batch is sorted here and ``sorted_indices`` records the order."""
    lens = _lengths_array(lengths)
    batch_dim = 0 if batch_first else 1
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, not {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must be at least 2-D ((T, B, *) or, with batch_first, "
                         f"(B, T, *)), got shape {tuple(input.shape)}")
    batch = input.shape[batch_dim]
    if lens.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} "
                           f"(batch_size={batch})")
    if enforce_sorted:
        sorted_indices = None
        order = np.arange(batch)
        if lens.size and np.any(np.diff(lens) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = Tensor._make(order.astype(np.int64))
    lens_sorted = lens[order]
    if lens.size and lens_sorted[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    steps = input.shape[1 - batch_dim]
    if lens.size and lens_sorted[0] > steps:
        raise ValueError(f"pack_padded_sequence: a length of {int(lens_sorted[0])} exceeds the {steps} time steps "
                         f"of the padded input (dimension {1 - batch_dim} of shape {tuple(input.shape)})")
    max_len = int(lens_sorted[0]) if lens.size else 0
    batch_sizes = (lens_sorted[None, :] > np.arange(max_len)[:, None]).sum(axis=1).astype(np.int64)
    t_idx = np.repeat(np.arange(max_len), batch_sizes)
    b_idx = np.concatenate([order[:n] for n in batch_sizes]) if max_len else np.zeros(0, np.int64)
    data = input[(b_idx, t_idx) if batch_first else (t_idx, b_idx)]
    return PackedSequence(data, Tensor._make(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length=None):
    """The inverse of ``pack_padded_sequence``: (padded (T, B, *) or (B, T, *), lengths (B,) int64),
    in the batch order the sequences had before packing."""
    data = sequence.data
    sizes = sequence.batch_sizes._data.astype(np.int64)
    max_len = int(sizes.size)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_len}")
        max_len = int(total_length)
    batch = int(sizes[0]) if sizes.size else 0
    n = data.shape[0]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rows = np.full((max_len, batch), n, dtype=np.int64)          # n: the padding row
    for t, (off, bs) in enumerate(zip(offsets, sizes)):
        rows[t, :bs] = off + np.arange(bs)
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int64)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices._data
        rows = rows[:, unsorted]
        lengths = lengths[unsorted]
    pad = Tensor._make(np.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data._data.dtype))
    from ...functions import cat
    padded = cat([data, pad])[rows.T if batch_first else rows]
    return padded, Tensor._make(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    """Stack sequences of shapes (Lᵢ, *) into (max L, B, *) (or (B, max L, *)), filled with ``padding_value``
    after each sequence (``padding_side='right'``) or before it (``'left'``)."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    seqs = tuple(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: sequence {i} is a {type(s).__name__}, not a Tensor")
        if s.ndim == 0 or tuple(s.shape[1:]) != tuple(seqs[0].shape[1:]):
            raise RuntimeError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)} but sequence 0 has "
                               f"{tuple(seqs[0].shape)}; every sequence must be (L_i, *) with the same "
                               f"trailing dimensions *")
    lens = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    max_len = int(lens.max())
    from ...functions import cat
    joined = cat(list(seqs))
    n = joined.shape[0]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    rows = np.full((max_len, len(seqs)), n, dtype=np.int64)
    for b, (st, ln) in enumerate(zip(starts, lens)):
        first = 0 if padding_side == "right" else max_len - ln
        rows[first:first + ln, b] = st + np.arange(ln)
    pad = Tensor._make(np.full((1,) + tuple(joined.shape[1:]), padding_value, dtype=joined._data.dtype))
    return cat([joined, pad])[rows.T if batch_first else rows]


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """The list of sequences (Lᵢ, *) inside a padded batch (the inverse of ``pad_sequence``)."""
    lens = _lengths_array(lengths)
    return [padded_sequences[b, :int(n)] if batch_first else padded_sequences[:int(n), b]
            for b, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (Lᵢ, *): ``pack_padded_sequence(pad_sequence(sequences), lengths)``."""
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences inside a ``PackedSequence`` (the inverse of ``pack_sequence``)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
