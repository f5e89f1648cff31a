"""Autograd behaviour a PyTorch user relies on: accumulation, non-leaf .grad, freed graphs, retain_graph,
autograd.grad, hooks, grad modes, detach/clone, version counters and in-place rules, no shared .grad."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from chainrule import autograd


def test_grads_accumulate_across_backward_calls():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        (3 * x).sum().backward()
        assert x.grad.tolist() == [5.0, 7.0]
        x.grad = None
        (x * 2).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]


def test_non_leaf_grad_is_none_unless_retained():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    z.retain_grad()
    z.sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert y.grad is None
    assert z.grad.tolist() == [1.0, 1.0]
    assert y.is_leaf is False and x.is_leaf is True and z.retains_grad
    assert chainrule.tensor([1.0]).is_leaf


def test_retain_grad_value_matches_torch():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x.tanh()
        h.retain_grad()
        (h * h * x).sum().backward()
        return h.grad.numpy(), x.grad.numpy()
    for a, b in zip(run(chainrule), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_backward_twice_through_freed_graph_raises_clear_error():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy())


def test_backward_with_gradient_argument():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.backward(lib.tensor([1.0, 0.5, -1.0]))
        assert x.grad.tolist() == [2.0, 2.0, -6.0]


def test_autograd_grad_with_grad_outputs_and_allow_unused():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    w = chainrule.tensor([3.0, 4.0], requires_grad=True)
    u = chainrule.tensor([1.0], requires_grad=True)
    y = x * w
    gx, gw = autograd.grad(y, (x, w), grad_outputs=chainrule.tensor([1.0, -1.0]), retain_graph=True)
    assert gx.tolist() == [3.0, -4.0] and gw.tolist() == [1.0, -2.0]
    assert x.grad is None and w.grad is None
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad(y.sum(), [x, u], retain_graph=True)
    gx, gu = autograd.grad(y.sum(), [x, u], allow_unused=True)
    assert gx.tolist() == [3.0, 4.0] and gu is None
    (g,) = autograd.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 4.0]


def test_autograd_grad_of_tensor_that_does_not_require_grad():
    x = chainrule.tensor([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad(x * 2, x)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).backward()


def test_hook_on_leaf_and_non_leaf_can_replace_gradient():
    def run(lib):
        seen = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: seen.append(("x", g.tolist())))
        y = x * 3
        y.register_hook(lambda g: g * 10)
        h = y.register_hook(lambda g: seen.append(("y", g.tolist())))
        z = (y * y).sum()
        z.backward()
        h.remove()
        return seen, x.grad.tolist()
    assert run(chainrule) == run(torch)


def test_hook_returning_replacement_on_leaf():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 0 + 7)
        (x * x).sum().backward()
        assert x.grad.tolist() == [7.0, 7.0]


def test_grad_modes_as_context_managers_and_decorators():
    x = chainrule.tensor([1.0], requires_grad=True)
    with chainrule.no_grad():
        y = x * 2
        with chainrule.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad
    with chainrule.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @chainrule.no_grad()
    def f(t):
        return t * 2

    @chainrule.enable_grad()
    def g(t):
        return t * 2

    @chainrule.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert not f(x).requires_grad and chainrule.is_grad_enabled()
    with chainrule.no_grad():
        assert g(x).requires_grad
    assert not h(x).requires_grad and chainrule.is_grad_enabled()
    chainrule.set_grad_enabled(False)
    assert not chainrule.is_grad_enabled()
    chainrule.set_grad_enabled(True)
    assert chainrule.is_grad_enabled()

    @chainrule.no_grad
    def bare(t):
        return t * 2
    assert not bare(x).requires_grad


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with chainrule.no_grad():
            raise ValueError
    assert chainrule.is_grad_enabled()


def test_detach_clone_requires_grad_():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    d[0] = 5.0                                   # shares memory, like PyTorch
    assert x[0].item() == 5.0
    c = x.clone()
    assert c.requires_grad and c.grad_fn.name == "CloneBackward0"
    (c * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    y = chainrule.tensor([1.0]).requires_grad_()
    assert y.requires_grad and y.requires_grad_(False) is y and not y.requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad = False


def test_requires_grad_on_int_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="floating point"):
        chainrule.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        chainrule.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        chainrule.zeros(2, dtype=chainrule.int64, requires_grad=True)


def test_graph_recorded_only_when_needed():
    a = chainrule.tensor([1.0])
    assert (a * 2).grad_fn is None and not (a * 2).requires_grad
    b = chainrule.tensor([1.0], requires_grad=True)
    assert (a + b).grad_fn.name == "AddBackward0"
    assert (b > 0).grad_fn is None and not (b > 0).requires_grad
    assert b.argmax().grad_fn is None


IN_PLACE = {
    "add_": lambda t: t.add_(1.0), "sub_": lambda t: t.sub_(1.0), "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0), "zero_": lambda t: t.zero_(), "fill_": lambda t: t.fill_(3.0),
    "copy_": lambda t: t.copy_(chainrule.ones(t.shape)), "clamp_": lambda t: t.clamp_(0.0, 1.0),
    "iadd": lambda t: t.__iadd__(1.0), "isub": lambda t: t.__isub__(1.0), "imul": lambda t: t.__imul__(2.0),
    "itruediv": lambda t: t.__itruediv__(2.0), "setitem": lambda t: t.__setitem__(0, 5.0),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_on_saved_tensor_raises_at_backward(name):
    x = chainrule.tensor([0.5, 1.5], requires_grad=True)
    y = x * 2
    z = y.exp()          # exp saves its result z
    w = (y * y).sum()    # mul saves y
    IN_PLACE[name](y)
    assert y._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1; expected version 0"):
        w.backward()
    IN_PLACE[name](z)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_on_leaf_requiring_grad_is_an_error_outside_no_grad(name):
    x = chainrule.tensor([0.5, 1.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*in-place"):
        IN_PLACE[name](x)
    with chainrule.no_grad():
        IN_PLACE[name](x)
    assert x.is_leaf and x.requires_grad and x._version == 1


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_on_non_leaf_gives_torch_values_and_gradients(name):
    def run(lib):
        x = lib.tensor([0.5, 1.5, -2.0], requires_grad=True)
        y = x * x + 1
        if lib is chainrule:
            IN_PLACE[name](y)
        else:
            {"add_": lambda t: t.add_(1.0), "sub_": lambda t: t.sub_(1.0), "mul_": lambda t: t.mul_(2.0),
             "div_": lambda t: t.div_(2.0), "zero_": lambda t: t.zero_(), "fill_": lambda t: t.fill_(3.0),
             "copy_": lambda t: t.copy_(torch.ones(t.shape)), "clamp_": lambda t: t.clamp_(0.0, 1.0),
             "iadd": lambda t: t.__iadd__(1.0), "isub": lambda t: t.__isub__(1.0),
             "imul": lambda t: t.__imul__(2.0), "itruediv": lambda t: t.__itruediv__(2.0),
             "setitem": lambda t: t.__setitem__(0, 5.0)}[name](y)
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return y.detach().numpy().copy(), x.grad.numpy().copy()
    for a, b in zip(run(chainrule), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_setitem_with_tensor_value_gets_gradient():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = lib.tensor([10.0, 20.0], requires_grad=True)
        y = x * 1
        y[1:] = v * v
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return x.grad.tolist(), v.grad.tolist(), y.tolist()
    assert run(chainrule) == run(torch)


def test_c_plus_equals_pattern_on_non_leaf():
    def run(lib):
        a = lib.tensor([2.0, -1.0], requires_grad=True)
        c = a * 3
        c += c + 1
        c *= 2
        c -= a
        c /= 2
        c.sum().backward()
        return c.tolist(), a.grad.tolist(), c.grad_fn is not None
    assert run(chainrule) == run(torch)


def test_two_leaves_never_share_a_grad_array():
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    b = chainrule.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    with chainrule.no_grad():
        a.grad.mul_(10)
    assert b.grad.tolist() == [1.0, 1.0]
    a2 = chainrule.tensor([1.0, 2.0], requires_grad=True)
    b2 = chainrule.tensor([3.0, 4.0], requires_grad=True)
    y = a2.reshape(2) + b2.reshape(2)      # two views of one gradient buffer
    y.backward(chainrule.ones(2))
    a2.grad.numpy()[0] = 100.0
    assert b2.grad.tolist() == [1.0, 1.0]
    (a2 + b2).backward(chainrule.ones(2))  # second accumulation must not leak either
    assert b2.grad.tolist() == [2.0, 2.0] and a2.grad.tolist() == [101.0, 2.0]


def test_grad_is_a_writable_plain_array_and_not_the_seed():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    seed = chainrule.ones(2)
    x.expand(3, 2).sum(0).backward(seed)
    x.grad.numpy()[0] = 9.0       # writable (not a broadcast view)
    assert seed.tolist() == [1.0, 1.0]
    y = chainrule.tensor([1.0, 2.0], requires_grad=True)
    seed2 = chainrule.ones(2)
    y.backward(seed2)
    y.grad.numpy()[0] = 5.0
    assert seed2.tolist() == [1.0, 1.0]
    (y * 1).backward(seed2)
    assert seed2.tolist() == [1.0, 1.0]


def test_hook_sees_gradient_but_cannot_corrupt_leaf_grad():
    kept = []
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: kept.append(g))
    (x * 2).sum().backward()
    x.grad.data.mul_(0)
    assert kept[0].tolist() == [2.0, 2.0]


def test_views_share_the_version_counter():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = (y * y).sum()
    v = y[1:]
    v.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_deep_chain_backpropagates_without_recursion_error():
    x = chainrule.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    (y * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_backward_on_non_scalar_without_gradient_is_clear():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(2,\).*sum\(\)"):
        (x * 2).backward()


def test_data_and_grad_setters():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    x.data = chainrule.tensor([5.0, 6.0])
    assert x.tolist() == [5.0, 6.0] and x.requires_grad
    x.grad = chainrule.tensor([1.0, 1.0])
    (x * 2).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="size"):
        x.grad = chainrule.zeros(3)
    x.data.add_(1)                    # not tracked, no error (like PyTorch)
    assert x.tolist() == [6.0, 7.0]


def test_backward_inputs_argument():
    x = chainrule.tensor([1.0], requires_grad=True)
    w = chainrule.tensor([2.0], requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    assert x.grad.tolist() == [2.0] and w.grad is None


def _views_in_place(lib):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * x
    y[1:].mul_(2)                    # in place through a slice view
    for i in range(2):               # rows are views too
        row = y[i]
        row.add_(row * 0.5)
        row[-1] = row[0] * 2
    y[:, 0] += 1                     # getitem, iadd on the view, setitem
    y[0, 1:] = y[1, 1:] * 3
    (y * lib.tensor([1.0, -2.0, 3.0])).sum().backward()
    return y.tolist(), x.grad.tolist()


def test_in_place_through_views_matches_torch():
    ours, theirs = _views_in_place(chainrule), _views_in_place(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


def test_in_place_on_view_of_leaf_is_an_error():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0].add_(1)
    with chainrule.no_grad():
        x[0].add_(1)
        x[1:][0].mul_(3)
    assert x.tolist() == [2.0, 6.0]


def _in_place_through_any_view(lib):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    w = lib.tensor([0.5, -1.5], requires_grad=True)
    y = x * x
    y.view(3, 2).mul_(2)                 # reshape view
    y.t()[1] = w * 3                     # transposed view, then a slice of it
    y[1][2] += 1                         # view of a view
    for i in range(2):                   # slices of one row
        row = y[i:i + 1]
        row[0, 0] = row[0, 0] * 10
    y.flatten()[::2].add_(w.sum())       # strided slice of a reshaped view
    (y * lib.arange(6.0).reshape(2, 3)).sum().backward()
    return y.tolist(), x.grad.tolist(), w.grad.tolist()


def test_in_place_on_reshaped_and_transposed_views_matches_torch():
    ours, theirs = _in_place_through_any_view(chainrule), _in_place_through_any_view(torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    z = chainrule.zeros(2, 2)
    z.t().add_(1)                        # nothing requires grad: plain write-through
    assert z.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_backward_inputs_with_shared_gradient_buffers():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    w = chainrule.tensor([3.0, 4.0], requires_grad=True)
    (x + w).sum().backward(inputs=[x, w])
    x.grad.numpy()[0] = 50.0
    assert w.grad.tolist() == [1.0, 1.0]


def test_autograd_grad_runs_leaf_hooks_and_fills_retained_grads_like_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 10)
        h = x * x
        h.retain_grad()
        (g,) = lib.autograd.grad(h.sum(), x)
        return g.tolist(), h.grad is None, x.grad is None
    assert run(chainrule) == run(torch)


def test_post_accumulate_grad_hook():
    seen = []
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]


def test_setitem_through_a_view_makes_the_base_require_grad_like_torch():
    def run(lib):
        v = lib.tensor([2.0, 3.0], requires_grad=True)
        y = lib.zeros(2, 3)
        y[0][1:] = v * v          # y[0] is a view; the base y must see the new graph
        (y * lib.arange(6.0).reshape(2, 3)).sum().backward()
        return y.requires_grad, y.tolist(), v.grad.tolist()
    assert run(chainrule) == run(torch)


def test_in_place_on_view_created_under_no_grad_is_refused():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    with chainrule.no_grad():
        v = y[0]
    with pytest.raises(RuntimeError, match="created in no_grad mode"):
        v.mul_(2)


def test_public_backprop_step_and_edges():
    a = chainrule.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = chainrule.tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = (a * b).sigmoid()
    node = y.grad_fn
    assert node.name == "SigmoidBackward0"
    mul = node.edges[0]
    assert mul.name == "MulBackward0" and [e.variable for e in mul.edges] == [a, b]
    assert [e.name for e in mul.edges] == ["AccumulateGrad", "AccumulateGrad"]
    g = np.ones((2, 3), dtype=np.float32)
    ga, gb = mul.backprop_step(g)                 # ∂(a·b)/∂a = b, ∂/∂b = a, summed back to b's shape
    np.testing.assert_array_equal(ga, np.broadcast_to(b.detach().numpy(), (2, 3)))
    np.testing.assert_array_equal(gb, a.detach().numpy().sum(0))
    assert gb.shape == (3,) and ga.dtype == np.float32
    assert node.next_functions == ((mul, 0),)


def test_in_place_with_an_overlapping_view_as_argument_is_caught_like_torch():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        # the saved y[1:3] is overwritten in part: PyTorch refuses at once, chainrule at backward,
        # neither hands back a wrong gradient
        with pytest.raises(RuntimeError, match="modified by an inplace operation|refer to a single memory"):
            y[0:2].mul_(y[1:3])
            y.sum().backward()
