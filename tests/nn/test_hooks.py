"""Forward pre-hooks, forward hooks and full backward hooks fire with PyTorch's arguments."""
import numpy as np
import pytest
import torch as pt

import chainrule
from oracle import assert_close

W1 = np.array([[0.4352, 0.3545], [0.1951, 0.4835]])
B1 = np.array([-0.1419, 0.0439])
W2 = np.array([[-0.1725, 0.1129]])
B2 = np.array([-0.3043])


def seed_model(lib, dtype):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    with lib.no_grad():
        for mod, w, b in ((model[0], W1, B1), (model[2], W2, B2)):
            mod.weight.copy_(lib.tensor(w.astype(dtype)))
            mod.bias.copy_(lib.tensor(b.astype(dtype)))
    return model.to(getattr(lib, "float64" if dtype == np.float64 else "float32"))


def record_backward(lib, model, x_requires_grad, dtype, pre=False):
    calls = []
    for name, mod in model.named_modules():
        def hook(m, gin, gout, name=name):
            calls.append((name or "<root>", [None if g is None else g.detach().numpy().copy() for g in gin],
                          [None if g is None else g.detach().numpy().copy() for g in gout]))
        mod.register_full_backward_hook(hook)
        if pre:
            def prehook(m, gout, name=name):
                calls.append(("pre " + (name or "<root>"), [], [g.detach().numpy().copy() for g in gout]))
            mod.register_full_backward_pre_hook(prehook)
    x = lib.tensor(np.array([[1.0, 1.0], [0.5, -2.0]], dtype=dtype), requires_grad=x_requires_grad)
    y = lib.tensor(np.array([[0.0], [1.0]], dtype=dtype))
    loss = lib.nn.BCELoss()(model(x), y)
    loss.backward()
    return calls


@pytest.mark.parametrize("pre", [False, True])
@pytest.mark.parametrize("x_requires_grad", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_full_backward_hooks_match_pytorch(dtype, x_requires_grad, pre):
    ours = record_backward(chainrule, seed_model(chainrule, dtype), x_requires_grad, dtype, pre)
    theirs = record_backward(pt, seed_model(pt, dtype), x_requires_grad, dtype, pre)
    assert [c[0] for c in ours] == [c[0] for c in theirs]
    for (name, gi_o, go_o), (_, gi_t, go_t) in zip(ours, theirs):
        assert len(gi_o) == len(gi_t) and len(go_o) == len(go_t), name
        for a, b in zip(gi_o + go_o, gi_t + go_t):
            assert (a is None) == (b is None), name
            if a is not None:
                assert_close(a, b, name)


def test_backward_hook_can_replace_grad_input():
    lin = chainrule.nn.Linear(2, 1)
    x = chainrule.ones(1, 2, requires_grad=True)
    h = lin.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 0 + 7,))
    lin(x).sum().backward()
    assert x.grad.tolist() == [[7.0, 7.0]]
    h.remove()
    x.grad = None
    lin(x).sum().backward()
    assert x.grad.tolist() == lin.weight.detach().tolist()


def test_backward_pre_hook_can_replace_grad_output():
    lin = chainrule.nn.Linear(2, 1)
    lin.register_full_backward_pre_hook(lambda m, gout: (gout[0] * 2,))
    lin(chainrule.ones(3, 2)).sum().backward()
    assert lin.bias.grad.tolist() == [6.0]


def test_backward_hook_returning_values_when_no_input_needs_grad_is_an_error():
    lin = chainrule.nn.Linear(2, 1)
    lin.register_full_backward_hook(lambda m, gin, gout: (chainrule.ones(1, 2),))
    with pytest.raises(RuntimeError, match="no input requires gradient should always return None"):
        lin(chainrule.ones(1, 2)).sum().backward()


def test_backward_hook_node_is_pytorchs_name_and_graph_is_unchanged_without_hooks():
    lin = chainrule.nn.Linear(2, 1)
    out = lin(chainrule.ones(1, 2))
    assert out.grad_fn.name == "AddmmBackward0"
    lin.register_full_backward_hook(lambda *a: None)
    out = lin(chainrule.ones(1, 2))
    assert out.grad_fn.name == "BackwardHookFunctionBackward"


def test_forward_hooks_see_args_and_output_and_can_replace_them():
    lin = chainrule.nn.Linear(2, 1)
    seen = []
    lin.register_forward_pre_hook(lambda m, args: seen.append(("pre", args[0].tolist())))
    h = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    lin.register_forward_hook(lambda m, args, out: seen.append(("post", args[0].tolist(), out.tolist())))
    out = lin(chainrule.ones(1, 2))
    assert seen[0] == ("pre", [[1.0, 1.0]])
    assert seen[1] == ("post", [[0.0, 0.0]], lin.bias.detach().reshape(1, 1).tolist())
    assert out.tolist() == seen[1][2]
    h.remove()
    lin.register_forward_hook(lambda m, args, out: out * 0 + 5)
    assert lin(chainrule.ones(1, 2)).tolist() == [[5.0]]


def test_forward_hooks_with_kwargs_and_prepend_order():
    order = []
    m = chainrule.nn.Identity()
    m.register_forward_hook(lambda mod, args, out: order.append("second"))
    m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(("kw", kwargs)), with_kwargs=True)
    m(chainrule.ones(1))
    assert order == ["first", "second", ("kw", {})]


def test_bad_pre_hook_return_with_kwargs():
    m = chainrule.nn.Identity()
    m.register_forward_pre_hook(lambda mod, args, kwargs: 3, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\)"):
        m(chainrule.ones(1))


def test_old_style_backward_hook_points_to_the_full_one():
    with pytest.raises(RuntimeError, match="Use register_full_backward_hook"):
        chainrule.nn.Linear(1, 1).register_backward_hook(lambda *a: None)


def two_input_module(lib):
    class Mix(lib.nn.Module):
        def forward(self, x, y, scale):
            return (x * y + x) * scale
    return Mix()


@pytest.mark.parametrize("y_requires_grad", [True, False])
def test_backward_hook_on_a_module_with_several_inputs(y_requires_grad):
    results = []
    for lib in (chainrule, pt):
        calls = []
        m = two_input_module(lib)
        m.register_full_backward_hook(lambda mod, gin, gout: calls.append((gin, gout)))
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, -1.0], requires_grad=y_requires_grad)
        (m(x, y, 2.0) ** 2).sum().backward()
        assert len(calls) == 1
        gin, gout = calls[0]
        results.append(([None if g is None else g.tolist() for g in gin], [g.tolist() for g in gout]))
    assert results[0] == results[1]


def test_backward_hook_fires_once_per_backward_with_retain_graph():
    for lib in (chainrule, pt):
        calls = []
        m = two_input_module(lib)
        m.register_full_backward_hook(lambda mod, gin, gout: calls.append(1))
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, -1.0], requires_grad=True)
        out = m(x, y, 1.0).sum()
        out.backward(retain_graph=True)
        out.backward()
        assert len(calls) == 2, lib.__name__


def test_always_call_forward_hook_runs_when_forward_fails():
    seen = []
    lin = chainrule.nn.Linear(2, 1)
    lin.register_forward_hook(lambda m, args, out: seen.append(out), always_call=True)
    lin.register_forward_hook(lambda m, args, out: seen.append("normal"))
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        lin(chainrule.ones(1, 3))
    assert seen == [None]
