"""Views, in-place changes and the autograd history, against PyTorch (issue 11, items 1, 2, 6 and the
missing in-place errors).

Each program builds views of a non-leaf tensor, changes the tensor (or one view) in place and
back-propagates; PyTorch re-bases every view on its base's new history (``AsStridedBackward0`` /
``CopySlices``), so every leaf gradient must match.  Where PyTorch refuses (a saved output changed in
place, a ``split`` piece changed in place, overlapping memory), chainrule must refuse with PyTorch's
exception class and message.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import chainrule

from oracle import assert_close
from .strategies import arrays

SHAPE = (2, 3)


def run(lib, program, arrays_in):
    """``program(lib, *leaves)`` → a scalar loss; backward; return ("ok", loss, grads) or ("raised", exc)."""
    leaves = [lib.tensor(a.copy(), requires_grad=True) for a in arrays_in]
    try:
        loss = program(lib, *leaves)
        loss.backward()
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return ("raised", e)
    return ("ok", loss, [t.grad for t in leaves])


def same_as_torch(program, *arrays_in):
    """Both libraries give the same loss and leaf gradients, or raise the same error."""
    ours, theirs = run(chainrule, program, arrays_in), run(torch, program, arrays_in)
    if theirs[0] == "raised":
        assert ours[0] == "raised", f"PyTorch raised {theirs[1]!r}; chainrule did not"
        assert type(ours[1]) is type(theirs[1]), (ours[1], theirs[1])
        head = str(theirs[1])[:60]
        assert str(ours[1]).startswith(head), f"chainrule: {ours[1]}\nPyTorch:   {theirs[1]}"
        return
    assert ours[0] == "ok", f"chainrule raised {ours[1]!r}; PyTorch did not"
    assert_close(ours[1], theirs[1], "loss")
    for i, (g, h) in enumerate(zip(ours[2], theirs[2])):
        if h is None:
            assert g is None, f"leaf {i}: PyTorch has no gradient, chainrule has {g}"
        else:
            assert g is not None, f"leaf {i}: chainrule has no gradient"
            assert_close(g, h, f"grad of leaf {i}")


def const(lib, shape, seed, dtype):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


values = st.sampled_from([np.float64, np.float32]).flatmap(
    lambda dt: st.tuples(arrays(SHAPE, dt), arrays((SHAPE[1],), dt)))

# the view taken of b (shape (2, 3)) before it changes
VIEWS = {
    "t": lambda b: b.t(),
    "T": lambda b: b.T,
    "slice": lambda b: b[0:1],
    "select": lambda b: b[1],
    "column": lambda b: b[:, 1],
    "strided": lambda b: b[:, ::2],
    "narrow": lambda b: b.narrow(1, 1, 2),
    "reshape": lambda b: b.reshape(3, 2),
    "view": lambda b: b.view(6),
    "flatten": lambda b: b.flatten(),
    "permute": lambda b: b.permute(1, 0),
    "unsqueeze": lambda b: b.unsqueeze(0),
    "squeeze": lambda b: b.unsqueeze(1).squeeze(1),
    "expand": lambda b: b.unsqueeze(0).expand(2, 2, 3),
    "view_of_view": lambda b: b.t()[1:],
    "view_of_view_of_view": lambda b: b.t()[1:].reshape(-1)[::2],
    "ellipsis": lambda b: b[..., None],
}

# the in-place change of b (w: a leaf of shape (3,))
CHANGES = {
    "sigmoid_": lambda lib, b, w: b.sigmoid_(),
    "exp_": lambda lib, b, w: b.exp_(),
    "mul_": lambda lib, b, w: b.mul_(w),
    "add_": lambda lib, b, w: b.add_(w * 3),
    "iadd": lambda lib, b, w: b.__iadd__(w),
    "setitem_row": lambda lib, b, w: b.__setitem__(0, w * 2),
    "setitem_column": lambda lib, b, w: b.__setitem__((slice(None), 1), w[:2]),
    "setitem_mask": lambda lib, b, w: b.__setitem__(b > 0, w.sum()),
    "copy_": lambda lib, b, w: b.copy_(w.expand(2, 3) * 1),
    "zero_": lambda lib, b, w: b.zero_(),
    "fill_": lambda lib, b, w: b.fill_(w.sum()),
    "clamp_": lambda lib, b, w: b.clamp_(min=0.1),
    "row_through_view": lambda lib, b, w: b[1].mul_(w),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("view", VIEWS)
@settings(max_examples=4, deadline=None)
@given(vals=values)
def test_a_view_taken_before_an_in_place_change_carries_the_new_history(view, change, vals):
    x, w = vals

    def program(lib, x, w):
        b = x * 1
        v = VIEWS[view](b)
        CHANGES[change](lib, b, w)
        return (v * const(lib, tuple(v.shape), 1, x.detach().numpy().dtype)).sum()

    same_as_torch(program, x, w)


# in-place change through one view, seen through another view of the same base
SIBLINGS = {
    "disjoint_rows": (lambda b: b[0], lambda b: b[1]),
    "overlapping_columns": (lambda b: b[:, 0:2], lambda b: b[:, 1:3]),
    "view_and_transpose": (lambda b: b[1], lambda b: b.t()),
    "nested": (lambda b: b.t()[1:], lambda b: b.view(6)),
    "same_place": (lambda b: b[0, 1:], lambda b: b.reshape(6)[1:3]),
}


@pytest.mark.parametrize("change", ["mul_", "sigmoid_", "setitem", "copy_", "zero_"])
@pytest.mark.parametrize("pair", SIBLINGS)
@settings(max_examples=4, deadline=None)
@given(vals=values)
def test_in_place_through_one_view_is_seen_by_a_sibling_view(pair, change, vals):
    x, w = vals

    def program(lib, x, w):
        b = x * 1
        first, second = (f(b) for f in SIBLINGS[pair])
        n = first.shape[-1]
        {"mul_": lambda: first.mul_(w[:n]),
         "sigmoid_": lambda: first.sigmoid_(),
         "setitem": lambda: first.__setitem__(..., w[:n] * 2),
         "copy_": lambda: first.copy_(w[:n].expand(first.shape)),
         "zero_": lambda: first.zero_()}[change]()
        dt = x.detach().numpy().dtype
        return ((second * const(lib, tuple(second.shape), 2, dt)).sum()
                + (first * const(lib, tuple(first.shape), 3, dt)).sum()
                + (b * const(lib, SHAPE, 4, dt)).sum())

    same_as_torch(program, x, w)


def test_the_issue_examples():
    rng = np.random.default_rng(0)
    x, w, W = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal((3, 2))

    def transposed(lib, x, w):
        b = x * 1
        v = b.t()
        b.sigmoid_()
        return (v * lib.tensor(W)).sum()

    def sliced(lib, x, w):
        b = x * 1
        v = b[0:2]
        b[0] = w * 2
        return (v * lib.tensor(W.T)).sum()

    same_as_torch(transposed, x, w)
    same_as_torch(sliced, x, w)
    # the numbers themselves: ∂/∂x of Σ σ(x)ᵀ ⊙ W = σ'(x) ⊙ Wᵀ; w.grad is 2·(row 0 of Wᵀ)
    _, _, (gx, _) = run(chainrule, transposed, (x, w))
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(gx.numpy(), s * (1 - s) * W.T, rtol=1e-12)
    _, _, (_, gw) = run(chainrule, sliced, (x, w))
    np.testing.assert_allclose(gw.numpy(), 2 * W.T[0], rtol=1e-12)


def test_chains_of_changes_and_views():
    """A view re-based, then changed itself, then its base changed again: each step is seen."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3)), rng.standard_normal(3)

    def program(lib, x, w):
        b = x * 1
        v = b[1]
        vt = b.t()
        b.tanh_()
        v.add_(w)
        b.mul_(w)
        vt[0].sigmoid_()
        return (v * w).sum() + (b * b).sum() + (vt * 2).sum()

    same_as_torch(program, x, w)


