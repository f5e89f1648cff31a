"""Wrong use of an optimizer gets PyTorch's error (and a hint where PyTorch gives none)."""
from __future__ import annotations

import pytest

import chainrule
from chainrule import optim


def _w():
    return chainrule.tensor([1.0], requires_grad=True)


def test_empty_parameter_list():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)


def test_a_single_tensor_instead_of_an_iterable():
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(_w(), lr=0.1)


def test_non_tensor_parameter():
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is list"):
        optim.SGD([[1.0, 2.0]], lr=0.1)


def test_non_leaf_parameter():
    w = _w()
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.Adam([w * 2])


def test_parameter_in_two_groups():
    w = _w()
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [w]})


def test_set_of_parameters():
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {_w()}}], lr=0.1)


def test_param_group_not_a_dict():
    opt = optim.SGD([_w()], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([_w()])


def test_duplicate_parameter_warns():
    w = _w()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([w, w], lr=0.1)


def test_mixed_named_and_unnamed():
    with pytest.raises(ValueError, match="Some param names are missing"):
        optim.SGD([("a", _w()), _w()], lr=0.1)


def test_add_param_group_takes_defaults_and_then_trains():
    a, b = _w(), _w()
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.5
    (a * b).sum().backward()
    opt.step()
    assert b.item() == pytest.approx(0.5) and a.item() == pytest.approx(0.9)


@pytest.mark.parametrize("call,msg", [
    (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.1), "Invalid momentum value: -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.5)), "Invalid beta parameter at index 1: -0.5"),
    (lambda p: optim.Adam(p, weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
    (lambda p: optim.AdamW(p, lr=-0.5), "Invalid learning rate: -0.5"),
    (lambda p: optim.RMSprop(p, lr=-0.5), "Invalid learning rate: -0.5"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda p: optim.RMSprop(p, eps=-0.5), "Invalid epsilon value: -0.5"),
    (lambda p: optim.RMSprop(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.RMSprop(p, weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
    (lambda p: optim.Adagrad(p, lr=-0.5), "Invalid learning rate: -0.5"),
    (lambda p: optim.Adagrad(p, lr_decay=-0.5), "Invalid lr_decay value: -0.5"),
    (lambda p: optim.Adagrad(p, weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-0.5), "Invalid initial_accumulator_value value: -0.5"),
    (lambda p: optim.Adagrad(p, eps=-0.5), "Invalid epsilon value: -0.5"),
])
def test_invalid_hyperparameters(call, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
        call([_w()])


def test_betas_must_be_a_pair():
    with pytest.raises(ValueError, match="betas must be a pair"):
        optim.Adam([_w()], betas=(0.9,))


def test_required_option_missing_from_a_group():
    class Custom(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Custom([_w()])


def test_base_step_is_abstract():
    opt = optim.Optimizer([_w()], {})
    opt.param_groups[0]["params"][0].grad = chainrule.tensor([1.0])
    with pytest.raises(NotImplementedError):
        opt.step()
