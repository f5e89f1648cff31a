"""examples/cnn_digits.py is a PyTorch tutorial with chainrule's imports: run it under PyTorch with only the
imports changed, start both from the same weights, and every batch loss, every parameter after training
and the test accuracy agree; and it runs as a script."""
from __future__ import annotations

import os
import re
import types

import numpy as np
import pytest

import chainrule
from .helpers import EXAMPLES, import_example, run_example

pytest.importorskip("sklearn")
torch = pytest.importorskip("torch")


def torch_version():
    """The example's source with its import lines pointed at PyTorch; asserts nothing else changes."""
    with open(os.path.join(EXAMPLES, "cnn_digits.py"), encoding="utf-8") as f:
        source = f.read()
    changed = re.sub(r"^(import|from) chainrule", r"\1 torch", source, flags=re.M)
    changed = re.sub(r"^(import torch\S*|from torch\S*)", lambda m: m.group(0).replace("chainrule", "torch"), changed,
                     flags=re.M)
    diff = [(a, b) for a, b in zip(source.splitlines(), changed.splitlines()) if a != b]
    assert diff and all(a.startswith(("import ", "from ")) for a, _ in diff), diff
    module = types.ModuleType("cnn_digits_torch")
    exec(compile(changed, "cnn_digits_torch.py", "exec"), module.__dict__)
    return module


def test_cnn_tutorial_gives_pytorchs_numbers_from_the_same_weights():
    ours_mod, theirs_mod = import_example("cnn_digits"), torch_version()
    theirs = theirs_mod.Net()
    ours = ours_mod.Net()
    ours.load_state_dict({k: chainrule.tensor(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    data = {}
    for name, mod in (("ours", ours_mod), ("theirs", theirs_mod)):
        full = mod.load_dataset()
        train = mod.torch.utils.data.Subset(full, range(320))
        test = mod.torch.utils.data.Subset(full, range(320, 576))
        data[name] = (mod.DataLoader(train, batch_size=32), mod.DataLoader(test, batch_size=128))
    opt_o = ours_mod.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
    opt_t = theirs_mod.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(2):
        lo = ours_mod.train_epoch(ours, data["ours"][0], opt_o)
        lt = theirs_mod.train_epoch(theirs, data["theirs"][0], opt_t)
        np.testing.assert_allclose(lo, lt, rtol=2e-5, err_msg=f"batch losses, epoch {epoch}")
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=2e-5, err_msg=k)
    assert ours_mod.evaluate(ours, data["ours"][1]) == theirs_mod.evaluate(theirs, data["theirs"][1])


def test_cnn_example_runs_as_a_script_and_learns():
    out = run_example("cnn_digits", "1")
    assert out.returncode == 0, out.stderr
    assert "(conv1): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in out.stdout
    accuracy = float(re.findall(r"test accuracy (\S+)%", out.stdout)[-1])
    assert accuracy > 50
