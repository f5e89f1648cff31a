"""The PyTorch bridge: chainrule → PyTorch → chainrule for every module both have, with equal weights,
outputs, gradients, optimizer state and next-step updates; schedulers continue where they were."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from chainrule import nn
from chainrule.interop import bridge
from oracle import assert_close

ACTIVATIONS = [nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.2), nn.ELU(0.5), nn.GELU("tanh"), nn.SiLU(),
               nn.Softplus(2.0, 10.0), nn.Hardtanh(-0.5, 0.7), nn.ReLU6(), nn.LogSigmoid(), nn.Identity(),
               nn.Softmax(dim=1), nn.LogSoftmax(dim=-1)]

MODELS = {
    "mlp": lambda: nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3, bias=False), nn.Sigmoid()),
    "norms": lambda: nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, momentum=0.3), nn.ReLU(),
                                   nn.LayerNorm(6, eps=1e-3), nn.Linear(6, 2)),
    "layernorm-no-affine": lambda: nn.Sequential(nn.LayerNorm([4], elementwise_affine=False), nn.Linear(4, 2)),
    "activations": lambda: nn.Sequential(nn.Linear(4, 4), *ACTIVATIONS),
    "containers": lambda: nn.Sequential(nn.ModuleList([nn.Linear(4, 4)])[0],
                                        nn.ModuleDict({"act": nn.ReLU()})["act"], nn.Flatten(), nn.Linear(4, 2)),
    "dropout-eval": lambda: nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.4), nn.Linear(3, 1)).eval(),
}


def _x():
    return np.random.default_rng(0).normal(size=(5, 4))


def _forward_backward(model, lib, x):
    t = lib.tensor(x, requires_grad=True)
    out = model(t)
    (out * lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))).sum().backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    return out, t.grad, grads


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(MODELS))
def test_a_model_crosses_to_pytorch_and_back_unchanged(name, dtype):
    model = MODELS[name]().to(getattr(chainrule, dtype))
    tmodel = bridge.to_torch(model)
    assert isinstance(tmodel, torch.nn.Module) and tmodel.training == model.training
    assert repr(tmodel) == repr(model)
    x = _x().astype(dtype)
    ours, theirs = _forward_backward(model, chainrule, x), _forward_backward(tmodel, torch, x)
    assert_close(ours[0], theirs[0], "output")
    assert_close(ours[1], theirs[1], "input gradient")
    for k in ours[2]:
        assert_close(ours[2][k], theirs[2][k], k)
    back = bridge.from_torch(tmodel)        # (after both forwards: BatchNorm's running statistics moved)
    assert type(back) is type(model) and repr(back) == repr(model)
    for (k, a), (k2, b) in zip(tmodel.state_dict().items(), back.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert str(a.dtype).rpartition(".")[2] == str(b.dtype).rpartition(".")[2]


def test_buffers_cross_too():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).double()
    model(chainrule.tensor(_x()))                          # running statistics move
    tmodel = bridge.to_torch(model).eval()
    model.eval()
    assert_close(model[1].running_mean, tmodel[1].running_mean)
    assert int(tmodel[1].num_batches_tracked) == 1
    assert_close(model(chainrule.tensor(_x())), tmodel(torch.tensor(_x())))


@pytest.mark.parametrize("make", [
    lambda ps: chainrule.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: chainrule.optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: chainrule.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    lambda ps: chainrule.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps: chainrule.optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
], ids=["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_optimizer_state_crosses_both_ways_and_the_next_updates_agree(make):
    model = MODELS["mlp"]().double()
    optimizer = make(model.parameters())
    x = chainrule.tensor(_x())
    for _ in range(3):
        optimizer.zero_grad()
        model(x).pow(2).sum().backward()
        optimizer.step()
    tmodel = bridge.to_torch(model)
    toptimizer = bridge.optimizer_to_torch(optimizer, model, tmodel)
    assert type(toptimizer).__name__ == type(optimizer).__name__
    back_model = bridge.from_torch(tmodel)
    back_optimizer = bridge.optimizer_from_torch(toptimizer, tmodel, back_model)
    for m, lib, opt in ((model, chainrule, optimizer), (tmodel, torch, toptimizer),
                        (back_model, chainrule, back_optimizer)):
        for _ in range(2):
            opt.zero_grad()
            m(lib.tensor(_x())).pow(2).sum().backward()
            opt.step()
    for (k, a), b, c in zip(model.state_dict().items(), tmodel.state_dict().values(), back_model.state_dict().values()):
        assert_close(a, b, k)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda o, s: s.StepLR(o, step_size=2, gamma=0.5),
    lambda o, s: s.MultiStepLR(o, milestones=[1, 4, 4], gamma=0.3),
    lambda o, s: s.CosineAnnealingLR(o, T_max=6, eta_min=0.01),
    lambda o, s: s.LinearLR(o, start_factor=0.2, total_iters=6),
    lambda o, s: s.OneCycleLR(o, max_lr=0.5, total_steps=20),
    lambda o, s: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3),
    lambda o, s: s.ExponentialLR(o, gamma=0.9),
    lambda o, s: s.LambdaLR(o, lr_lambda=lambda e: 0.9 ** e),
], ids=["step", "multistep", "cosine", "linear", "onecycle", "cyclic", "exponential", "lambda"])
def test_a_schedule_continues_on_the_other_side(make):
    model = MODELS["mlp"]().double()
    optimizer = chainrule.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = make(optimizer, chainrule.optim.lr_scheduler)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    tmodel = bridge.to_torch(model)
    toptimizer = bridge.optimizer_to_torch(optimizer, model, tmodel)
    tscheduler = bridge.scheduler_to_torch(scheduler, toptimizer)
    assert tscheduler.get_last_lr() == pytest.approx(scheduler.get_last_lr(), rel=1e-15)
    back = bridge.scheduler_from_torch(tscheduler, optimizer)
    for _ in range(5):
        toptimizer.step()
        tscheduler.step()
        optimizer.step()
        back.step()
        assert back.get_last_lr() == pytest.approx(tscheduler.get_last_lr(), rel=1e-12)
        assert [g["lr"] for g in optimizer.param_groups] == pytest.approx(
            [g["lr"] for g in toptimizer.param_groups], rel=1e-12)


def test_a_custom_module_is_named_with_what_to_do():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) + x

    with pytest.raises(bridge.BridgeError, match=r"'1' is a Block, which has no counterpart in torch\.nn .*"
                                                 r"load_state_dict\(model\.state_dict\(\)\)"):
        bridge.to_torch(nn.Sequential(nn.Linear(2, 2), Block()))


def test_losses_cross_with_their_options():
    weight = np.array([0.2, 1.0, 3.0])
    for loss in (nn.CrossEntropyLoss(weight=chainrule.tensor(weight), label_smoothing=0.1, ignore_index=1),
                 nn.BCEWithLogitsLoss(pos_weight=chainrule.tensor([2.0])), nn.HuberLoss(delta=0.5),
                 nn.SmoothL1Loss(beta=0.3), nn.MSELoss(reduction="sum"), nn.NLLLoss(reduction="none")):
        tloss = bridge.to_torch(loss)
        assert repr(tloss) == repr(loss)
        for attr in ("reduction", "ignore_index", "label_smoothing", "delta", "beta"):
            if hasattr(loss, attr):
                assert getattr(tloss, attr) == getattr(loss, attr), attr
        for attr in ("weight", "pos_weight"):
            if getattr(loss, attr, None) is not None:
                assert_close(getattr(loss, attr), getattr(tloss, attr), attr)
