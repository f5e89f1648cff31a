"""The graph is released after backward, so memory stays flat however long training runs.

What the speed and memory figures rely on: ``backward`` frees every saved activation as it consumes
it, dropping the loss frees every node (reference counting alone: the graph holds no cycles), and
thousands of training steps leave no Tensors or nodes behind.  Cyclic garbage collection is switched
off while checking, so a reference cycle would show up as a failure instead of hiding until a gc pass.
"""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.autograd.function import Node


@pytest.fixture
def no_cyclic_gc():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def seed_net():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    x = chainrule.tensor([[1.0, 1.0]])
    y = chainrule.tensor([[0.0]])
    return model, x, y


def mlp():
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))
    rng = np.random.default_rng(0)
    x = chainrule.tensor(rng.standard_normal((5, 6)).astype(np.float32))
    labels = chainrule.tensor(rng.integers(0, 3, 5))
    return model, x, labels


def graph_nodes(loss):
    """Every op node reachable from the loss (not the leaves' AccumulateGrad)."""
    seen, stack = [], [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen or type(node).__name__ == "AccumulateGrad":
            continue
        seen.append(node)
        stack.extend(node.edges)
    return seen


def saved_arrays(nodes, keep):
    """The arrays the nodes saved for backward, except those something else keeps (parameters, data)."""
    kept = {id(t._data) for t in keep}
    return [a for n in nodes for a in n._saved if isinstance(a, np.ndarray) and id(a) not in kept]


@pytest.mark.parametrize("make, loss_fn", [(seed_net, nn.BCELoss()), (mlp, nn.CrossEntropyLoss())],
                         ids=["seed-sigmoid-bce", "mlp-relu-tanh-cross-entropy"])
def test_backward_frees_saved_activations_and_dropping_the_loss_frees_every_node(make, loss_fn, no_cyclic_gc):
    model, x, target = make()
    loss = loss_fn(model(x), target)
    nodes = graph_nodes(loss)
    assert len(nodes) >= 5
    node_refs = [weakref.ref(n) for n in nodes]
    activation_refs = [weakref.ref(a) for a in saved_arrays(nodes, list(model.parameters()) + [x, target])]
    assert activation_refs, "the graph saved no activation: nothing to check"
    del nodes

    loss.backward()
    assert [r for r in activation_refs if r() is not None] == [], "an activation outlived backward"
    assert all(r() is not None for r in node_refs)        # the loss still holds its graph ...

    del loss
    assert [r() for r in node_refs if r() is not None] == [], "a node outlived the loss"   # ... until dropped


def test_a_graph_without_backward_is_freed_when_the_loss_is_dropped(no_cyclic_gc):
    model, x, y = seed_net()
    loss = nn.BCELoss()(model(x), y)
    refs = [weakref.ref(n) for n in graph_nodes(loss)]
    del loss
    assert all(r() is None for r in refs)


def test_retain_graph_keeps_saved_values_until_the_last_backward(no_cyclic_gc):
    model, x, y = seed_net()
    loss = nn.BCELoss()(model(x), y)
    nodes = graph_nodes(loss)
    refs = [weakref.ref(a) for a in saved_arrays(nodes, list(model.parameters()) + [x, y])]
    del nodes
    loss.backward(retain_graph=True)
    assert all(r() is not None for r in refs)
    loss.backward()
    assert all(r() is None for r in refs)


def live(kind) -> int:
    return sum(1 for o in gc.get_objects() if issubclass(type(o), kind))   # (type(): no proxy __class__)


@pytest.mark.parametrize("make, loss_fn, make_opt", [
    (seed_net, nn.BCELoss(), lambda ps: optim.SGD(ps, lr=1.0)),
    (mlp, nn.CrossEntropyLoss(), lambda ps: optim.Adam(ps, lr=0.01)),
    (mlp, nn.CrossEntropyLoss(label_smoothing=0.1), lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)),
], ids=["seed-sgd", "mlp-adam", "mlp-smoothing-momentum"])
def test_live_tensors_and_nodes_stay_flat_over_many_steps(make, loss_fn, make_opt):
    """Steps 50 and 1,000 leave exactly as many Tensors and graph nodes alive (no growth, no leak)."""
    model, x, target = make()
    opt = make_opt(model.parameters())

    def train(steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(model(x), target)
            loss.backward()
            opt.step()
        gc.collect()
        return live(chainrule.Tensor), live(Node)

    after_warmup = train(50)
    assert train(950) == after_warmup


def test_the_leak_check_can_fail():
    """Keeping every loss (and so its graph) is caught by the same count."""
    model, x, y = seed_net()
    kept = []
    for _ in range(3):
        kept.append(nn.BCELoss()(model(x), y))
    before = live(Node)
    for _ in range(10):
        kept.append(nn.BCELoss()(model(x), y))
    assert live(Node) >= before + 10 * 5
