"""Indexing with PyTorch's rules, not NumPy's (issue 11, items 4 and 12): integers beside index arrays,
boolean masks mixed with slices and integers, Python bools, empty lists, 0-d integer tensors, and the
same forms on the left of ``=``; forward values, which results are views, gradients and errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import chainrule

from oracle import assert_close
from .strategies import arrays


def to_lib(lib, index):
    """The same index for either library: NumPy arrays become that library's tensors."""
    if isinstance(index, tuple):
        return tuple(to_lib(lib, i) for i in index)
    if isinstance(index, np.ndarray):
        return lib.tensor(index)
    return index


@st.composite
def index_for(draw, shape):
    """A random PyTorch index for a tensor of ``shape``: ints, slices (positive steps), None, one
    ``...``, integer index arrays (any shape, repeats allowed), boolean masks, Python bools."""
    items, dim, ellipsis = [], 0, False
    for _ in range(draw(st.integers(0, len(shape) + 2))):
        left = len(shape) - dim
        kinds = ["none", "bool"] + (["ellipsis"] if not ellipsis else [])
        if left:
            kinds += ["int", "slice", "array", "array", "mask"]
        kind = draw(st.sampled_from(kinds))
        if kind == "none":
            items.append(None)
        elif kind == "bool":
            items.append(draw(st.booleans()))
        elif kind == "ellipsis":
            ellipsis = True
            items.append(Ellipsis)
            dim = len(shape)        # what follows indexes the trailing dims: keep it simple, stop here
            break
        elif kind == "int":
            n = shape[dim]
            if n == 0:
                continue
            items.append(draw(st.integers(-n, n - 1)))
            dim += 1
        elif kind == "slice":
            n = shape[dim]
            items.append(slice(draw(st.one_of(st.none(), st.integers(-n - 1, n + 1))),
                               draw(st.one_of(st.none(), st.integers(-n - 1, n + 1))),
                               draw(st.one_of(st.none(), st.integers(1, 3)))))
            dim += 1
        elif kind == "array":
            n = shape[dim]
            ishape = draw(st.sampled_from([(0,), (1,), (2,), (3,), (2, 2), (1, 3)]))
            if n == 0 and np.prod(ishape) > 0:
                continue
            items.append(np.asarray(draw(st.lists(st.integers(-n, max(n - 1, 0)), min_size=int(np.prod(ishape)),
                                                  max_size=int(np.prod(ishape)))), dtype=np.int64).reshape(ishape))
            dim += 1
        else:
            m = draw(st.integers(1, left))
            sub = shape[dim:dim + m]
            items.append(np.asarray(draw(st.lists(st.booleans(), min_size=int(np.prod(sub)),
                                                  max_size=int(np.prod(sub)))), dtype=bool).reshape(sub))
            dim += m
    return tuple(items)


cases = st.sampled_from([(2, 2, 2), (2, 3, 4), (3,), (4, 1, 3), (2, 0, 3), ()]).flatmap(
    lambda shape: st.tuples(st.sampled_from([np.float64, np.float32]).flatmap(lambda dt: arrays(shape, dt)),
                            index_for(shape)))


def outcome(fn):
    try:
        return ("ok", fn())
    except (IndexError, ValueError, RuntimeError, TypeError) as e:
        return ("raised", e)


def same_error(ours, theirs):
    assert ours[0] == "raised", f"PyTorch raised {theirs[1]!r}; chainrule returned {ours[1]}"
    assert type(ours[1]) is type(theirs[1]), (ours[1], theirs[1])
    assert str(ours[1]).startswith(str(theirs[1])[:50]), (str(ours[1]), str(theirs[1]))


@settings(max_examples=300, deadline=None)
@given(case=cases)
def test_getitem_matches_torch_forward_and_backward(case):
    a, index = case
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(a.copy(), requires_grad=True)
        results[lib] = (x, outcome(lambda: x[to_lib(lib, index)]))
    (xo, ours), (xt, theirs) = results[chainrule], results[torch]
    if theirs[0] == "raised":
        same_error(ours, theirs)
        return
    assert ours[0] == "ok", f"chainrule raised {ours[1]!r} for {index!r}"
    assert_close(ours[1], theirs[1], f"x[{index!r}]")
    w = np.random.default_rng(0).standard_normal(tuple(theirs[1].shape)).astype(a.dtype)
    (ours[1] * chainrule.tensor(w)).sum().backward()
    (theirs[1] * torch.tensor(w)).sum().backward()
    assert_close(xo.grad, xt.grad, f"grad of x[{index!r}]")
    assert ours[1].is_contiguous() == theirs[1].is_contiguous() or theirs[1]._base is not None


