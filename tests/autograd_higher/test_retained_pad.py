"""A padded tensor's graph, kept with retain_graph=True, gives the same gradient on every backward."""
import numpy as np
import torch

import chainrule


def test_pad_backward_twice_through_a_retained_graph_matches_torch():
    a = np.random.default_rng(0).standard_normal((2, 3))
    ours, theirs = chainrule.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for lib, x in ((chainrule, ours), (torch, theirs)):
        y = (lib.nn.functional.pad(x, (1, 2)) * 3).sum()
        y.backward(retain_graph=True)
        y.backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=0, atol=0)