# ------------------------------------------------------------------------- leaves, no_grad, detach
def test_views_of_a_leaf_changed_under_no_grad_keep_their_gradient():
    def program(lib, x, w):
        v = x[0]
        with lib.no_grad():
            x.mul_(2)
        return (v * w).sum()

    same_as_torch(program, np.arange(6.0).reshape(2, 3), np.ones(3))


def test_views_of_a_non_leaf_changed_under_no_grad_keep_their_history():
    def program(lib, x, w):
        b = x * 1
        v = b.t()
        with lib.no_grad():
            b.mul_(2)
        return (v * v).sum() + (b * w).sum()

    same_as_torch(program, np.arange(6.0).reshape(2, 3), np.ones(3))


def test_a_view_of_a_base_without_grad_requires_grad_once_the_base_gets_a_history():
    for lib in (chainrule, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        b = lib.zeros(2, 3, dtype=lib.float64)
        v = b.t()
        assert not v.requires_grad
        b.copy_(x * 3)
        assert v.requires_grad and v.grad_fn is not None
        (v * lib.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad), 3 * np.arange(6.0).reshape(3, 2).T)


def test_a_view_taken_under_no_grad_refuses_a_history_its_base_got_in_place():
    def program(lib, x, w):
        b = x * 1
        with lib.no_grad():
            v = b[0]
        b.mul_(2)
        return (v * w).sum()

    same_as_torch(program, np.ones((2, 3)), np.ones(3))
    ours = run(chainrule, program, (np.ones((2, 3)), np.ones(3)))
    assert "A view was created in no_grad mode and its base or another view of its base has been modified " \
           "inplace with grad mode enabled" in str(ours[1])


