"""Hypothesis strategies shared by the engine tests: shapes (0-d, 1-d, empty dims), broadcasting pairs,
float arrays in float32/float64."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOATS = (np.float64, np.float32)
dtypes = st.sampled_from(FLOATS)


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def shapes_with_empty(min_dims=0, max_dims=3):
    """Shapes that may contain a zero-length dimension."""
    return shapes(min_dims, max_dims, min_side=0, max_side=4)


def broadcast_pair(max_dims=3, min_side=1):
    """Two shapes that broadcast together (sizes of 1 and missing leading dims on either side)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             min_side=min_side, max_side=4).map(lambda s: s.input_shapes)


def arrays(shape, dtype=np.float64, lo=-3.0, hi=3.0, away_from=None):
    """Floats in [lo, hi]; ``away_from``: keep |x - c| >= 0.05 for each c (kinks, poles)."""
    lo32, hi32 = np.float32(lo), np.float32(hi)
    if lo32 < lo:
        lo32 = np.nextafter(lo32, np.float32(np.inf))
    if hi32 > hi:
        hi32 = np.nextafter(hi32, np.float32(-np.inf))
    # no subnormals: PyTorch's kernels lose precision there in ways that are not worth mirroring
    elems = st.floats(float(lo32), float(hi32), allow_nan=False, allow_infinity=False, allow_subnormal=False,
                      width=32)
    if away_from is not None:
        elems = elems.filter(lambda v: all(abs(v - c) >= 0.05 for c in away_from))
    return hnp.arrays(np.dtype(dtype), shape, elements=elems)


@st.composite
def array_and_dtype(draw, shape_strategy=None, lo=-3.0, hi=3.0, away_from=None):
    shape = draw(shape_strategy if shape_strategy is not None else shapes())
    dt = draw(dtypes)
    return draw(arrays(shape, dt, lo, hi, away_from))


@st.composite
def arrays_pair(draw, lo=-3.0, hi=3.0, away_from=None, max_dims=3):
    s1, s2 = draw(broadcast_pair(max_dims=max_dims))
    dt = draw(dtypes)
    return draw(arrays(s1, dt, lo, hi, away_from)), draw(arrays(s2, dt, lo, hi, away_from))


@st.composite
def array_and_dim(draw, min_dims=1, max_dims=3, lo=-3.0, hi=3.0, min_side=1):
    """An array with at least ``min_dims`` dims and a valid dim index (possibly negative)."""
    shape = draw(shapes(min_dims, max_dims, min_side=min_side))
    dt = draw(dtypes)
    a = draw(arrays(shape, dt, lo, hi))
    nd = max(len(shape), 1)
    dim = draw(st.integers(-nd, nd - 1))
    return a, dim


def distinct(a: np.ndarray, gap=0.01) -> bool:
    """No two elements closer than ``gap`` (so max/min/sort have no ties and finite differences stay on one side)."""
    f = np.sort(a.reshape(-1).astype(np.float64))
    return f.size < 2 or np.min(np.diff(f)) >= gap


@st.composite
def distinct_array(draw, shape_strategy=None, positive=False):
    """Values with no ties (and no |x| < 0.1): magnitudes 0.1 + 0.3·k in a drawn order, random signs."""
    shape = draw(shape_strategy if shape_strategy is not None else shapes())
    dt = draw(dtypes)
    n = int(np.prod(shape))
    order = draw(st.permutations(list(range(n))))
    signs = np.ones(n) if positive else np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    vals = signs * (0.1 + 0.3 * np.asarray(order, dtype=np.float64)) if n else np.zeros(0)
    return vals.reshape(shape).astype(dt)
