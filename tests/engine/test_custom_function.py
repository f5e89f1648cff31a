"""A user-defined autograd.Function trains exactly as PyTorch's custom-Function tutorial writes it
(LegendrePolynomial3 fitting sin(x)), with only the import changed."""
from __future__ import annotations

import numpy as np
import pytest
import torch as real_torch

import chainrule

TUTORIAL = '''
import math

class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


dtype = DTYPE
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
losses = []
for t in range(STEPS):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
result = dict(a=a.item(), b=b.item(), c=c.item(), d=d.item(), losses=losses, grad_fn=y_pred.grad_fn)
'''


def run_tutorial(lib, dtype_name: str, steps: int = 50):
    scope = {"torch": lib}
    exec(TUTORIAL.replace("DTYPE", f"torch.{dtype_name}").replace("STEPS", str(steps)), scope)
    return scope["result"]


@pytest.mark.parametrize("dtype_name,rtol,atol", [("double", 1e-10, 1e-14), ("float", 2e-4, 1e-6)])
def test_legendre_tutorial_trains_like_torch(dtype_name, rtol, atol):
    ours, theirs = run_tutorial(chainrule, dtype_name), run_tutorial(real_torch, dtype_name)
    for k in "abcd":   # a stays at round-off level (~1e-18), hence the atol
        np.testing.assert_allclose(ours[k], theirs[k], rtol=rtol, atol=atol, err_msg=k)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=rtol)
    assert ours["losses"][-1] < ours["losses"][0]


def test_custom_function_node_name_and_needs_input_grad():
    seen = {}

    class Scale(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            seen["needs"] = ctx.needs_input_grad
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = Scale.apply(x, 3.0)
    assert y.grad_fn.name == "ScaleBackward" or y.grad_fn.name.startswith("Scale")
    assert seen["needs"] == (True, False)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_custom_function_wrong_number_of_gradients_is_clear():
    class Bad(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = chainrule.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_custom_function_saved_tensor_modified_in_place_is_caught():
    class Square(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = Square.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_setup_context_style_function_like_torch():
    def make(lib):
        class MulConst(lib.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, k = inputs
                ctx.k = k
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * ctx.k + 0 * x, None
        return MulConst

    for lib in (chainrule, real_torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        make(lib).apply(x, 3.0).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


def test_once_differentiable_is_accepted():
    from chainrule.autograd.function import once_differentiable

    class Double(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            return g * 2

    x = chainrule.tensor([1.0], requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_function_with_several_outputs_like_torch():
    def run(lib):
        class SinCos(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.sin(), x.cos(), (x > 0).long()

            @staticmethod
            def backward(ctx, gs, gc, gi):
                x, = ctx.saved_tensors
                return gs * x.cos() - gc * x.sin()

        x = lib.tensor([0.3, -1.2, 2.0], requires_grad=True)
        s, c, i = SinCos.apply(x)
        (s * 2 + c * c).sum().backward()
        g1 = x.grad.clone()
        x.grad = None
        s2, _, _ = SinCos.apply(x)
        s2.sum().backward()          # the unused outputs get zero gradients
        return s.tolist(), c.tolist(), i.tolist(), g1.tolist(), x.grad.tolist(), i.requires_grad
    ours, theirs = run(chainrule), run(real_torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)