def test_a_detached_view_is_not_rebased():
    for lib in (chainrule, torch):
        x = lib.tensor(np.ones((2, 3)), requires_grad=True)
        b = x * 1
        dv = b.detach()[0]
        b.mul_(x)
        assert not dv.requires_grad and dv.grad_fn is None


def test_retained_grad_of_a_rebased_view_is_the_gradient_of_its_new_value():
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        b = x * 1
        v = b[1]
        v.retain_grad()
        b.mul_(2)
        ((v * v).sum() + b.sum()).backward()
        results.append((v.grad, x.grad))
    assert_close(results[0][0], results[1][0], "v.grad")
    assert_close(results[0][1], results[1][1], "x.grad")


# ------------------------------------------------------------------------------ item 2: saved outputs
SAVING_THEIR_OUTPUT = {
    "norm(dim)": lambda x: x.norm(dim=1),
    "norm()": lambda x: x.norm(),
    "std()": lambda x: x.std(),
    "std(dim)": lambda x: x.std(dim=0),
    "logsumexp": lambda x: x.logsumexp(1),
    "amax(dim)": lambda x: x.amax(1),
    "amin(dim)": lambda x: x.amin(0),
    "max()": lambda x: x.max(),
    "min()": lambda x: x.min(),
    "prod(dim)": lambda x: x.prod(1),
    "prod()": lambda x: x.prod(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "exp": lambda x: x.exp(),
    "softmax": lambda x: x.softmax(1),
    "log_softmax": lambda x: x.log_softmax(1),
    "sqrt": lambda x: (x * x).sqrt(),
}


@pytest.mark.parametrize("op", SAVING_THEIR_OUTPUT)
@pytest.mark.parametrize("change", ["add_", "through_a_view", "setitem"])
def test_changing_a_saved_output_in_place_is_refused_like_torch(op, change):
    def program(lib, x, w):
        n = SAVING_THEIR_OUTPUT[op](x)
        if change == "add_":
            n.add_(1.0)
        elif change == "through_a_view":
            n.view(-1)[0:1].mul_(2.0)
        else:
            n[...] = 0.5
        return n.sum()

    x = np.random.default_rng(2).standard_normal((2, 3)) + 3
    same_as_torch(program, x, np.ones(3))
    ours = run(chainrule, program, (x, np.ones(3)))
    assert ours[0] == "raised" and "modified by an inplace operation" in str(ours[1])


@pytest.mark.parametrize("change", ["sigmoid_", "exp_", "tanh_"])
def test_an_in_place_op_that_saved_its_result_refuses_a_later_change(change):
    def program(lib, x, w):
        b = x * 1
        getattr(b, change)()
        b[0].add_(1.0)
        return b.sum()

    same_as_torch(program, np.ones((2, 3)), np.ones(3))
    assert run(chainrule, program, (np.ones((2, 3)), np.ones(3)))[0] == "raised"


# --------------------------------------------------------------------- item 6: zero_ and fill_ write
@pytest.mark.parametrize("how", ["zero_", "fill_", "fill_tensor", "zero_view"])
def test_zero_and_fill_write_and_leave_no_nan_from_inf(how):
    def program(lib, x, w):
        b = x * 1
        {"zero_": lambda: b.zero_(),
         "fill_": lambda: b.fill_(2.5),
         "fill_tensor": lambda: b.fill_(w.sum()),
         "zero_view": lambda: b[:, 1:].zero_()}[how]()
        return (b * b).sum()

    x = np.array([[1.0, np.inf, -np.inf], [np.nan, 2.0, 0.0]])
    x[1, 0] = 3.0 if how == "zero_view" else np.nan   # a NaN left in place gives NaN in both
    same_as_torch(program, x, np.ones(3))
    ours = run(chainrule, program, (x, np.ones(3)))
    assert ours[0] == "ok" and not np.isnan(ours[2][0].numpy()).any()


def test_fill_with_a_tensor_of_several_elements_is_refused():
    same_as_torch(lambda lib, x, w: (x * 1).fill_(w).sum(), np.ones((2, 3)), np.ones(3))


# ------------------------------------------------------------------ split / unbind / chunk pieces
PIECES = {
    "split": lambda b: b.split(1),
    "split_sizes": lambda b: b.split([1, 1]),
    "chunk": lambda b: b.chunk(2),
    "unbind": lambda b: b.unbind(),
    "unbind_1": lambda b: b.unbind(1),
}


@pytest.mark.parametrize("change", ["add_", "setitem", "of_a_view_of_a_piece", "base"])
@pytest.mark.parametrize("pieces", PIECES)
def test_changing_a_piece_of_split_in_place_is_refused_like_torch(pieces, change):
    def program(lib, x, w):
        b = x * 1
        p = PIECES[pieces](b)
        if change == "add_":
            p[1].add_(1.0)
        elif change == "setitem":
            p[0][0] = 2.0
        elif change == "of_a_view_of_a_piece":
            p[1].view(-1)[0:1].mul_(2.0)
        else:
            b.mul_(2.0)
        return (p[0] * 2).sum() + (p[1] * 3).sum()

    same_as_torch(program, np.ones((2, 3)), np.ones(3))
    assert run(chainrule, program, (np.ones((2, 3)), np.ones(3)))[0] == "raised"


def test_pieces_of_split_without_a_history_may_change_in_place():
    for lib in (chainrule, torch):
        b = lib.arange(6.0).reshape(2, 3)
        a, c = b.split(1)
        c.add_(1.0)
        assert b.tolist() == [[0.0, 1.0, 2.0], [4.0, 5.0, 6.0]]
        with lib.no_grad():
            x = lib.ones(2, requires_grad=True) * 1
            x.split(1)[0].mul_(3)
        assert x.tolist() == [3.0, 1.0]


def test_split_pieces_carry_torchs_node_names():
    x = chainrule.ones(4, requires_grad=True) * 1
    assert x.split(2)[0].grad_fn.name == torch.ones(4, requires_grad=True).mul(1).split(2)[0].grad_fn.name()
    assert x.unbind()[0].grad_fn.name == "UnbindBackward0"


# --------------------------------------------------------------------------- overlapping memory
OVERLAPS = {
    "t[None, :2] /= t[:2]": lambda t: t[None, :2].__itruediv__(t[:2]),
    "t[:2].mul_(t[1:3])": lambda t: t[0:2].mul_(t[1:3]),
    "t.add_(t[0])": lambda t: t.add_(t[0]),
    "t[:2].copy_(t[1:3])": lambda t: t[0:2].copy_(t[1:3]),
    "t[:2] = t[1:3]": lambda t: t.__setitem__(slice(0, 2), t[1:3]),
    "t[[0, 1]] = t[1:3]": lambda t: t.__setitem__([0, 1], t[1:3]),
    "t[[0, 1]] = t[0:2]": lambda t: t.__setitem__([0, 1], t[0:2]),
    "t[t > 1] = t[0:2]": lambda t: t.__setitem__(t > 1, t[0:2]),
    "t[1:3].clamp_(t[0:2])": lambda t: t[1:3].clamp_(t[0:2], None),
    "t[1:].addcmul_(t[:3], t[:3])": lambda t: t[1:].addcmul_(t[:3], t[:3]),
    "t[1:].lerp_(t[:3], 0.5)": lambda t: t[1:].lerp_(t[:3], 0.5),
    # allowed: the same memory exactly, memory with gaps, a copy
    "t[:2].add_(t.view(2, 2)[0])": lambda t: t[:2].add_(t.view(2, 2)[0]),
    "t.mul_(t)": lambda t: t.mul_(t),
    "t[:2] = t[:2]": lambda t: t.__setitem__(slice(0, 2), t[0:2]),
    "t[0] = t[1]": lambda t: t.__setitem__(0, t[1]),
    "t[::2].add_(t[1::2])": lambda t: t[::2].add_(t[1::2]),
    "m[:, 0].add_(m[:, 1])": lambda t: t.view(2, 2)[:, 0].add_(t.view(2, 2)[:, 1]),
    "m.t().add_(m.t())": lambda t: t.view(2, 2).t().add_(t.view(2, 2).t()),
    "t.lerp_(t.flip(0), 0.5)": lambda t: t.lerp_(t.flip(0), 0.5),
}


@pytest.mark.parametrize("case", OVERLAPS)
def test_in_place_ops_on_overlapping_memory_are_refused_like_torch(case):
    outcome = {}
    for lib in (chainrule, torch):
        t = lib.arange(4.0)
        try:
            OVERLAPS[case](t)
            outcome[lib] = ("ok", t.tolist())
        except RuntimeError as e:
            outcome[lib] = ("raised", str(e))
    assert outcome[chainrule] == outcome[torch]


def test_overlap_refusal_message_is_torchs():
    t = chainrule.arange(4.0)
    with pytest.raises(RuntimeError, match=re.escape("some elements of the input tensor and the written-to "
                                                     "tensor refer to a single memory location")):
        t[None, :2] /= t[:2]


# ------------------------------------------------------------------- item 5: flip(()) and squeeze(())
@pytest.mark.parametrize("form", ["flip(())", "flip([])", "squeeze(())", "squeeze([])", "flip((0,))", "flip(-1, 0)"])
@settings(max_examples=10, deadline=None)
@given(a=st.sampled_from([np.float64, np.float32]).flatmap(lambda dt: arrays((2, 1, 3), dt)))
def test_flip_and_squeeze_of_no_dimensions_change_nothing(form, a):
    def program(lib, x, w):
        y = eval("x." + form)   # noqa: S307 - a fixed table of forms
        assert tuple(y.shape) == ((2, 1, 3) if "squeeze" in form else x.shape)
        return (y * const(lib, tuple(y.shape), 5, a.dtype)).sum()

    same_as_torch(program, a, np.ones(3))


def test_flip_without_dims_is_a_type_error_like_torch():
    same_as_torch(lambda lib, x, w: x.flip().sum(), np.ones(3), np.ones(3))


# ------------------------------------------------------------------------ item 12: view of a copy
@pytest.mark.parametrize("case", ["t().view(6)", "t().view(-1, 2)", "permute.view(3, 8)", "column.view(2)",
                                  "t().view(3, 2)", "permute.view(3, 2, 2, 2)", "t().reshape(6)",
                                  "t().contiguous().view(6)", "empty.t().view(3, 0, 1)"])
def test_view_of_memory_that_cannot_be_viewed_is_refused_like_torch(case):
    def program(lib, x, w):
        base = x * 1
        if case.startswith("permute"):
            base = (lib.arange(24.0, dtype=lib.float64).reshape(2, 3, 4) * x.sum()).permute(1, 0, 2)
        elif case.startswith("column"):
            base = base[:, 1]
        elif case.startswith("empty"):
            base = lib.zeros(0, 3, dtype=lib.float64) * x.sum()
        rest = case.split(".", 1)[1]
        y = eval("base." + rest)   # noqa: S307 - a fixed table of forms
        return (y * 2).sum()

    same_as_torch(program, np.arange(6.0).reshape(2, 3), np.ones(3))


def test_the_view_refusal_is_torchs_message_and_writes_through_reshape_of_a_view_land():
    with pytest.raises(RuntimeError, match=re.escape("view size is not compatible with input tensor's size and "
                                                     "stride (at least one dimension spans across two contiguous "
                                                     "subspaces). Use .reshape(...) instead.")):
        chainrule.arange(6.0).view(2, 3).t().view(6)
    for lib in (chainrule, torch):
        x = lib.arange(6.0).view(2, 3)
        x.t().view(3, 2)[0, 0] = 7.0    # a transposed tensor viewed as its own shape: still a view
        assert x[0, 0].item() == 7.0


# --------------------------------------------------------------- dimensions of 0-d tensors, nonzero
ZERO_D = {
    "squeeze(1)": lambda y: y.squeeze(1), "unsqueeze(2)": lambda y: y.unsqueeze(2),
    "transpose(0, 1)": lambda y: y.transpose(0, 1), "transpose(0, -1)": lambda y: y.transpose(0, -1),
    "flip(1)": lambda y: y.flip(1), "flip(0)": lambda y: y.flip(0), "size(1)": lambda y: y.size(1),
    "select(0, 0)": lambda y: y.select(0, 0), "narrow(0, 0, 1)": lambda y: y.narrow(0, 0, 1),
    "movedim(0, 1)": lambda y: y.movedim(0, 1), "flatten(1)": lambda y: y.flatten(1),
    "flatten(0, 0)": lambda y: y.flatten(0, 0), "permute(1)": lambda y: y.permute(1),
    "unbind(0)": lambda y: y.unbind(0), "split(1, 1)": lambda y: y.split(1, 1), "chunk(1, 1)": lambda y: y.chunk(1, 1),
    "unflatten(0, (1,))": lambda y: y.unflatten(0, (1,)), "t()": lambda y: y.t(), "squeeze(0)": lambda y: y.squeeze(0),
    "nonzero()": lambda y: y.nonzero(), "nonzero(as_tuple)": lambda y: y.nonzero(as_tuple=True)[0],
}


@pytest.mark.parametrize("value", [2.0, 0.0])
@pytest.mark.parametrize("case", ZERO_D)
def test_dimensions_of_a_0d_tensor_like_torch(case, value):
    res = {}
    for lib in (chainrule, torch):
        try:
            r = ZERO_D[case](lib.tensor(value))
            res[lib] = ("ok", r if isinstance(r, int) else (tuple(r.shape), r.tolist(), str(r.dtype).split(".")[-1]))
        except (IndexError, RuntimeError, TypeError) as e:
            res[lib] = ("raised", type(e), str(e).split("\n")[0])
    assert res[chainrule] == res[torch]


def test_t_of_a_vector_is_a_new_view_like_torch():
    for lib in (chainrule, torch):
        v = lib.arange(3.0)
        w = v.t()
        assert w is not v
        w[0] = 9.0
        assert v[0].item() == 9.0


# ------------------------------------------------------------------- fuzzer findings in this area
def test_an_in_place_op_reading_its_own_target_refuses_backward_like_torch():
    """``x *= x``: the multiplication saved x as its other operand, and x then changed (fuzz F1)."""
    def program(lib, x, w):
        b = x * 1
        b *= b
        return b.sum()

    same_as_torch(program, np.array([1.5, -2.0]), np.ones(3))
    assert run(chainrule, program, (np.array([1.5, -2.0]), np.ones(3)))[0] == "raised"


def test_a_leaf_detached_in_place_gets_no_gradient_like_torch():
    """fuzz F41: backward through a use from before ``x.detach_()`` leaves x.grad None."""
    for lib in (chainrule, torch):
        x = lib.tensor([[1.0]], dtype=lib.float64, requires_grad=True)
        y = x + 0
        x.detach_()
        y.sum().backward()
        assert x.grad is None


def test_detaching_a_view_in_place_is_refused_like_torch():
    """fuzz F51"""
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match=re.escape("Can't detach views in-place. Use detach() instead.")):
            lib.zeros(3)[0:1].detach_()


