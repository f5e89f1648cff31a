"""``compile_step``: a traced and replayed training step must equal the eager step bit for bit — for every
optimizer and loss, across re-traces, fallbacks and hooks — and two compiled models must not share state."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.compile import compile_step

OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.5),
    "sgd-momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1),
}


def _data(task, n=6, seed=0):
    rng = np.random.default_rng(seed)
    x = chainrule.tensor(rng.normal(size=(n, 3)))
    if task == "classes":
        y = chainrule.tensor(rng.integers(0, 4, size=n))
    elif task == "binary":
        y = chainrule.tensor(rng.integers(0, 2, size=(n, 1)).astype(np.float64))
    else:
        y = chainrule.tensor(rng.normal(size=(n, 1)))
    return x, y


LOSSES = {   # (head on the 5 hidden units, loss, task)
    "bce": (lambda: nn.Sequential(nn.Linear(5, 1), nn.Sigmoid()), nn.BCELoss, "binary"),
    "bce-logits": (lambda: nn.Linear(5, 1), nn.BCEWithLogitsLoss, "binary"),
    "cross-entropy": (lambda: nn.Linear(5, 4), nn.CrossEntropyLoss, "classes"),
    "cross-entropy-weighted": (lambda: nn.Linear(5, 4),
                               lambda: nn.CrossEntropyLoss(weight=chainrule.tensor([1.0, 2.0, 0.5, 1.5])), "classes"),
    "nll": (lambda: nn.Sequential(nn.Linear(5, 4), nn.LogSoftmax(dim=1)), nn.NLLLoss, "classes"),
    "mse": (lambda: nn.Linear(5, 1), nn.MSELoss, "regression"),
    "l1": (lambda: nn.Linear(5, 1), nn.L1Loss, "regression"),
    "huber": (lambda: nn.Linear(5, 1), lambda: nn.HuberLoss(delta=0.5), "regression"),
    "hand-written": (lambda: nn.Linear(5, 1), lambda: (lambda out, y: 0.5 * ((out - y) ** 2).sum()), "regression"),
}


def _twins(loss_name, opt_name, seed=0):
    """The same model, loss and optimizer twice: one to run eagerly, one to compile."""
    head, loss, task = LOSSES[loss_name]
    made = []
    for _ in range(2):
        chainrule.manual_seed(seed)
        model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), head()).double()
        made.append((model, loss(), OPTIMIZERS[opt_name](model.parameters())))
    return made, task


def _eager_step(model, criterion, optimizer, x, y):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _assert_same(model_a, model_b):
    for (name, a), b in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy()), name


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_100_compiled_steps_equal_the_eager_steps_bit_for_bit(loss_name, opt_name):
    ((m1, c1, o1), (m2, c2, o2)), task = _twins(loss_name, opt_name)
    step = compile_step(m2, c2, o2)
    x, y = _data(task)
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # a fallback would warn: these must all replay
        for i in range(100):
            eager = _eager_step(m1, c1, o1, x, y)
            compiled = step(x, y)
            assert eager.item() == compiled.item(), f"step {i + 1}"
    _assert_same(m1, m2)
    assert step.traces == 1
    for a, b in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(a.grad.numpy(), b.grad.numpy())


def test_a_new_input_shape_traces_again_and_both_programs_stay_exact():
    ((m1, c1, o1), (m2, c2, o2)), task = _twins("cross-entropy", "adam")
    step = compile_step(m2, c2, o2)
    batches = [_data(task, n, seed) for seed, n in enumerate([6, 6, 4, 6, 4, 1])]
    for x, y in batches * 3:
        assert _eager_step(m1, c1, o1, x, y).item() == step(x, y).item()
    assert step.traces == 3                         # batch sizes 6, 4 and 1
    _assert_same(m1, m2)


def test_train_and_eval_modes_are_different_programs():
    made = []
    for _ in range(2):
        chainrule.manual_seed(3)
        model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.3), nn.ReLU(), nn.Linear(8, 1)).double()
        made.append((model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1)))
    (m1, c1, o1), (m2, c2, o2) = made
    step = compile_step(m2, c2, o2)
    x, y = _data("regression")
    for i in range(20):
        for m in (m1, m2):
            m.train(i % 3 != 2)
        chainrule.manual_seed(100 + i)
        eager = _eager_step(m1, c1, o1, x, y)
        chainrule.manual_seed(100 + i)            # dropout draws the same masks in the replay
        assert eager.item() == step(x, y).item()
    assert step.traces == 2
    _assert_same(m1, m2)


class _Cube(chainrule.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a ** 3

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return 3 * a ** 2 * g


class _Unreplayable(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.fc = nn.Linear(3, 1)
        self.kind = kind

    def forward(self, x):
        h = self.fc(x)
        if self.kind == "function":
            return _Cube.apply(h)
        if self.kind == "factory":
            return h + chainrule.ones(h.shape, dtype=h.dtype) * float(x.detach().numpy().std())
        if self.kind == "item":
            return h * 2 if h.sum().item() > 0 else h * 3
        if self.kind == "in-place":
            h = h * 1
            h.mul_(2)
            return h
        raise AssertionError(self.kind)


def test_label_smoothing_replays_exactly():
    made = []
    for _ in range(2):
        chainrule.manual_seed(2)
        model = nn.Linear(3, 4).double()
        made.append((model, nn.CrossEntropyLoss(label_smoothing=0.1), optim.SGD(model.parameters(), lr=0.1)))
    (m1, c1, o1), (m2, c2, o2) = made
    step = compile_step(m2, c2, o2)
    for seed in range(5):
        x, y = _data("classes", seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # a fallback (if the loss counts targets outside the graph) is exact too
            assert _eager_step(m1, c1, o1, x, y).item() == step(x, y).item()
    _assert_same(m1, m2)


@pytest.mark.parametrize("kind,reason", [
    ("function", "custom autograd.Function (_Cube)"),
    ("factory", "creates a tensor outside an op"),
    ("item", "reads a tensor as a Python value"),
    ("in-place", "changed in place"),
])
def test_what_cannot_be_replayed_runs_eagerly_with_one_note(kind, reason):
    made = []
    for _ in range(2):
        chainrule.manual_seed(1)
        model = _Unreplayable(kind).double()
        made.append((model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05)))
    (m1, c1, o1), (m2, c2, o2) = made
    step = compile_step(m2, c2, o2)
    with pytest.warns(UserWarning, match=f"compile_step runs this step eagerly: .*{re.escape(reason)}") as notes:
        for seed in range(5):
            x, y = _data("regression", seed=seed)
            assert _eager_step(m1, c1, o1, x, y).item() == step(x, y).item()
    assert len([w for w in notes if "compile_step" in str(w.message)]) == 1
    _assert_same(m1, m2)


def test_a_tensor_made_by_a_factory_inside_forward_is_not_replayed():
    class ZerosInside(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc(x) + chainrule.zeros(1, dtype=x.dtype)

    model = ZerosInside().double()
    step = compile_step(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
    with pytest.warns(UserWarning, match="creates a tensor outside an op"):
        step(*_data("regression"))


def test_hooks_added_after_tracing_are_honoured():
    ((m1, c1, o1), (m2, c2, o2)), task = _twins("mse", "sgd")
    step = compile_step(m2, c2, o2)
    x, y = _data(task)
    step(x, y)
    _eager_step(m1, c1, o1, x, y)
    seen = []
    for m, log in ((m1, "eager"), (m2, "compiled")):
        m[0].register_forward_hook(lambda mod, inp, out, log=log: seen.append(log) or out * 2)
    with pytest.warns(UserWarning, match="hooks"):
        for _ in range(3):
            assert _eager_step(m1, c1, o1, x, y).item() == step(x, y).item()
    assert seen.count("compiled") == 3
    _assert_same(m1, m2)


def test_two_compiled_models_do_not_share_state():
    ((a1, ac1, ao1), (a2, ac2, ao2)), task_a = _twins("bce", "adam", seed=1)
    ((b1, bc1, bo1), (b2, bc2, bo2)), task_b = _twins("cross-entropy", "rmsprop", seed=2)
    step_a, step_b = compile_step(a2, ac2, ao2), compile_step(b2, bc2, bo2)
    xa, ya = _data(task_a, seed=5)
    xb, yb = _data(task_b, seed=6)
    for _ in range(30):
        assert _eager_step(a1, ac1, ao1, xa, ya).item() == step_a(xa, ya).item()
        assert _eager_step(b1, bc1, bo1, xb, yb).item() == step_b(xb, yb).item()
    _assert_same(a1, a2)
    _assert_same(b1, b2)


def test_the_kernels_checks_still_run_in_a_replay():
    ((_, _, _), (m2, c2, o2)), task = _twins("cross-entropy", "sgd")
    step = compile_step(m2, c2, o2)
    x, y = _data(task)
    step(x, y)
    bad = chainrule.tensor(np.array([0, 1, 2, 3, 4, 1]))
    with pytest.raises(IndexError, match="cross_entropy: Target 4 is out of bounds: there are 4 classes"):
        step(x, bad)


def test_bce_targets_outside_0_1_are_refused_in_a_replay_as_in_eager():
    ((_, _, _), (m2, c2, o2)), task = _twins("bce", "sgd")
    step = compile_step(m2, c2, o2)
    x, y = _data(task)
    step(x, y)
    before = [p.detach().numpy().copy() for p in m2.parameters()]
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        step(x, y + 7)
    for a, b in zip(before, m2.parameters()):
        assert np.array_equal(a, b.detach().numpy()), "a refused step changes nothing"


def test_batchnorm_running_statistics_follow_the_eager_ones():
    made = []
    for _ in range(2):
        chainrule.manual_seed(4)
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1)).double()
        made.append((model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1)))
    (m1, c1, o1), (m2, c2, o2) = made
    step = compile_step(m2, c2, o2)
    for seed in range(10):
        x, y = _data("regression", seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert _eager_step(m1, c1, o1, x, y).item() == step(x, y).item()
    _assert_same(m1, m2)


def test_changes_between_calls_are_seen_by_the_guard():
    """The replay reuses the last program only while its key holds: a new learning rate, a replaced
    parameter, grad mode and a swapped layer each take effect on the very next call, as in eager."""
    ((m1, c1, o1), (m2, c2, o2)), task = _twins("mse", "sgd-momentum")
    step = compile_step(m2, c2, o2)
    x, y = _data(task)

    def both():
        assert _eager_step(m1, c1, o1, x, y).item() == step(x, y).item()
        _assert_same(m1, m2)
    for _ in range(3):
        both()
    for o in (o1, o2):
        o.param_groups[0]["lr"] = 0.02                     # what a scheduler does
    both()
    for m in (m1, m2):                                     # a new bias Parameter: the old one is not updated
        m[0].bias = nn.Parameter(m[0].bias.detach().clone())
    for o, m in ((o1, m1), (o2, m2)):
        o.param_groups[0]["params"][1] = m[0].bias
    both()
    both()
    for m in (m1, m2):
        m[1] = nn.Sigmoid()                                # a layer swapped: a different program
    both()
    both()
    assert step.traces == 4


def test_a_forward_that_keeps_python_state_runs_eagerly():
    class Counting(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 1).double()
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            out = self.lin(x)
            return out * 2.0 if self.calls % 2 else out     # every other step takes another path

    chainrule.manual_seed(0)
    m1 = Counting()
    chainrule.manual_seed(0)
    m2 = Counting()
    o1, o2 = optim.SGD(m1.parameters(), lr=0.1), optim.SGD(m2.parameters(), lr=0.1)
    step = compile_step(m2, nn.MSELoss(), o2)
    x, y = _data("regression")
    with pytest.warns(UserWarning, match=r"Counting\.calls"):
        for _ in range(4):
            assert _eager_step(m1, nn.MSELoss(), o1, x, y).item() == step(x, y).item()
    assert m2.calls == 4
    _assert_same(m1, m2)


def test_forward_backward_then_update_is_one_step():
    ((m1, c1, o1), (m2, c2, o2)), task = _twins("cross-entropy", "adam")
    step = compile_step(m2, c2, o2)
    x, y = _data(task)
    for _ in range(5):
        o1.zero_grad()
        out1 = m1(x)
        loss1 = c1(out1, y)
        loss1.backward()
        out2, loss2 = step.forward_backward(x, y)
        assert np.array_equal(out1.detach().numpy(), out2.detach().numpy()) and loss1.item() == loss2.item()
        for a, b in zip(m1.parameters(), m2.parameters()):
            assert np.array_equal(a.grad.numpy(), b.grad.numpy())
        o1.step()
        step.update()
    _assert_same(m1, m2)


def test_an_input_that_requires_grad_runs_eagerly_and_gets_its_grad():
    ((m1, c1, o1), (m2, c2, o2)), task = _twins("mse", "sgd")
    step = compile_step(m2, c2, o2)
    x1, y = _data(task)
    x2 = x1.detach().clone()
    x1.requires_grad_()
    x2.requires_grad_()
    with pytest.warns(UserWarning, match="other than a parameter"):
        for _ in range(3):
            assert _eager_step(m1, c1, o1, x1, y).item() == step(x2, y).item()
    assert np.array_equal(x1.grad.numpy(), x2.grad.numpy())
    _assert_same(m1, m2)
