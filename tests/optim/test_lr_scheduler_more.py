"""Warm-up, cyclical, restart and composite schedulers against PyTorch: every group's lr (and the
cycled momentum / β₁) after each step, the closed forms, state_dict round trips, and the errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from chainrule.optim import lr_scheduler as cr_sched

STEPS = 60


def _optimizers(kind="sgd", lr=0.1):
    """The same two-group optimizer in both libraries (the second group at a quarter of the lr)."""
    a, b = chainrule.tensor([1.0], requires_grad=True), chainrule.tensor([1.0], requires_grad=True)
    ta, tb = torch.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    if kind == "sgd":
        ours = chainrule.optim.SGD([{"params": [a]}, {"params": [b], "lr": lr / 4}], lr=lr, momentum=0.9)
        theirs = torch.optim.SGD([{"params": [ta]}, {"params": [tb], "lr": lr / 4}], lr=lr, momentum=0.9)
    else:
        ours = chainrule.optim.Adam([{"params": [a]}, {"params": [b], "lr": lr / 4}], lr=lr)
        theirs = torch.optim.Adam([{"params": [ta]}, {"params": [tb], "lr": lr / 4}], lr=lr)
    return ours, theirs


def _single(name, **kwargs):
    return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)


def _sequential(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.1, total_iters=5),
                                s.ExponentialLR(opt, gamma=0.9),
                                s.CosineAnnealingLR(opt, T_max=7)], milestones=[5, 12])


def _chained(lib, opt):
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler([s.ConstantLR(opt, factor=0.5, total_iters=4), s.ExponentialLR(opt, gamma=0.95)])


SCHEDULES = {
    "MultiplicativeLR": _single("MultiplicativeLR", lr_lambda=lambda e: 0.95),
    "ConstantLR": _single("ConstantLR", factor=0.25, total_iters=7),
    "ConstantLR-default": _single("ConstantLR"),
    "LinearLR": _single("LinearLR", start_factor=0.2, end_factor=0.9, total_iters=9),
    "LinearLR-decay": _single("LinearLR", start_factor=1.0, end_factor=0.05, total_iters=30),
    "PolynomialLR": _single("PolynomialLR", total_iters=20, power=2.0),
    "CosineAnnealingWarmRestarts": _single("CosineAnnealingWarmRestarts", T_0=7),
    "CosineAnnealingWarmRestarts-mult": _single("CosineAnnealingWarmRestarts", T_0=3, T_mult=2, eta_min=0.001),
    "CyclicLR": _single("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": _single("CyclicLR", base_lr=[0.01, 0.001], max_lr=0.2, step_size_up=3,
                                    step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": _single("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                                  gamma=0.97),
    "CyclicLR-no-momentum": _single("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False),
    "OneCycleLR": _single("OneCycleLR", max_lr=0.5, total_steps=STEPS + 1),
    "OneCycleLR-linear-3phase": _single("OneCycleLR", max_lr=[0.5, 0.1], epochs=4, steps_per_epoch=16,
                                        anneal_strategy="linear", three_phase=True, pct_start=0.25),
    "SequentialLR": _sequential,
    "ChainedScheduler": _chained,
}


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_lrs_and_momenta_over_many_steps_match_pytorch(name, kind):
    ours_opt, theirs_opt = _optimizers(kind)
    ours, theirs = SCHEDULES[name](chainrule, ours_opt), SCHEDULES[name](torch, theirs_opt)
    assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13, abs=1e-15)
    for step in range(STEPS):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13, atol=1e-15,
                                   err_msg=f"{name} step {step + 1}")
        np.testing.assert_allclose([g["lr"] for g in ours_opt.param_groups],
                                   [g["lr"] for g in theirs_opt.param_groups], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(_momenta(ours_opt), _momenta(theirs_opt), rtol=1e-13, atol=1e-15,
                                   err_msg=f"{name} momentum, step {step + 1}")


def test_sgd_training_with_one_cycle_matches_pytorch():
    """The schedule reaches the update: parameters after 30 steps of SGD+momentum under OneCycleLR."""
    rng = np.random.default_rng(3)
    w0, xs = rng.normal(size=(3, 2)), rng.normal(size=(30, 4, 2))
    results = []
    for lib in (chainrule, torch):
        w = lib.tensor(w0, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.3, total_steps=30)
        for x in xs:
            loss = (lib.tensor(x) @ w.T).tanh().pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        results.append(w.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,kwargs", [
    ("ConstantLR", dict(factor=0.5, total_iters=3)),
    ("LinearLR", dict(start_factor=0.25, total_iters=8)),
    ("PolynomialLR", dict(total_iters=6, power=0.5)),
])
def test_closed_form_when_an_epoch_is_given_matches_pytorch(name, kwargs):
    ours_opt, theirs_opt = _optimizers()
    ours = getattr(cr_sched, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    for epoch in (2, 5, 11):
        with pytest.warns(UserWarning):
            ours.step(epoch)
        with pytest.warns(UserWarning):
            theirs.step(epoch)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13)


@pytest.mark.parametrize("epoch", [0.5, 2, 6.25, 13, 40])
def test_warm_restarts_with_fractional_epochs_match_pytorch(epoch):
    ours_opt, theirs_opt = _optimizers()
    ours = cr_sched.CosineAnnealingWarmRestarts(ours_opt, T_0=4, T_mult=2)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs_opt, T_0=4, T_mult=2)
    ours.step(epoch)
    theirs.step(epoch)
    assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13)
    assert (ours.T_cur, ours.T_i, ours.last_epoch) == (theirs.T_cur, theirs.T_i, theirs.last_epoch)


@pytest.mark.parametrize("name", ["LinearLR", "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler",
                                  "CosineAnnealingWarmRestarts-mult"])
def test_state_dict_round_trip_continues_the_same_schedule(name):
    opt_a, _ = _optimizers()
    sched_a = SCHEDULES[name](chainrule, opt_a)
    for _ in range(9):
        opt_a.step()
        sched_a.step()
    saved_sched, saved_opt = sched_a.state_dict(), opt_a.state_dict()
    assert "optimizer" not in saved_sched

    opt_b, _ = _optimizers()
    sched_b = SCHEDULES[name](chainrule, opt_b)
    opt_b.load_state_dict(saved_opt)
    sched_b.load_state_dict(saved_sched)
    for _ in range(20):
        opt_a.step()
        opt_b.step()
        sched_a.step()
        sched_b.step()
        assert sched_a.get_last_lr() == sched_b.get_last_lr()
        assert _momenta(opt_a) == _momenta(opt_b)


def test_one_cycle_refuses_a_step_past_total_steps_like_pytorch():
    opt, topt = _optimizers()
    ours = cr_sched.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    theirs = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        ours.step()
        theirs.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        ours.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        theirs.step()


ERRORS = [
    (lambda s, o: s.ConstantLR(o, factor=1.5), ValueError, "between 0 and 1"),
    (lambda s, o: s.LinearLR(o, start_factor=0), ValueError, "greater than 0"),
    (lambda s, o: s.LinearLR(o, end_factor=2), ValueError, "Ending multiplicative factor"),
    (lambda s, o: s.MultiplicativeLR(o, lr_lambda=[lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas"),
    (lambda s, o: s.MultiplicativeLR(o, lr_lambda=3), TypeError, "lr_lambda should be a function"),
    (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "positive integer T_0"),
    (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError, "T_mult >= 1"),
    (lambda s, o: s.CyclicLR(o, base_lr=0.1, max_lr=1.0, mode="sawtooth"), ValueError, "mode is invalid"),
    (lambda s, o: s.CyclicLR(o, base_lr=[0.1, 0.2, 0.3], max_lr=1.0), ValueError, "same length"),
    (lambda s, o: s.OneCycleLR(o, max_lr=0.1), ValueError, "either total_steps OR"),
    (lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=-2), ValueError, "positive integer total_steps"),
    (lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=5, pct_start=1.5), ValueError, "pct_start"),
    (lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=5, anneal_strategy="exp"), ValueError,
     "anneal_strategy"),
    (lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2), s.StepLR(o, 3)], milestones=[]), ValueError,
     "one more than the number of milestone points"),
    (lambda s, o: s.SequentialLR(o, [], milestones=[]), ValueError, "at least one scheduler"),
    (lambda s, o: s.SequentialLR(o, [s.ReduceLROnPlateau(o)], milestones=[]), ValueError,
     "does not support `ReduceLROnPlateau`"),
    (lambda s, o: s.ChainedScheduler([]), ValueError, "at least one scheduler"),
]


@pytest.mark.parametrize("make,exc,match", ERRORS, ids=[m for _, _, m in ERRORS])
def test_errors_match_pytorch(make, exc, match):
    ours_opt, theirs_opt = _optimizers()
    with pytest.raises(exc, match=match):
        make(cr_sched, ours_opt)
    with pytest.raises(exc, match=match):
        make(torch.optim.lr_scheduler, theirs_opt)


def test_cycling_momentum_needs_an_optimizer_with_one():
    w = chainrule.tensor([1.0], requires_grad=True)
    opt = chainrule.optim.Adagrad([w], lr=0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        cr_sched.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        cr_sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
