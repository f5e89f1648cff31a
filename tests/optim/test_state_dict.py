"""Optimizer state dicts: PyTorch's layout, round trips mid-run, and loading across the two libraries."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from oracle import assert_close
from .harness import (initial_arrays, batches, make_params, train, to_torch_state, to_chainrule_state)

OPTIONS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
]
IDS = [n for n, _ in OPTIONS]


def _assert_state_dicts_equal(ours, theirs):
    assert [{k: v for k, v in g.items()} for g in ours["param_groups"]] == theirs["param_groups"]
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for k in theirs["state"]:
        assert sorted(ours["state"][k]) == sorted(theirs["state"][k])
        for name, v in theirs["state"][k].items():
            assert_close(ours["state"][k][name], v, f"state[{k}][{name}]")


@pytest.mark.parametrize("name,kwargs", OPTIONS, ids=IDS)
def test_state_dict_layout_and_values_match_pytorch(name, kwargs):
    arrays, data = initial_arrays(np.float64), batches(np.float64, 5)
    sds = []
    for lib in (chainrule, torch):
        params = make_params(lib, arrays)
        opt = getattr(lib.optim, name)(params, **kwargs)
        train(lib, opt, params, data)
        sds.append(opt.state_dict())
    _assert_state_dicts_equal(*sds)


@pytest.mark.parametrize("name,kwargs", OPTIONS, ids=IDS)
def test_resume_from_state_dict_mid_run_matches_an_uninterrupted_pytorch_run(name, kwargs):
    arrays, data = initial_arrays(np.float64), batches(np.float64, 20)
    theirs = make_params(torch, arrays)
    opt_t = getattr(torch.optim, name)(theirs, **kwargs)
    train(torch, opt_t, theirs, data)

    ours = make_params(chainrule, arrays)
    opt = getattr(chainrule.optim, name)(ours, **kwargs)
    train(chainrule, opt, ours, data[:8])
    saved_state, saved_params = opt.state_dict(), [p.detach().numpy().copy() for p in ours]
    train(chainrule, opt, ours, data[8:10])          # the first run goes on; the saved copy must not move

    resumed = make_params(chainrule, saved_params)
    fresh = getattr(chainrule.optim, name)(resumed, **kwargs)
    fresh.load_state_dict(saved_state)
    train(chainrule, fresh, resumed, data[8:])
    for a, b in zip(resumed, theirs):
        assert_close(a.detach(), b.detach(), f"{name} resumed", rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", OPTIONS, ids=IDS)
def test_pytorch_state_dict_loads_into_chainrule_and_back(name, kwargs):
    arrays, data = initial_arrays(np.float64), batches(np.float64, 12)
    theirs = make_params(torch, arrays)
    opt_t = getattr(torch.optim, name)(theirs, **kwargs)
    train(torch, opt_t, theirs, data[:6])

    ours = make_params(chainrule, [p.detach().numpy() for p in theirs])
    opt_c = getattr(chainrule.optim, name)(ours, **kwargs)
    opt_c.load_state_dict(to_chainrule_state(opt_t.state_dict()))
    train(torch, opt_t, theirs, data[6:])
    train(chainrule, opt_c, ours, data[6:])
    for a, b in zip(ours, theirs):
        assert_close(a.detach(), b.detach(), f"{name} from torch state", rtol=1e-10, atol=1e-12)

    back = make_params(torch, [p.detach().numpy() for p in ours])
    opt_back = getattr(torch.optim, name)(back, **kwargs)
    opt_back.load_state_dict(to_torch_state(opt_c.state_dict()))
    _assert_state_dicts_equal(opt_c.state_dict(), opt_back.state_dict())


def test_state_dict_returns_copies():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    before = sd["state"][0]["momentum_buffer"].numpy().copy()
    sd["param_groups"][0]["lr"] = 99.0
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"].numpy(), before)
    assert opt.param_groups[0]["lr"] == 0.1


def test_load_casts_state_to_the_parameter_dtype():
    w64 = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64, requires_grad=True)
    opt = chainrule.optim.Adam([w64], lr=0.1)
    (w64 * w64).sum().backward()
    opt.step()
    w32 = chainrule.tensor([1.0, 2.0], dtype=chainrule.float32, requires_grad=True)
    opt32 = chainrule.optim.Adam([w32], lr=0.1)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[w32]["exp_avg"].dtype == chainrule.float32
    assert opt32.state[w32]["step"].item() == 1.0


def test_load_rejects_a_different_number_of_groups():
    a, b = (chainrule.tensor([1.0], requires_grad=True) for _ in range(2))
    sd = chainrule.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        chainrule.optim.SGD([a, b], lr=0.1).load_state_dict(sd)


def test_load_rejects_a_group_of_another_size():
    a, b = (chainrule.tensor([1.0], requires_grad=True) for _ in range(2))
    sd = chainrule.optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        chainrule.optim.SGD([a], lr=0.1).load_state_dict(sd)


def test_load_rejects_state_of_another_shape():
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([a], lr=0.1, momentum=0.9)
    (a * a).sum().backward()
    opt.step()
    b = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"'momentum_buffer' has shape \(2,\) but its parameter has shape \(3,\)"):
        chainrule.optim.SGD([b], lr=0.1, momentum=0.9).load_state_dict(opt.state_dict())


def test_load_rejects_something_that_is_not_a_state_dict():
    a = chainrule.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        chainrule.optim.SGD([a], lr=0.1).load_state_dict({"weight": a})


def test_string_state_keys_from_json_are_matched_to_parameters():
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([a], lr=0.1, momentum=0.9)
    (a * a).sum().backward()
    opt.step()
    sd = opt.state_dict()
    sd["state"] = {str(k): v for k, v in sd["state"].items()}
    fresh = chainrule.optim.SGD([a], lr=0.1, momentum=0.9)
    fresh.load_state_dict(sd)
    assert "momentum_buffer" in fresh.state[a]