@settings(max_examples=300, deadline=None)
@given(case=cases, tensor_value=st.booleans())
def test_setitem_matches_torch_values_and_gradients(case, tensor_value):
    a, index = case
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(a.copy(), requires_grad=True)
        b = x * 1
        target_shape = outcome(lambda: tuple(b.detach()[to_lib(lib, index)].shape))
        if target_shape[0] == "raised":
            results[lib] = (x, b, None, target_shape)
            continue
        v = (lib.tensor(np.linspace(-1, 1, int(np.prod(target_shape[1]))).reshape(target_shape[1]).astype(a.dtype),
                        requires_grad=True) if tensor_value else 2.5)

        def put():
            b[to_lib(lib, index)] = v
            return b
        results[lib] = (x, b, v, outcome(put))
    xo, bo, vo, ours = results[chainrule]
    xt, bt, vt, theirs = results[torch]
    if theirs[0] == "raised":
        same_error(ours, theirs)
        return
    assert ours[0] == "ok", f"chainrule raised {ours[1]!r} for {index!r}"
    assert_close(bo, bt, f"b[{index!r}] = v")
    w = np.random.default_rng(1).standard_normal(a.shape).astype(a.dtype)
    (bo * chainrule.tensor(w)).sum().backward()
    (bt * torch.tensor(w)).sum().backward()
    assert_close(xo.grad, xt.grad, "grad of x")
    if tensor_value:
        assert_close(vo.grad, vt.grad, "grad of v")


# --------------------------------------------------------------------- the cases, by name
NAMED = {
    "x[0, :, [0, 1]]": lambda x: x[0, :, [0, 1]],
    "x[0, :, [0, 1, 0]]": lambda x: x[0, :, [0, 1, 0]],
    "x[:, 0, [1, 0]]": lambda x: x[:, 0, [1, 0]],
    "x[[0, 1], 0, [1, 0]]": lambda x: x[[0, 1], 0, [1, 0]],
    "x[[0, 1], None, [0, 1]]": lambda x: x[[0, 1], None, [0, 1]],
    "x[0, mask]": lambda x: x[0, x[0, :, 0] > 0],
    "x[mask2d, 0]": lambda x: x[x[:, :, 0] > 0, 0],
    "x[1:, mask, 0]": lambda x: x[1:, x[0, :, 0] > 0, 0],
    "x[[]]": lambda x: x[[]],
    "x[[], 0]": lambda x: x[[], 0],
    "x[True]": lambda x: x[True],
    "x[False]": lambda x: x[False],
    "x[0, True]": lambda x: x[0, True],
    "x[[[0, 1], [1, 0]]]": lambda x: x[[[0, 1], [1, 0]]],
    "x[[0, slice(None)]]": lambda x: x[[0, slice(None)]],
    "x[[True, False]]": lambda x: x[[True, False]],
    "x[uint8 mask]": lambda x, lib=None: x[type(x)([1, 0]).to(torch.uint8 if isinstance(x, torch.Tensor)
                                                             else chainrule.uint8)],
    "x[::-1]": lambda x: x[::-1],
    "x[:, ::0]": lambda x: x[:, ::0],
    "x[0, 0, 0, 0]": lambda x: x[0, 0, 0, 0],
    "x[5]": lambda x: x[5],
    "x[[5]]": lambda x: x[[5]],
    "x[all-false mask]": lambda x: x[x[0, 0] > 100],
}


@pytest.mark.parametrize("case", NAMED)
def test_named_index_forms_match_torch(case):
    a = np.arange(8.0).reshape(2, 2, 2) - 3.5
    res = {}
    for lib in (chainrule, torch):
        x = lib.tensor(a.copy(), requires_grad=True)
        res[lib] = (x, outcome(lambda: NAMED[case](x)))
    (xo, ours), (xt, theirs) = res[chainrule], res[torch]
    if theirs[0] == "raised":
        same_error(ours, theirs)
        return
    assert ours[0] == "ok", ours[1]
    assert_close(ours[1], theirs[1], case)
    ours[1].sum().backward()
    theirs[1].sum().backward()
    assert_close(xo.grad, xt.grad, "grad " + case)


def test_index_arrays_of_floats_are_refused_like_torch():
    for lib in (chainrule, torch):
        with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
            lib.arange(4.0)[lib.tensor([0.0, 1.0])]


def test_indexing_a_0d_tensor_with_an_integer_is_refused_like_torch():
    for lib in (chainrule, torch):
        with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
            lib.tensor(5.0)[0]


# ------------------------------------------------------------------------- views and copies (item 12)
def test_a_0d_integer_tensor_index_gives_a_view_like_torch():
    for lib in (chainrule, torch):
        x = lib.arange(6.0).reshape(2, 3)
        row = x[lib.tensor(1)]
        row[0] = 100.0
        assert x[1, 0].item() == 100.0
        assert row.shape == (3,)


