"""No float64 creeps into a float32 model: over a training step of every layer, loss and optimizer, each
op's output, each gradient that flows backward, each ``.grad`` and each piece of optimizer state stays
float32 (a silent upcast doubles memory traffic and halves BLAS speed).

Every op is seen through the engine's forward observer (``register_forward_observer``) and every
backward step through a hook on its node, so an intermediate no tensor keeps is checked too.
"""
from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.autograd.function import register_forward_observer

F32 = np.dtype(np.float32)

LAYERS = {
    "Linear": lambda: nn.Linear(6, 6),
    "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh, "ReLU": nn.ReLU, "ReLU6": nn.ReLU6, "LeakyReLU": nn.LeakyReLU,
    "ELU": nn.ELU, "GELU": nn.GELU, "GELU-tanh": lambda: nn.GELU(approximate="tanh"), "SiLU": nn.SiLU,
    "Softplus": nn.Softplus, "LogSigmoid": nn.LogSigmoid, "Hardtanh": nn.Hardtanh,
    "Softmax": lambda: nn.Softmax(dim=1), "LogSoftmax": lambda: nn.LogSoftmax(dim=1),
    "Dropout": lambda: nn.Dropout(0.3), "BatchNorm1d": lambda: nn.BatchNorm1d(6), "LayerNorm": lambda: nn.LayerNorm(6),
    "Flatten": nn.Flatten,
}

# loss name -> (loss module, how to make the network's last output fit it, target)
LOSSES = {
    "MSELoss": (nn.MSELoss, None, lambda rng: rng.standard_normal((4, 3))),
    "L1Loss": (nn.L1Loss, None, lambda rng: rng.standard_normal((4, 3))),
    "SmoothL1Loss": (nn.SmoothL1Loss, None, lambda rng: rng.standard_normal((4, 3))),
    "HuberLoss": (nn.HuberLoss, None, lambda rng: rng.standard_normal((4, 3))),
    "BCELoss": (nn.BCELoss, nn.Sigmoid, lambda rng: rng.integers(0, 2, (4, 3)).astype(np.float64)),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, None, lambda rng: rng.random((4, 3))),
    "CrossEntropyLoss": (nn.CrossEntropyLoss, None, lambda rng: rng.integers(0, 3, 4)),
    "CrossEntropyLoss-smoothing": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), None,
                                   lambda rng: rng.integers(0, 3, 4)),
    "CrossEntropyLoss-probabilities": (nn.CrossEntropyLoss, None, lambda rng: rng.dirichlet(np.ones(3), 4)),
    "NLLLoss": (nn.NLLLoss, lambda: nn.LogSoftmax(dim=1), lambda rng: rng.integers(0, 3, 4)),
}

OPTIMIZERS = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1),
    "SGD-momentum-nesterov-wd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01),
    "Adam-amsgrad": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.01),
    "AdamW": lambda ps: optim.AdamW(ps, lr=0.01),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
    "Adagrad": lambda ps: optim.Adagrad(ps, lr=0.01),
}


class DtypeWatch:
    """Notes the dtype of every op output and every gradient a node passes backward."""

    def __init__(self):
        self.outputs = []     # (op name, dtype)
        self.grads = []       # (node name, dtype)

    def __enter__(self):
        self._handle = register_forward_observer(self._seen)
        return self

    def __exit__(self, *exc):
        self._handle.remove()

    def _seen(self, function_class, args, output):
        for out in (output if isinstance(output, tuple) else (output,)):
            if out._data.dtype.kind == "f":
                self.outputs.append((function_class.__name__, out._data.dtype))
            node = out.grad_fn
            if node is not None:
                node.register_hook(lambda grad_inputs, grad_outputs, name=node.name: self.grads.extend(
                    (name, g.dtype) for g in grad_inputs + tuple(grad_outputs) if g is not None))

    def assert_float32(self):
        bad = [(name, str(d)) for name, d in self.outputs + self.grads if d != F32]
        assert not bad, f"float64 crept in: {bad}"
        assert self.outputs and self.grads


def train_step(model, loss_fn, opt, x, target):
    opt.zero_grad()
    loss = loss_fn(model(x), target)
    loss.backward()
    opt.step()
    return loss


def assert_model_float32(model, opt):
    for name, p in model.named_parameters():
        assert p.dtype == chainrule.float32, name
        assert p.grad is not None and p.grad.dtype == chainrule.float32, f"{name}.grad"
    for p, state in opt.state.items():
        for key, value in state.items():
            if key == "step":            # PyTorch keeps the step count as a float32 scalar tensor too
                continue
            assert isinstance(value, chainrule.Tensor) and value.dtype == chainrule.float32, \
                f"{type(opt).__name__} state {key!r} is {getattr(value, 'dtype', type(value))}"
    for b in model.buffers():
        if b.is_floating_point():
            assert b.dtype == chainrule.float32


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_layer_keeps_a_float32_model_float32(layer):
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(5, 6), LAYERS[layer](), nn.Linear(6, 3))
    x = chainrule.tensor(rng.standard_normal((4, 5)).astype(np.float32))
    y = chainrule.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with DtypeWatch() as watch:
        for _ in range(2):
            train_step(model, nn.MSELoss(), opt, x, y)
    watch.assert_float32()
    assert_model_float32(model, opt)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_keeps_a_float32_model_float32(loss):
    rng = np.random.default_rng(1)
    make_loss, head, target = LOSSES[loss]
    layers = [nn.Linear(5, 3)] + ([head()] if head else [])
    model = nn.Sequential(*layers)
    x = chainrule.tensor(rng.standard_normal((4, 5)).astype(np.float32))
    t = target(rng)
    t = chainrule.tensor(t.astype(np.float32) if t.dtype.kind == "f" else t)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with DtypeWatch() as watch:
        for _ in range(2):
            loss_value = train_step(model, make_loss(), opt, x, t)
    watch.assert_float32()
    assert loss_value.dtype == chainrule.float32
    assert_model_float32(model, opt)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_keeps_parameters_and_state_float32(name):
    rng = np.random.default_rng(2)
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
    x = chainrule.tensor(rng.standard_normal((8, 5)).astype(np.float32))
    labels = chainrule.tensor(rng.integers(0, 3, 8))
    opt = OPTIMIZERS[name](model.parameters())
    with DtypeWatch() as watch:
        for _ in range(3):
            train_step(model, nn.CrossEntropyLoss(), opt, x, labels)
    watch.assert_float32()
    assert_model_float32(model, opt)
    if name != "SGD":                    # (plain SGD keeps no state)
        assert len(opt.state) == 4


def test_the_watch_sees_a_float64_that_creeps_in():
    """The check itself can fail: a float64 constant multiplied in is caught."""
    x = chainrule.ones(2, 2, requires_grad=True)
    with DtypeWatch() as watch:
        (x * chainrule.ones(2, 2, dtype=chainrule.float64)).sum().backward()
    with pytest.raises(AssertionError, match="float64 crept in"):
        watch.assert_float32()
