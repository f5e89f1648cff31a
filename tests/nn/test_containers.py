"""Sequential, ModuleList and ModuleDict behave (and print) as PyTorch's."""
from collections import OrderedDict

import numpy as np
import pytest
import torch as pt

import chainrule
from chainrule import nn


def layers(lib):
    return [lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1), lib.nn.Sigmoid()]


def test_sequential_indexing_slicing_len_iteration():
    seq = nn.Sequential(*layers(chainrule))
    assert len(seq) == 4
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Sigmoid) and seq[-4] is seq[0]
    part = seq[1:3]
    assert isinstance(part, nn.Sequential) and len(part) == 2 and part[0] is seq[1]
    assert list(part._modules) == ["1", "2"]           # PyTorch keeps the original names in a slice
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]
    with pytest.raises(IndexError, match="index -5 is out of range"):
        seq[-5]


def test_sequential_slice_repr_matches_pytorch():
    assert repr(nn.Sequential(*layers(chainrule))[1:3]) == repr(pt.nn.Sequential(*layers(pt))[1:3])


def test_sequential_forward_chains_modules():
    seq = nn.Sequential(*layers(chainrule))
    x = chainrule.randn(5, 2)
    expected = seq[3](seq[2](seq[1](seq[0](x))))
    np.testing.assert_array_equal(seq(x).detach().numpy(), expected.detach().numpy())


def test_sequential_append_insert_extend_pop_delete_match_pytorch():
    def edit(lib):
        seq = lib.nn.Sequential(lib.nn.Linear(1, 2))
        seq.append(lib.nn.ReLU())
        seq.insert(0, lib.nn.Tanh())
        seq.insert(-1, lib.nn.Sigmoid())
        seq.extend([lib.nn.Identity(), lib.nn.ELU()])
        seq.pop(1)
        del seq[0]
        seq[1] = lib.nn.GELU()
        seq = seq + lib.nn.Sequential(lib.nn.Softplus())
        return seq, [n for n, _ in seq.named_modules()], list(seq.state_dict())
    ours, theirs = edit(chainrule), edit(pt)
    assert repr(ours[0]) == repr(theirs[0])
    assert ours[1:] == theirs[1:]
    with pytest.raises(IndexError, match="Index out of range: 9"):
        nn.Sequential().insert(9, nn.ReLU())
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        nn.Sequential() + nn.ReLU()


def test_sequential_ordered_dict_form_names_modules():
    od = OrderedDict([("fc1", nn.Linear(2, 2)), ("act", nn.Sigmoid())])
    seq = nn.Sequential(od)
    assert seq.fc1 is od["fc1"] and seq[0] is od["fc1"]
    assert list(seq.state_dict()) == ["fc1.weight", "fc1.bias"]
    t = pt.nn.Sequential(OrderedDict([("fc1", pt.nn.Linear(2, 2)), ("act", pt.nn.Sigmoid())]))
    assert repr(seq) == repr(t)


def test_sequential_repeat():
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU()) * 2
    assert len(seq) == 4 and seq[0] is seq[2]
    assert len(list(seq.parameters())) == 2


def test_module_list():
    def build(lib):
        ml = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        ml.append(lib.nn.ReLU())
        ml.extend([lib.nn.Tanh(), lib.nn.Tanh()])
        ml.insert(1, lib.nn.Sigmoid())
        ml += [lib.nn.Identity()]
        return ml
    ours, theirs = build(chainrule), build(pt)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(ours) == 8 and isinstance(ours[-1], nn.Identity) and isinstance(ours[1:3], nn.ModuleList)
    del ours[1]
    assert isinstance(ours[1], nn.Linear) and list(ours._modules) == [str(i) for i in range(7)]
    with pytest.raises(IndexError, match="index 7 is out of range"):
        ours[7]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ours.extend(nn.ReLU())
    with pytest.raises(NotImplementedError, match="ModuleList is not callable"):
        ours(chainrule.ones(1))


def test_module_dict():
    def build(lib):
        md = lib.nn.ModuleDict({"b": lib.nn.Linear(1, 1), "a": lib.nn.ReLU()})
        md["c"] = lib.nn.Tanh()
        md.update([("d", lib.nn.Sigmoid())])
        return md
    ours, theirs = build(chainrule), build(pt)
    assert repr(ours) == repr(theirs)
    assert list(ours.keys()) == ["b", "a", "c", "d"] and "a" in ours and len(ours) == 4
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.pop("a"), nn.ReLU) and "a" not in ours
    with pytest.raises(ValueError, match="should be a \\(key, module\\) pair"):
        ours.update([nn.ReLU()])


def test_plain_list_of_modules_is_not_registered_but_module_list_is():
    class Hidden(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(1, 1)]

    class Shown(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(1, 1)])
    assert list(Hidden().parameters()) == []
    assert [n for n, _ in Shown().named_parameters()] == ["layers.0.weight", "layers.0.bias"]
