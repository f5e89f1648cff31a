"""Run the same random program in chainrule and in PyTorch after the same seed and compare bit for bit."""
from __future__ import annotations

import numpy as np
import torch

import chainrule

DTYPES = {"float16": (chainrule.float16, torch.float16), "float32": (chainrule.float32, torch.float32),
          "float64": (chainrule.float64, torch.float64), "int64": (chainrule.int64, torch.int64),
          "int32": (chainrule.int32, torch.int32), "int16": (chainrule.int16, torch.int16),
          "int8": (chainrule.int8, torch.int8), "uint8": (chainrule.uint8, torch.uint8),
          "bool": (chainrule.bool, torch.bool)}


def dt(lib, name):
    """The dtype object called ``name`` in ``lib`` (chainrule or torch)."""
    return DTYPES[name][0 if lib is chainrule else 1]


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, chainrule.Tensor):
        return x.detach().numpy()
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    return np.asarray(x)


def run_both(seed: int, program):
    """``program(lib)`` after ``lib.manual_seed(seed)`` for chainrule and torch; the results as NumPy."""
    chainrule.manual_seed(seed)
    ours = program(chainrule)
    torch.manual_seed(seed)
    theirs = program(torch)
    return to_numpy(ours), to_numpy(theirs)


def assert_same(ours, theirs, what: str = "values") -> None:
    """Equal bit for bit (NaN equal NaN), same dtype and shape — lists compared item by item."""
    if isinstance(theirs, list):
        assert len(ours) == len(theirs), f"{what}: {len(ours)} results (chainrule) != {len(theirs)} (torch)"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{what}[{i}]")
        return
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} (chainrule) != {theirs.dtype} (torch)"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} (chainrule) != {theirs.shape} (torch)"
    bad = ~((ours == theirs) | (np.isnan(ours) & np.isnan(theirs)) if ours.dtype.kind == "f" else (ours == theirs))
    assert not bad.any(), (f"{what}: {int(bad.sum())} of {bad.size} differ; first at {np.argwhere(bad)[0].tolist()}: "
                           f"{ours[bad][0]!r} (chainrule) vs {theirs[bad][0]!r} (torch)")


def same_stream(seed: int, program, what: str = "values") -> None:
    ours, theirs = run_both(seed, program)
    assert_same(ours, theirs, what)


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between two float arrays of the same dtype."""
    it = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    ia, ib = a.view(it).astype(np.int64), b.view(it).astype(np.int64)
    ia = np.where(ia < 0, np.iinfo(it).min - ia, ia)
    ib = np.where(ib < 0, np.iinfo(it).min - ib, ib)
    return np.abs(ia - ib)