def test_a_0d_integer_tensor_index_backpropagates_like_a_select():
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        (x[lib.tensor(1)] * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        grads.append(x.grad)
    assert_close(*grads, "grad")


def test_index_select_is_laid_out_row_by_row_so_writes_through_view_land():
    outs = []
    for lib in (chainrule, torch):
        s = lib.arange(12.0).reshape(3, 4).index_select(1, lib.tensor([2, 0]))
        assert s.is_contiguous()
        s.view(6)[0] = -1.0
        outs.append(s)
    assert_close(*outs, "index_select then view write")


@pytest.mark.parametrize("op", ["floor", "ceil", "round", "trunc"])
def test_rounding_an_int_tensor_returns_a_new_tensor(op):
    for lib in (chainrule, torch):
        x = lib.tensor([1, -2, 3])
        y = getattr(x, op)()
        assert y is not x
        y.add_(10)
        assert x.tolist() == [1, -2, 3]


# ----------------------------------------------------------------------------------- setitem forms
SETS = {
    "x[0, :, [0, 1]] = v(2, 2)": (lambda x: (0, slice(None), [0, 1]), (2, 2)),
    "x[:, 0, [1, 0]] = v(2, 2)": (lambda x: (slice(None), 0, [1, 0]), (2, 2)),
    "x[0, mask] = v": (lambda x: (0, x[0, :, 0] > -1), (2, 2)),
    "x[[]] = v": (lambda x: [], ()),
    "x[True] = v": (lambda x: True, (1, 2, 2, 2)),
    "x[0] = v(1, 2, 2)": (lambda x: 0, (1, 2, 2)),
    "x[...] = v": (lambda x: Ellipsis, (2,)),
    "x[tensor(1)] = v": (lambda x: "t1", (2, 2)),
}


@pytest.mark.parametrize("case", SETS)
def test_setitem_forms_match_torch(case):
    where, vshape = SETS[case]
    a = np.arange(8.0).reshape(2, 2, 2)
    res = {}
    for lib in (chainrule, torch):
        x = lib.tensor(a.copy(), requires_grad=True)
        v = lib.tensor(np.linspace(1, 2, int(np.prod(vshape))).reshape(vshape), requires_grad=True)
        b = x * 1
        idx = where(b)
        b[lib.tensor(1) if idx == "t1" else idx] = v
        (b * lib.tensor(np.arange(8.0).reshape(2, 2, 2))).sum().backward()
        res[lib] = (b, x.grad, v.grad)
    for o, t, what in zip(res[chainrule], res[torch], ("b", "x.grad", "v.grad")):
        assert_close(o, t, what)


def test_setitem_with_a_constant_into_all_of_a_non_leaf_backpropagates():
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y[...] = 2.0
        (y + y).sum().backward()
        grads.append(x.grad)
    assert_close(*grads, "grad")


@pytest.mark.parametrize("index", ["mask", "list", "slice", "int"])
def test_index_put_of_another_dtype_is_refused_like_torch(index):
    outcomes = []
    for lib in (chainrule, torch):
        x = lib.zeros(3)
        idx = {"mask": x == 0, "list": [0, 1], "slice": slice(0, 2), "int": 0}[index]
        v = lib.ones(3 if index == "mask" else 2 if index in ("list", "slice") else 1, dtype=lib.float64)
        if index == "int":
            v = v[0]
        try:
            x[idx] = v
            outcomes.append(("ok", x.tolist()))
        except RuntimeError as e:
            outcomes.append(("raised", str(e)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("index", ["mask", "(mask,)", "(..., mask)", "(0, mask)", "list", "tensor", "[0]"])
@pytest.mark.parametrize("value", ["0-d", "(1,)", "(2,)", "(1, 1)", "int 0-d"])
def test_index_put_dtype_rule_follows_torch(index, value):
    """A one-element value written through masks only is converted (masked_fill); index arrays refuse."""
    outcomes = []
    for lib in (chainrule, torch):
        m = lib.tensor([True, False, True])
        x = lib.zeros(2, 3)[0] if index != "(0, mask)" else lib.zeros(2, 3)
        idx = {"mask": m, "(mask,)": (m,), "(..., mask)": (..., m), "(0, mask)": (0, m), "list": [0, 1],
               "tensor": lib.tensor([0, 2]), "[0]": [0]}[index]
        v = {"0-d": lib.tensor(1.0, dtype=lib.float64), "(1,)": lib.ones(1, dtype=lib.float64),
             "(2,)": lib.ones(2, dtype=lib.float64), "(1, 1)": lib.ones(1, 1, dtype=lib.float64),
             "int 0-d": lib.tensor(3)}[value]
        try:
            x[idx] = v
            outcomes.append(("ok", x.tolist()))
        except RuntimeError as e:
            outcomes.append(("raised", str(e)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("case", ["x[0] = -inf (int)", "x[0] = nan (int)", "x.fill_(inf) (int)", "x[0] = inf (int32)",
                                  "x[0] = inf (bool)", "x[0] = 2**70 (int)"])
def test_writing_a_value_an_integer_cannot_hold_is_refused_like_torch(case):
    outcomes = []
    for lib in (chainrule, torch):
        dt = {"int32": lib.int32, "bool": lib.bool}.get(case.split("(")[1].rstrip(")"), lib.int64)
        x = lib.zeros(2, dtype=dt)
        value = {"-inf": float("-inf"), "nan": float("nan"), "inf": float("inf"), "2**70": 2 ** 70}[
            case.split("= ")[1].split(" ")[0] if "=" in case else "inf"]
        try:
            x.fill_(value) if "fill_" in case else x.__setitem__(0, value)
            outcomes.append(("ok", x.tolist()))
        except (RuntimeError, ValueError) as e:
            outcomes.append(("raised", type(e), str(e)))
    assert outcomes[0] == outcomes[1]


SHAPE_ERRORS = {
    "x[0:2] = v(3)": lambda lib, x: x.__setitem__(slice(0, 2), lib.zeros(3)),
    "x[[0, 1]] = v(3)": lambda lib, x: x.__setitem__([0, 1], lib.zeros(3)),
    "m[0:-1, [0]] = v(1, 2)": lambda lib, x: x.view(1, 3).__setitem__((slice(0, -1), lib.tensor([0])), lib.zeros(1, 2)),
    "m[0] = v(2, 1)": lambda lib, x: lib.zeros(2, 2).__setitem__(0, lib.ones(2, 1)),
    "x[0] = v(1,)": lambda lib, x: x.__setitem__(0, lib.ones(1)),
    "m[0] = v(1, 2)": lambda lib, x: lib.zeros(2, 2).__setitem__(0, lib.ones(1, 2)),
    "x[..., ...] = 1": lambda lib, x: x.__setitem__((..., ...), 1.0),
    "x[..., 0, ...] read": lambda lib, x: lib.zeros(2, 3, 4)[..., 0, ...],
    "0-d[:] = 1": lambda lib, x: lib.tensor(1.0).__setitem__(slice(None), 1.0),
    "0-d[None, :]": lambda lib, x: lib.tensor(1.0)[None, :],
    "0-d[[0]]": lambda lib, x: lib.tensor(1.0)[[0]],
}


@pytest.mark.parametrize("case", SHAPE_ERRORS)
def test_setitem_shapes_and_0d_index_errors_like_torch(case):
    outcomes = []
    for lib in (chainrule, torch):
        x = lib.zeros(3)
        try:
            r = SHAPE_ERRORS[case](lib, x)
            outcomes.append(("ok", x.tolist(), None if r is None else tuple(r.shape)))
        except (RuntimeError, IndexError) as e:
            outcomes.append(("raised", type(e), str(e).split(" (indexing a tensor")[0]))
    assert outcomes[0] == outcomes[1]


GATHER_SELECT = {
    "index_select of a 0-size dim": lambda lib: lib.zeros(0, 2).index_select(0, lib.tensor([0])),
    "index_select with no indices": lambda lib: lib.zeros(0, 2).index_select(0, lib.tensor([], dtype=lib.int64)),
    "index_select with a 2-d index": lambda lib: lib.zeros(3, 2).index_select(0, lib.tensor([[0]])),
    "index_select with a 0-d index": lambda lib: lib.zeros(3, 2).index_select(0, lib.tensor(1)),
    "index_select past the end": lambda lib: lib.zeros(3, 2).index_select(0, lib.tensor([5])),
    "index_select with floats": lambda lib: lib.zeros(3, 2).index_select(0, lib.tensor([0.0])),
    "gather with fewer dims": lambda lib: lib.zeros(2, 1, 2).gather(-3, lib.zeros(1, 1, dtype=lib.int64)),
    "gather of a 0-size dim": lambda lib: lib.zeros(0, 2).gather(0, lib.zeros(1, 1, dtype=lib.int64)),
    "gather past the end": lambda lib: lib.zeros(2, 2).gather(0, lib.tensor([[5]])),
    "gather with a bigger index": lambda lib: lib.zeros(2, 2).gather(1, lib.zeros(3, 1, dtype=lib.int64)),
    "gather": lambda lib: lib.arange(6.0).view(2, 3).gather(1, lib.tensor([[2, 0], [1, 1]])),
}


@pytest.mark.parametrize("case", GATHER_SELECT)
def test_index_select_and_gather_checks_like_torch(case):
    outcomes = []
    for lib in (chainrule, torch):
        try:
            r = GATHER_SELECT[case](lib)
            outcomes.append(("ok", r.tolist(), tuple(r.shape)))
        except (RuntimeError, IndexError) as e:
            outcomes.append(("raised", type(e), str(e)))
    assert outcomes[0] == outcomes[1]
