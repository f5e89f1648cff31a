"""copy.deepcopy and in-memory pickling behave as in PyTorch: leaves copy (grad and class kept), results of ops refuse."""
import copy
import pickle

import numpy as np
import pytest
import torch

import chainrule
from chainrule import nn


@pytest.mark.parametrize("lib", [chainrule, torch], ids=["chainrule", "torch"])
def test_deepcopy_of_a_leaf_keeps_values_grad_and_flag_but_not_memory(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    y = copy.deepcopy(x)
    assert y.requires_grad and y.is_leaf
    assert np.array_equal(y.detach().numpy(), [1.0, 2.0]) and np.array_equal(y.grad.numpy(), [2.0, 4.0])
    with lib.no_grad():
        y.add_(1)
    assert np.array_equal(x.detach().numpy(), [1.0, 2.0])


@pytest.mark.parametrize("lib", [chainrule, torch], ids=["chainrule", "torch"])
def test_parameters_stay_parameters_through_deepcopy_and_pickle(lib):
    p = lib.nn.Parameter(lib.ones(2, 3))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert isinstance(q, lib.nn.Parameter) and q.requires_grad and q.shape == (2, 3)


def test_a_module_pickles_and_its_copy_computes_the_same():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    x = chainrule.randn(4, 3)
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert clone[0].weight is not model[0].weight
        assert np.array_equal(clone(x).detach().numpy(), model(x).detach().numpy())


@pytest.mark.parametrize("lib", [chainrule, torch], ids=["chainrule", "torch"])
def test_a_computed_tensor_refuses_deepcopy(lib):
    z = lib.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(z)
