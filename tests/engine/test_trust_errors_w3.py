"""Errors PyTorch raises that chainrule accepted (issue 11: findings F34, F71, F72), with PyTorch's
exception class and message head, and the cases PyTorch accepts still accepted."""
from __future__ import annotations

import pytest
import torch

import chainrule


def raises_like_torch(program):
    with pytest.raises(Exception) as theirs:
        program(torch)
    with pytest.raises(type(theirs.value)) as ours:
        program(chainrule)
    head = str(theirs.value).split(":")[0].split(",")[0][:40]
    assert str(ours.value).startswith(head), (ours.value, theirs.value)


def test_permute_without_dims_is_refused_like_torch():
    raises_like_torch(lambda lib: lib.tensor(1.0).permute())
    assert chainrule.tensor(1.0).permute(()).shape == torch.tensor(1.0).permute(()).shape


@pytest.mark.parametrize("dtypes", [("int64", "int64"), ("int64", "bool"), ("bool", "bool")])
def test_addcdiv_of_integers_is_refused_like_torch(dtypes):
    def program(lib):
        x = lib.tensor([0.5, 1.5])
        x.addcdiv_(lib.tensor([1, 2]).to(getattr(lib, dtypes[0])), lib.tensor([1, 1]).to(getattr(lib, dtypes[1])))
    raises_like_torch(program)


def test_addcdiv_with_one_float_operand_divides_like_torch():
    out = []
    for lib in (chainrule, torch):
        x = lib.tensor([0.5, 1.5])
        out.append(x.addcdiv_(lib.tensor([1, 3]), lib.tensor([2.0, 4.0]), value=2).tolist())
    assert out[0] == out[1]


@pytest.mark.parametrize("pair", [("float32", "int64"), ("float32", "float64"), ("float32", "bool"),
                                  ("int64", "float64")])
def test_isclose_of_different_dtypes_is_refused_like_torch(pair):
    def program(lib):
        return lib.isclose(lib.tensor([2.0, 3.0]).to(getattr(lib, pair[0])), lib.tensor(3).to(getattr(lib, pair[1])))
    raises_like_torch(program)
    with pytest.raises(RuntimeError) as ours:
        program(chainrule)
    with pytest.raises(RuntimeError) as theirs:
        program(torch)
    assert str(ours.value).startswith(str(theirs.value))


def test_isclose_of_one_dtype_still_compares():
    a = [chainrule.isclose(chainrule.tensor([1, 2]), chainrule.tensor([1, 3])).tolist(),
         chainrule.tensor([1.0, 2.0]).isclose(chainrule.tensor([1.0, 2.5])).tolist()]
    b = [torch.isclose(torch.tensor([1, 2]), torch.tensor([1, 3])).tolist(),
         torch.tensor([1.0, 2.0]).isclose(torch.tensor([1.0, 2.5])).tolist()]
    assert a == b


@pytest.mark.parametrize("equation", ["ij->j", "ij->i", "ij->", "ij->ij", "ij->ji"])
def test_einsum_of_one_bool_operand_counts_what_it_sums_like_torch(equation):
    """F17: a bool summed over an index is a count (int64), as sum(); kept indices stay bool."""
    out = []
    for lib in (chainrule, torch):
        r = lib.einsum(equation, lib.tensor([[True, False], [True, True]]))
        out.append((r.tolist(), str(r.dtype).split(".")[-1]))
    assert out[0] == out[1]
