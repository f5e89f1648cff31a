"""Shape ops and indexing against PyTorch: reshape/view/flatten/squeeze/unsqueeze/transpose/permute/
expand/repeat, cat/stack/split/chunk, and reading by basic, integer-array and boolean-mask indices."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, assume, strategies as st

import chainrule
from oracle import compare
from .strategies import shapes, arrays, dtypes


@st.composite
def array_any(draw, min_dims=0, max_dims=3, min_side=1):
    shape = draw(shapes(min_dims, max_dims, min_side=min_side))
    return draw(arrays(shape, draw(dtypes)))


@given(a=array_any(min_side=0), data=st.data())
def test_reshape_and_view(a, data):
    n = a.size
    divisors = [d for d in range(1, n + 1) if n % d == 0] or [1]
    d = data.draw(st.sampled_from(divisors))
    shape = (d, n // d)
    compare(lambda lib, x: x.reshape(shape), a)
    compare(lambda lib, x: x.view(*shape), a)
    compare(lambda lib, x: lib.reshape(x, (-1,)), a)
    compare(lambda lib, x: x.view(-1), a)


@given(a=array_any(), data=st.data())
def test_flatten(a, data):
    compare(lambda lib, x: x.flatten(), a)
    compare(lambda lib, x: lib.flatten(x), a)
    if a.ndim >= 2:
        s = data.draw(st.integers(0, a.ndim - 1))
        e = data.draw(st.integers(s, a.ndim - 1))
        compare(lambda lib, x: x.flatten(s, e), a)
        compare(lambda lib, x: lib.flatten(x, start_dim=s - a.ndim, end_dim=e), a)


@given(shape=st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=4), data=st.data())
def test_squeeze_unsqueeze(shape, data):
    a = data.draw(arrays(tuple(shape), data.draw(dtypes)))
    compare(lambda lib, x: x.squeeze(), a)
    if a.ndim:
        d = data.draw(st.integers(-a.ndim, a.ndim - 1))
        compare(lambda lib, x: x.squeeze(d), a)
        compare(lambda lib, x: lib.squeeze(x, d), a)
    u = data.draw(st.integers(-a.ndim - 1, a.ndim))
    compare(lambda lib, x: x.unsqueeze(u), a)
    compare(lambda lib, x: lib.unsqueeze(x, u), a)


@given(a=array_any(min_dims=0), data=st.data())
def test_transpose_permute_t(a, data):
    nd = max(a.ndim, 1)
    d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
    compare(lambda lib, x: x.transpose(d0, d1), a)
    compare(lambda lib, x: lib.transpose(x, d0, d1), a)
    perm = data.draw(st.permutations(list(range(a.ndim))))
    compare(lambda lib, x: x.permute(*perm) if perm else x.permute(()), a)
    compare(lambda lib, x: lib.permute(x, tuple(perm)), a)
    if a.ndim <= 2:
        compare(lambda lib, x: x.t(), a)
    if a.ndim in (0, 2):
        compare(lambda lib, x: x.T, a)
    if a.ndim >= 2:
        compare(lambda lib, x: x.mT, a)


@given(a=array_any(max_dims=2), data=st.data())
def test_expand(a, data):
    target = list(a.shape)
    target = [data.draw(st.sampled_from([1, 2, 3])) if n == 1 else n for n in target]
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    full = tuple(lead + target)
    compare(lambda lib, x: x.expand(*full) if full else x.expand(()), a)
    compare(lambda lib, x: x.expand(full), a)
    if lead or a.ndim:
        compare(lambda lib, x: x.expand(*(lead + [-1] * a.ndim)), a)
    b = np.zeros(full)
    compare(lambda lib, x, y: x.expand_as(y), a, b)


@given(a=array_any(max_dims=2), data=st.data())
def test_repeat(a, data):
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=a.ndim, max_size=a.ndim + 2)))
    assume(len(reps) >= 1)
    compare(lambda lib, x: x.repeat(*reps), a)
    compare(lambda lib, x: x.repeat(reps), a)


@given(data=st.data())
def test_cat_and_stack(data):
    shape = data.draw(shapes(1, 3, min_side=0))
    dt = data.draw(dtypes)
    nd = len(shape)
    d = data.draw(st.integers(-nd, nd - 1))
    k = data.draw(st.integers(1, 3))
    arrs = []
    for _ in range(k):
        s = list(shape)
        s[d] = data.draw(st.integers(0, 3))
        arrs.append(data.draw(arrays(tuple(s), dt)))
    compare(lambda lib, *xs: lib.cat(xs, dim=d), *arrs)
    compare(lambda lib, *xs: lib.cat(list(xs), d), *arrs)
    same = [data.draw(arrays(shape, dt)) for _ in range(k)]
    sd = data.draw(st.integers(-nd - 1, nd))
    compare(lambda lib, *xs: lib.stack(xs, dim=sd), *same)


def test_cat_promotes_dtypes_like_torch():
    compare(lambda lib, x, y: lib.cat([x, y]), np.ones(2, np.float32), np.ones(3, np.float64))
    compare(lambda lib, x, y: lib.cat([x, y]), np.ones(2, np.int64), np.ones(3, np.float32))


@given(a=array_any(min_dims=1, min_side=0), data=st.data())
def test_split_and_chunk(a, data):
    d = data.draw(st.integers(-a.ndim, a.ndim - 1))
    size = data.draw(st.integers(1, 4))
    compare(lambda lib, x: lib.cat([p * (i + 1) for i, p in enumerate(x.split(size, d))], d), a)
    compare(lambda lib, x: tuple(lib.split(x, size, dim=d)), a)
    n = a.shape[d]
    if n:
        cut = data.draw(st.integers(0, n))
        compare(lambda lib, x: lib.cat([p * (i + 1) for i, p in enumerate(x.split([cut, n - cut], d))], d), a)
    chunks = data.draw(st.integers(1, 5))
    compare(lambda lib, x: tuple(x.chunk(chunks, d)), a)
    compare(lambda lib, x: lib.cat([p * (i + 2) for i, p in enumerate(lib.chunk(x, chunks, dim=d))], d), a)


def test_split_counts_match_torch_for_awkward_sizes():
    import torch
    for n in range(0, 9):
        for c in range(1, 7):
            ours = [tuple(p.shape) for p in chainrule.zeros(n, 2).chunk(c)]
            theirs = [tuple(p.shape) for p in torch.zeros(n, 2).chunk(c)]
            assert ours == theirs, (n, c)
            ours = [tuple(p.shape) for p in chainrule.zeros(n, 2).split(c)]
            theirs = [tuple(p.shape) for p in torch.zeros(n, 2).split(c)]
            assert ours == theirs, (n, c)


@given(data=st.data())
def test_basic_indexing_and_slicing(data):
    shape = data.draw(shapes(1, 3, min_side=1))
    a = data.draw(arrays(shape, data.draw(dtypes)))
    idx = []
    for n in shape:
        kind = data.draw(st.sampled_from(["int", "slice", "full"]))
        if kind == "int":
            idx.append(data.draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = data.draw(st.one_of(st.none(), st.integers(-n, n)))
            stop = data.draw(st.one_of(st.none(), st.integers(-n, n)))
            step = data.draw(st.one_of(st.none(), st.integers(1, 3)))
            idx.append(slice(start, stop, step))
        else:
            idx.append(slice(None))
    idx = tuple(idx[:data.draw(st.integers(1, len(idx)))])
    compare(lambda lib, x: x[idx], a)
    compare(lambda lib, x: x[idx[0]], a)


def test_indexing_with_none_and_ellipsis():
    a = np.arange(24.0).reshape(2, 3, 4)
    for idx in [(None,), (..., 1), (0, ..., None), (slice(None), None, 1), (..., slice(1, 3))]:
        compare(lambda lib, x: x[idx] * 2, a)


@given(data=st.data())
def test_integer_array_indexing_accumulates_repeated_gradients(data):
    shape = data.draw(shapes(1, 3, min_side=1))
    a = data.draw(arrays(shape, data.draw(dtypes)))
    n = shape[0]
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=6)), dtype=np.int64)
    compare(lambda lib, x: x[lib.tensor(idx)], a)
    compare(lambda lib, x: x[idx.tolist()] if len(idx) else x[lib.tensor(idx)], a)
    if len(shape) >= 2:
        m = shape[1]
        j = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=len(idx), max_size=len(idx))), dtype=np.int64)
        compare(lambda lib, x: x[lib.tensor(idx), lib.tensor(j)], a)
        compare(lambda lib, x: x[:, lib.tensor(j)], a)


@given(data=st.data())
def test_boolean_mask_indexing(data):
    shape = data.draw(shapes(1, 3, min_side=1))
    a = data.draw(arrays(shape, data.draw(dtypes)))
    compare(lambda lib, x: x[x > 0], a)
    row_mask = data.draw(arrays((shape[0],), np.float64)) > 0
    compare(lambda lib, x: x[lib.tensor(row_mask)], a)


def test_gather_and_select_narrow_unbind():
    a = np.arange(12.0).reshape(3, 4)
    idx = np.array([[0, 3], [1, 1], [2, 0]])
    compare(lambda lib, x: x.gather(1, lib.tensor(idx)), a)
    compare(lambda lib, x: lib.gather(x, 1, lib.tensor(idx)), a)
    compare(lambda lib, x: x.select(1, 2), a)
    compare(lambda lib, x: x.narrow(1, 1, 2), a)
    compare(lambda lib, x: x.unbind(0), a)


def test_shape_attributes():
    x = chainrule.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4 and x.size(1) == 3
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert repr(x.shape) == "chainrule.Size([2, 3, 4])"
    assert repr(chainrule.tensor(1.0).shape) == "chainrule.Size([])"


def test_narrow_with_negative_start_and_norm_zero_like_torch():
    compare(lambda lib, x: x.narrow(1, -2, 2), np.arange(6.0).reshape(2, 3))
    compare(lambda lib, x: x.norm(p=0), np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]]))
    compare(lambda lib, x: x.norm(p=0, dim=1), np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]]))


@pytest.mark.parametrize("expr", ["x", "x.t()", "x.T.contiguous()", "x[:, 1:]", "x[::2]", "x.unsqueeze(1)",
                                  "x.reshape(6)", "x.expand(4, 2, 3)", "x[0]", "x.permute(1, 0)[1:]", "x.flatten()"])
def test_strides_and_contiguity_like_torch(expr):
    import torch
    ours = eval(expr, {"x": chainrule.arange(6.0).reshape(2, 3)})
    theirs = eval(expr, {"x": torch.arange(6.0).reshape(2, 3)})
    assert ours.is_contiguous() == theirs.is_contiguous()
    assert ours.contiguous().is_contiguous()
    assert ours.contiguous().tolist() == theirs.contiguous().tolist()
    if theirs.numel() > 1:
        assert ours.stride() == theirs.stride()


def test_views_share_data_ptr():
    x = chainrule.zeros(2, 3)
    assert x.view(6).data_ptr() == x.data_ptr() == x[0].data_ptr()
    assert x[1].data_ptr() == x.data_ptr() + 3 * 4
    assert x.clone().data_ptr() != x.data_ptr()
