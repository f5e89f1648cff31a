"""Errors a learner can act on: each names the op and the shapes/dtypes involved, and says what to do."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule


def test_matmul_shape_mismatch_names_op_and_both_shapes():
    with pytest.raises(RuntimeError, match=r"^matmul: \(1x3\) @ \(2x2\) — inner dimensions 3 and 2 differ"):
        chainrule.ones(1, 3) @ chainrule.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"matmul: \(3\) @ \(2\) — inner dimensions 3 and 2 differ"):
        chainrule.ones(3) @ chainrule.ones(2)
    with pytest.raises(RuntimeError, match=r"\(5x2x3\) @ \(4x2\)"):
        chainrule.ones(5, 2, 3).matmul(chainrule.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"batch dimensions of \(2, 1, 3\) and \(3, 3, 2\) cannot be broadcast"):
        chainrule.ones(2, 1, 3) @ chainrule.ones(3, 3, 2)
    with pytest.raises(RuntimeError, match="at least 1D"):
        chainrule.tensor(1.0) @ chainrule.ones(2)


def test_matmul_dtype_mix_that_torch_rejects():
    with pytest.raises(RuntimeError):
        torch.ones(2, 2) @ torch.ones(2, 2, dtype=torch.float64)
    with pytest.raises(RuntimeError, match=r"same dtype.*float32 != float64.*\.to\(\)"):
        chainrule.ones(2, 2) @ chainrule.ones(2, 2, dtype=chainrule.float64)


@pytest.mark.parametrize("op,expr", [("add", lambda x, y: x + y), ("sub", lambda x, y: x - y),
                                     ("mul", lambda x, y: x * y), ("div", lambda x, y: x / y),
                                     ("pow", lambda x, y: x ** y), ("maximum", lambda x, y: chainrule.maximum(x, y)),
                                     ("where", lambda x, y: chainrule.where(x > 0, x, y))])
def test_broadcast_mismatch_names_op_shapes_and_dimension(op, expr):
    with pytest.raises(RuntimeError, match=rf"^{op}: shapes .*\(3,\).*\(2,\) cannot be broadcast.*size of tensor a "
                                           rf"\(3\) must match the size of tensor b \(2\) at non-singleton dimension 0"):
        expr(chainrule.ones(3), chainrule.ones(2))


def test_backward_on_non_scalar_without_gradient():
    y = chainrule.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for scalar outputs.*\(2, 3\)"):
        y.backward()


def test_item_on_more_than_one_element():
    with pytest.raises(RuntimeError, match=r"a Tensor with 3 elements cannot be converted to Scalar.*\.sum\(\)"):
        chainrule.ones(3).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(chainrule.ones(3))


def test_backward_twice():
    x = chainrule.ones(2, requires_grad=True)
    y = (x.sigmoid() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_in_place_on_saved_tensor_names_node_shape_and_versions():
    x = chainrule.ones(2, 3, requires_grad=True)
    h = x * 2
    y = h.sigmoid()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: \[torch.FloatTensor \[2x3\]\] is at "
                                           r"version 1; expected version 0 instead\. SigmoidBackward0 .*\.clone\(\)"):
        y.sum().backward()


def test_requires_grad_on_int_tensor():
    with pytest.raises(RuntimeError, match=r"only Tensors of floating point dtype can require gradients.*int64.*\.float\(\)"):
        chainrule.tensor([1, 2], requires_grad=True)


def test_in_place_on_leaf():
    w = chainrule.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad.*\(sub_\).*no_grad"):
        w -= 0.1


def test_in_place_result_type_cannot_be_cast():
    x = chainrule.tensor([1, 2])
    with pytest.raises(RuntimeError, match="Float can't be cast to the desired output type Long"):
        x += 0.5
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        chainrule.ones(3).add_(chainrule.ones(2, 3))


def test_shape_errors_name_op_and_shapes():
    x = chainrule.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"view: shape '\[4\]' is invalid for input of size 6 \(from shape \[2, 3\]\)"):
        x.view(4)
    with pytest.raises(RuntimeError, match=r"reshape: only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(RuntimeError, match=r"cat: Sizes of tensors must match except in dimension 0.*\(2, 3\).*\(2, 2\)"):
        chainrule.cat([x, chainrule.ones(2, 2)])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size.*\(2, 3\).*\(3,\)"):
        chainrule.stack([x, chainrule.ones(3)])
    with pytest.raises(RuntimeError, match="expand: the expanded size"):
        x.expand(4, 4)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        x.sum(2)
    with pytest.raises(IndexError, match=r"out of bounds.*shape \(2, 3\)"):
        x[5]
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly to 2"):
        x.split([1, 2])
    with pytest.raises(RuntimeError, match="mm: expected 2-D tensors"):
        x.mm(chainrule.ones(3))


def test_ragged_data_and_unsupported_dtypes():
    with pytest.raises(ValueError, match="ragged nested lists"):
        chainrule.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="supported types are"):
        chainrule.tensor(np.array(["a"]))


def test_bool_subtraction_points_at_logical_not():
    m = chainrule.tensor([True, False])
    with pytest.raises(RuntimeError, match="`~` or `logical_not\\(\\)`"):
        m - m
    with pytest.raises(RuntimeError, match="`~` or `logical_not\\(\\)`"):
        -m


def test_grad_assignment_checks():
    x = chainrule.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = chainrule.ones(3)
    with pytest.raises(RuntimeError, match="different type"):
        x.grad = chainrule.ones(2, dtype=chainrule.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = [1.0, 2.0]


def test_hook_returning_wrong_shape():
    x = chainrule.ones(2, requires_grad=True)
    x.register_hook(lambda g: chainrule.ones(3))
    with pytest.raises(RuntimeError, match=r"hook returned a gradient of shape \(3,\); expected \(2,\)"):
        (x * 2).sum().backward()


def test_hook_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        chainrule.ones(2).register_hook(lambda g: g)


def test_create_graph_gives_a_differentiable_gradient():
    x = chainrule.ones(2, requires_grad=True)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.tolist() == [3.0, 3.0]
    (second,) = chainrule.autograd.grad(x.grad.sum(), x)
    assert second.tolist() == [6.0, 6.0]


def test_comparison_broadcast_mismatch_and_none():
    with pytest.raises(RuntimeError, match=r"^less: shapes \(3,\) and \(2,\) cannot be broadcast"):
        chainrule.ones(3) < chainrule.ones(2)
    assert (chainrule.ones(2) == None) is False and (chainrule.ones(2) != None) is True  # noqa: E711


def test_in_place_on_expanded_tensor_is_refused_like_torch():
    for lib in (chainrule, torch):
        e = lib.zeros(3).expand(2, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e.add_(1)
    c = chainrule.zeros(3).expand(2, 3).clone()
    c.add_(1)
    assert c.tolist() == [[1.0] * 3] * 2


def test_cat_of_scalars_points_at_stack():
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 0\) cannot be concatenated.*stack"):
        chainrule.cat([chainrule.tensor(1.0), chainrule.tensor(2.0)])
    assert chainrule.stack([chainrule.tensor(1.0), chainrule.tensor(2.0)]).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("expr,kind,match", [
    ("x.permute(0, 0)", RuntimeError, "duplicate dims"),
    ("x.split(0)", RuntimeError, "split_size"),
    ("x.narrow(0, 5, 2)", IndexError, "start out of range"),
    ("x.narrow(1, 1, 5)", RuntimeError, r"start \(1\) \+ length \(5\) exceeds dimension size \(3\)"),
    ("x.flatten(1, 0)", RuntimeError, "start_dim .* cannot come after end_dim"),
    ("x.sum(dim=(0, 0))", RuntimeError, "dim 0 appears multiple times"),
    ("x.topk(-1)", RuntimeError, "k"),
    ("x.masked_fill(F.tensor([1, 0, 1]), 0)", RuntimeError, "boolean masks"),
    ("x @ 'a'", TypeError, "unsupported operand"),
])
def test_argument_errors_are_raised_where_torch_raises_them(expr, kind, match):
    for lib in (chainrule, torch):
        with pytest.raises(kind):
            eval(expr, {"x": lib.ones(2, 3), "F": lib})
    with pytest.raises(kind, match=match):
        eval(expr, {"x": chainrule.ones(2, 3), "F": chainrule})
