"""Refusals of the higher-order API: each names what is wrong (PyTorch's wording where it has one)."""
from __future__ import annotations

import pytest

import chainrule
from chainrule.autograd import functional as AF
from chainrule.autograd.function import once_differentiable
from chainrule.autograd.higher import DoubleBackwardError


def _x(n=3):
    return chainrule.ones(n, dtype=chainrule.float64)


def test_inputs_must_be_tensors():
    with pytest.raises(TypeError, match=r"The inputs\[0\] given to jacobian must be a Tensor \(or a tuple of "
                                        r"Tensors\), but got float"):
        AF.jacobian(lambda t: t, [1.0, 2.0])


def test_v_is_checked():
    with pytest.raises(RuntimeError, match="The vector v can only be None if the output"):
        AF.vjp(lambda t: t * 2, _x())
    with pytest.raises(RuntimeError, match=r"Entry 0 in v has invalid size: should be \[3\] but got \[2\]"):
        AF.jvp(lambda t: t * 2, _x(), _x(2))
    with pytest.raises(RuntimeError, match="v has 2 tensors but the input has 1"):
        AF.hvp(lambda t: t.sum(), _x(), (_x(), _x()))


def test_strict_jacobian_and_hessian_output_checks():
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 0"):
        AF.jacobian(lambda t: chainrule.ones(2, dtype=chainrule.float64), _x(), strict=True)
    with pytest.raises(RuntimeError, match="The function given in hvp should return a Tensor with a single element"):
        AF.hvp(lambda t: t * 2, _x(), _x())
    with pytest.raises(ValueError, match='Expected strategy to be either "forward-mode" or "reverse-mode"'):
        AF.jacobian(lambda t: t, _x(), strategy="sideways")


def test_double_backward_of_an_untraceable_op_is_refused_with_its_name():
    w = chainrule.randn(4, 2, requires_grad=True)
    y = chainrule.nn.functional.embedding(chainrule.tensor([0, 3]), w, padding_idx=3).sum()
    with pytest.raises(DoubleBackwardError, match="double backward of EmbeddingBackward0 is not supported"):
        chainrule.autograd.grad(y, w, create_graph=True)
    assert issubclass(DoubleBackwardError, RuntimeError)
    g, = chainrule.autograd.grad(y, w)          # without create_graph it is an ordinary gradient
    assert g.tolist() == [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]


def test_once_differentiable_refuses_a_second_derivative():
    class Square(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = chainrule.tensor([1.0, 3.0], requires_grad=True)
    v = chainrule.ones(2, requires_grad=True)
    g, = chainrule.autograd.grad(Square.apply(x), x, grad_outputs=v, create_graph=True)
    assert g.tolist() == [2.0, 6.0] and g.grad_fn.name == "DelayedError"
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        chainrule.autograd.grad(g.sum(), v)
    x.grad = None
    Square.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 6.0]
