"""Tensor's methods live in mixins (chainrule/tensor_methods/); users see one class, as before the split."""
import pytest

import chainrule


def test_tensor_is_one_class_to_users():
    x = chainrule.ones(2)
    assert type(x).__module__ == "chainrule.tensor" and type(x).__name__ == "Tensor"
    assert repr(x.add).startswith("<bound method Tensor.add of ")
    with pytest.raises(AttributeError):
        x.not_a_slot = 1          # still __slots__ only: mixins add no instance __dict__
    assert all(vars(c).get("__slots__") == () for c in type(x).__mro__[1:-1])


@pytest.mark.parametrize("call", [lambda x: x.add(1, alpah=2), lambda x: x.sum(dimm=0),
                                  lambda x: x.reshape(2, shape=1), lambda x: x.mul_(2, 3)])
def test_call_errors_name_the_tensor_method(call):
    with pytest.raises(TypeError, match=r"^Tensor\.\w+\(\)"):
        call(chainrule.ones(2))
