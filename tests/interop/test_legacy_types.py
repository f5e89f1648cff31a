"""PyTorch's legacy type objects (torch.FloatTensor …) as constructors, type arguments and isinstance tests."""
import numpy as np
import pytest
import torch

import chainrule

NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_constructors_types_and_isinstance_match_torch(name):
    ours, theirs = getattr(chainrule, name), getattr(torch, name)
    data = [[1.7, 0.0], [2.2, 3.9]]
    a, b = ours(data), theirs(data)
    assert a.dtype.name == str(b.dtype).split(".")[1]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.type() == b.type() == f"torch.{name}"
    assert tuple(ours(2, 3).shape) == tuple(theirs(2, 3).shape) == (2, 3)
    assert isinstance(a, ours) and isinstance(b, theirs)
    assert not isinstance(a, chainrule.FloatTensor if name != "FloatTensor" else chainrule.LongTensor)
    assert repr(ours) == repr(theirs) == f"<class 'torch.{name}'>"
    x, y = chainrule.tensor([1.5, -2.5]), torch.tensor([1.5, -2.5])
    for spec_o, spec_t in ((ours, theirs), (f"torch.{name}", f"torch.{name}")):
        c, d = x.type(spec_o), y.type(spec_t)
        assert c.type() == d.type()
        np.testing.assert_array_equal(c.numpy(), d.numpy())


def test_type_with_a_dtype_and_a_bad_name():
    x = chainrule.tensor([1.5])
    assert x.type(chainrule.float64).type() == "torch.DoubleTensor"
    with pytest.raises(ValueError, match=r"invalid type: 'torch.Foo'; expected one of torch.FloatTensor"):
        x.type("torch.Foo")


def test_a_tutorial_line_runs_through_the_shim(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "t.py"
    script.write_text("import torch\nx = torch.randn(3).type(torch.FloatTensor)\nprint(x.type(), "
                      "isinstance(x, torch.FloatTensor), torch.LongTensor([2.9, -1.2]))\n")
    out = subprocess.run([sys.executable, "-m", "chainrule", "run", str(script)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "torch.FloatTensor True tensor([ 2, -1])"
