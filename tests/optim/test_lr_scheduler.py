"""Learning-rate schedulers against PyTorch: the lr of every group after each of many epochs, and training."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import chainrule
from chainrule.optim import lr_scheduler as cr_sched
from oracle import assert_close
from .harness import initial_arrays, batches, make_params, train

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
]


def _two_group_optimizers(lr=0.1):
    a, b = chainrule.tensor([1.0], requires_grad=True), chainrule.tensor([1.0], requires_grad=True)
    ta, tb = torch.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    ours = chainrule.optim.SGD([{"params": [a]}, {"params": [b], "lr": lr / 4}], lr=lr)
    theirs = torch.optim.SGD([{"params": [ta]}, {"params": [tb], "lr": lr / 4}], lr=lr)
    return ours, theirs


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[f"{n}-{k}" for n, k in SCHEDULES])
def test_lrs_over_many_epochs_match_pytorch(name, kwargs):
    ours_opt, theirs_opt = _two_group_optimizers()
    ours = getattr(cr_sched, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    assert ours.get_last_lr() == theirs.get_last_lr()
    for epoch in range(60):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13, atol=1e-15,
                                   err_msg=f"{name} epoch {epoch + 1}")
        assert [g["lr"] for g in ours_opt.param_groups] == ours.get_last_lr()


def test_cosine_recursive_form_stays_on_the_closed_form_over_several_periods():
    opt, _ = _two_group_optimizers(lr=1.0)
    sched = cr_sched.CosineAnnealingLR(opt, T_max=5, eta_min=0.1)
    for t in range(1, 31):
        opt.step()
        sched.step()
        closed = 0.1 + (1.0 - 0.1) * (1 + math.cos(math.pi * t / 5)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(closed, abs=1e-12)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(mode="max", factor=0.5, patience=1),
    dict(patience=2, threshold=0.1, threshold_mode="abs", cooldown=2),
    dict(mode="max", threshold_mode="abs", threshold=0.05, patience=0, min_lr=0.02),
    dict(factor=0.5, patience=0, min_lr=[0.03, 0.001]),
    dict(factor=0.5, patience=0, eps=0.01),
])
def test_reduce_on_plateau_matches_pytorch(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.85, 0.86, 0.86, 0.87, 0.87, 0.87, 0.5, 0.6, 0.6, 0.7, 0.8, 0.8,
               0.8, 0.9, 0.95, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99]
    ours_opt, theirs_opt = _two_group_optimizers()
    ours = cr_sched.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    for i, m in enumerate(metrics):
        ours.step(m)
        theirs.step(m)
        assert ours.get_last_lr() == theirs.get_last_lr(), f"epoch {i}"
        assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == \
               (theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best)


def test_plateau_accepts_a_0d_tensor_metric():
    opt, _ = _two_group_optimizers()
    sched = cr_sched.ReduceLROnPlateau(opt, patience=0)
    sched.step(chainrule.tensor(1.0))
    sched.step(chainrule.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.0025])


@pytest.mark.parametrize("name,kwargs", [("StepLR", dict(step_size=4, gamma=0.5)),
                                         ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01))])
def test_training_with_a_schedule_matches_pytorch(name, kwargs):
    arrays, data = initial_arrays(np.float64), batches(np.float64, 20)
    results = []
    for lib in (chainrule, torch):
        params = make_params(lib, arrays)
        opt = lib.optim.Adam(params, lr=0.05)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
        train(lib, opt, params, data, sched=sched)
        results.append(params)
    for a, b in zip(*results):
        assert_close(a.detach(), b.detach(), name)


@pytest.mark.parametrize("name,kwargs", SCHEDULES[:-1] + [("ReduceLROnPlateau", dict(patience=1))],
                         ids=[n for n, _ in SCHEDULES[:-1]] + ["ReduceLROnPlateau"])
def test_state_dict_round_trip_continues_the_same_schedule(name, kwargs):
    opt_a, _ = _two_group_optimizers()
    sched_a = getattr(cr_sched, name)(opt_a, **kwargs)
    step = (lambda s, i: s.step(1.0 + (i % 3 == 0))) if name == "ReduceLROnPlateau" else (lambda s, i: s.step())
    for i in range(7):
        opt_a.step()
        step(sched_a, i)
    saved_sched, saved_opt = sched_a.state_dict(), opt_a.state_dict()
    assert "optimizer" not in saved_sched

    opt_b, _ = _two_group_optimizers()
    sched_b = getattr(cr_sched, name)(opt_b, **kwargs)
    opt_b.load_state_dict(saved_opt)
    sched_b.load_state_dict(saved_sched)
    for i in range(7, 25):
        opt_a.step()
        opt_b.step()
        step(sched_a, i)
        step(sched_b, i)
        assert sched_a.get_last_lr() == sched_b.get_last_lr()


def test_lambda_lr_state_dict_keeps_callable_objects_state_not_functions():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt, _ = _two_group_optimizers()
    sched = cr_sched.LambdaLR(opt, [Warmup(5), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 5}, None]
    other = cr_sched.LambdaLR(_two_group_optimizers()[0], [Warmup(2), lambda e: 1.0])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].n == 5


def test_closed_form_when_an_epoch_is_given():
    opt, _ = _two_group_optimizers(lr=1.0)
    sched = cr_sched.StepLR(opt, step_size=2, gamma=0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.get_last_lr() == [0.25, 0.0625]


def test_scheduler_errors():
    opt, _ = _two_group_optimizers()
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        cr_sched.StepLR([], step_size=2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        cr_sched.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        cr_sched.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be positive"):
        cr_sched.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        cr_sched.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode maximum is unknown"):
        cr_sched.ReduceLROnPlateau(opt, mode="maximum")
    with pytest.raises(ValueError, match="threshold mode relative is unknown"):
        cr_sched.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        cr_sched.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])
    fresh, _ = _two_group_optimizers()
    with pytest.raises(KeyError, match="initial_lr"):
        cr_sched.StepLR(fresh, step_size=2, last_epoch=3)
    with pytest.raises(NotImplementedError):
        cr_sched.LRScheduler(fresh)


def test_plateau_with_a_group_added_later_and_min_lr_list_says_what_to_fix():
    opt, _ = _two_group_optimizers()
    sched = cr_sched.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [chainrule.tensor([1.0], requires_grad=True)]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="differs from when `ReduceLROnPlateau` was initialized"):
        sched.step(2.0)
