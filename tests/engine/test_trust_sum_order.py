"""Small full sums add their entries in PyTorch's order, so a cancellation (1e30 − 1e30) leaves the same
remainder in both libraries: sum, mean and the mean inside var/std, forward and backward, bit for bit."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import chainrule

BIG = {np.float32: 1e30, np.float64: 1e300}
REDUCTIONS = {"sum": lambda x: x.sum(), "mean": lambda x: x.mean(), "var": lambda x: x.var(),
              "std": lambda x: x.std(), "sum_keepdim": lambda x: x.sum(dim=(0, 1), keepdim=True)}


@st.composite
def cancelling(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = draw(st.sampled_from([(4, 1), (5, 1), (6, 1), (7, 1), (2, 3), (3, 2), (2, 2)]))
    big = BIG[dtype]
    values = st.sampled_from([big, -big, -20.5, 3.0, 1e-6, 0.0, -7.25, 0.1])
    return np.array(draw(st.lists(values, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                    dtype=dtype).reshape(shape)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(a=cancelling(), transpose=st.booleans())
def test_small_sums_cancel_as_pytorchs_do(name, a, transpose):
    ours = chainrule.tensor(a, requires_grad=True)
    theirs = torch.tensor(a, requires_grad=True)
    y = REDUCTIONS[name](ours.t() if transpose else ours)
    z = REDUCTIONS[name](theirs.t() if transpose else theirs)
    y.sum().backward()
    z.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), z.detach().numpy())
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=0, equal_nan=True)


def test_a_cancellation_keeps_what_pytorch_keeps():
    """x₀ + x₄ is added first: (−1e30 + 1e30) + 3 + 1e-6 + 0, where a left-to-right sum gives 0."""
    a = np.array([-1e30, 3.0, 1e-6, 0.0, 1e30], dtype=np.float32)
    assert chainrule.tensor(a).sum().item() == torch.tensor(a).sum().item() == pytest.approx(3.000001)
