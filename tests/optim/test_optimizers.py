"""Every optimizer and option against PyTorch: 20 steps of the same training, parameters equal after each step."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from .harness import compare_training, initial_arrays, make_params, batches

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, maximize=True)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_twenty_steps_match_pytorch(name, kwargs, dtype):
    opt_c, _, ours, _ = compare_training(name, kwargs, dtype)
    for p in ours:
        assert p.dtype == (chainrule.float64 if dtype == np.float64 else chainrule.float32)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_param_groups_with_their_own_options_match_pytorch(name):
    extra = {"SGD": dict(momentum=0.9), "Adam": dict(weight_decay=0.1), "AdamW": dict(amsgrad=True),
             "RMSprop": dict(centered=True), "Adagrad": dict(lr_decay=0.1)}[name]
    group_opts = [dict(lr=0.05), dict(lr=0.01, **extra)]
    opt_c, opt_t, _, _ = compare_training(name, dict(lr=0.02), np.float64, steps=10, group_opts=group_opts)
    assert [g["lr"] for g in opt_c.param_groups] == [0.05, 0.01]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_defaults_are_pytorchs(name):
    p = chainrule.tensor([1.0], requires_grad=True)
    q = torch.tensor([1.0], requires_grad=True)
    ours = getattr(chainrule.optim, name)([p]).defaults
    theirs = getattr(torch.optim, name)([q]).defaults
    assert ours == theirs


def test_update_is_in_place_and_bumps_the_version_counter():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    buffer, version = w._data, w._version
    alias = w.detach()
    opt = chainrule.optim.SGD([w], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    assert w._data is buffer
    assert w._version == version + 1
    np.testing.assert_array_equal(alias.numpy(), [0.0, 0.0])   # views see the new values


def test_step_on_a_parameter_saved_by_a_graph_makes_that_graph_refuse_backward():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()          # Mul saves w
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_parameters_without_grad_are_left_alone_and_get_no_state():
    a = chainrule.tensor([1.0], requires_grad=True)
    b = chainrule.tensor([2.0], requires_grad=True)
    opt = chainrule.optim.Adam([a, b], lr=0.1)
    (a * 3).sum().backward()
    opt.step()
    assert b.item() == 2.0 and b not in opt.state and len(opt.state[a]) == 3


def test_float32_stays_float32():
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]:
        w = chainrule.tensor(np.ones(3, np.float32), requires_grad=True)
        opt = getattr(chainrule.optim, name)([w], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
        for _ in range(2):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        assert w._data.dtype == np.float32
        for k, v in opt.state[w].items():
            if k != "step":
                assert v._data.dtype == np.float32, (name, k)


def test_zero_grad_sets_to_none_or_zero():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_zero_grad_false_then_backward_accumulates_from_zero_like_pytorch():
    arrays = initial_arrays(np.float64)
    data = batches(np.float64, 3)
    results = []
    for lib in (chainrule, torch):
        params = make_params(lib, arrays)
        opt = lib.optim.SGD(params, lr=0.1, momentum=0.5)
        for x, y in data:
            opt.zero_grad(set_to_none=False)
            from .harness import loss_fn
            loss_fn(params, lib.tensor(x), lib.tensor(y)).backward()
            opt.step()
        results.append([p.detach().numpy().copy() for p in params])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_closure_is_called_with_grad_enabled_and_its_loss_returned():
    w = chainrule.tensor([3.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with chainrule.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and w.item() == 1.5


def test_repr_is_pytorchs():
    p = chainrule.tensor([1.0], requires_grad=True)
    q = torch.tensor([1.0], requires_grad=True)
    assert repr(chainrule.optim.SGD([p], lr=0.1, momentum=0.9)) == repr(torch.optim.SGD([q], lr=0.1, momentum=0.9))
    assert repr(chainrule.optim.Adam([p])) == repr(torch.optim.Adam([q]))


def test_named_parameters_are_accepted_and_names_kept():
    p = chainrule.tensor([1.0], requires_grad=True)
    opt = chainrule.optim.SGD([("w", p)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"] and opt.param_groups[0]["params"][0] is p


def test_step_hooks_see_the_parameters_before_and_after_and_can_be_removed():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.5)
    seen = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: seen.append(("pre", w.tolist())))
    post = opt.register_step_post_hook(lambda o, args, kwargs: seen.append(("post", w.tolist())))
    (w * w).sum().backward()
    opt.step()
    assert seen == [("pre", [1.0, 2.0]), ("post", [0.0, 0.0])]
    pre.remove()
    post.remove()
    opt.step()
    assert len(seen) == 2


def test_a_step_pre_hook_that_returns_nonsense_is_reported():
    w = chainrule.tensor([1.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.5)
    opt.register_step_pre_hook(lambda o, a, k: 42)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got 42"):
        opt.step()


def test_a_parameter_on_a_read_only_array_is_still_updated():
    arr = np.array([1.0, 2.0])
    arr.flags.writeable = False
    w = chainrule.from_numpy(arr).requires_grad_()
    opt = chainrule.optim.SGD([w], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    assert w.tolist() == [0.0, 0.0] and arr.tolist() == [1.0, 2.0]


def test_zero_grad_without_set_to_none_zeroes_the_same_gradient_tensor():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and g.tolist() == [0.0, 0.0]