def test_a_view_of_an_empty_leaf_is_still_a_view_of_a_leaf():
    """fuzz F46: a 0-size view shares no bytes, but it is a view all the same."""
    for lib in (chainrule, torch):
        x = lib.zeros((0, 1), requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
            x[...][...] = 2.0


def test_a_view_made_a_leaf_then_rebased_may_be_written_like_torch():
    """fuzz F47: requires_grad_() on a view, then its base changes in place from it: the view carries
    that history and may be written into."""
    def program(lib, x, w):
        base = lib.tensor([[1.0]], dtype=lib.float64)
        v = base[...]
        v.requires_grad_()
        base.sub_(v.sum())
        sq = v ** 2
        v[...] = x * 3
        return (v * 2).sum() + sq.sum()

    same_as_torch(program, np.array(-3.0), np.ones(3))


@pytest.mark.parametrize("case", ["addcmul_(1.0, t)", "addcdiv_(t, 2.0)", "lerp_(1.0, 0.5)", "lerp_(t32, 0.5)",
                                  "lerp_(t, 0.5)", "lerp_(t, tensor(0.5))"])
def test_in_place_argument_types_like_torch(case):
    """fuzz F32, F64: tensors where PyTorch wants tensors, of the target's dtype."""
    outcomes = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        t, t32 = lib.tensor([3.0, 4.0], dtype=lib.float64), lib.tensor([3.0, 4.0])
        try:
            eval("x." + case, {"t": t, "t32": t32, "x": x, "tensor": lambda v: lib.tensor(v, dtype=lib.float64)})
            outcomes.append(("ok", x.tolist()))
        except (TypeError, RuntimeError) as e:
            outcomes.append(("raised", type(e), str(e).split("\n")[0]))
    assert outcomes[0] == outcomes[1]
