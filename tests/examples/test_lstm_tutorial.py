"""examples/lstm_sine.py is a PyTorch tutorial with chainrule's imports: with the two import lines
changed to PyTorch's it runs unchanged, and from the same initial weights both libraries give the same
data (to float32 rounding), the same loss every epoch and the same trained weights."""
from __future__ import annotations

import os
import re
import types

import numpy as np
import pytest

import chainrule
from .helpers import EXAMPLES, run_example

torch = pytest.importorskip("torch")
SCRIPT = os.path.join(EXAMPLES, "lstm_sine.py")
IMPORTS = ("import chainrule as torch\nfrom chainrule import nn, optim\n",
           "import torch\nfrom torch import nn, optim\n")


def load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, SCRIPT, "exec"), module.__dict__)
    return module


def test_the_tutorial_gives_pytorchs_numbers_from_the_same_initial_weights():
    source = open(SCRIPT, encoding="utf-8").read()
    assert source.count(IMPORTS[0]) == 1
    ours = load(source, "lstm_sine_chainrule")
    theirs = load(source.replace(*IMPORTS), "lstm_sine_torch")     # the only change
    assert theirs.torch is torch and ours.torch is chainrule
    x_o, y_o = ours.make_data()
    x_t, y_t = theirs.make_data()
    # float32 linspace rounds differently in the two libraries (a few units in the last place of 6π·i/n)
    np.testing.assert_allclose(x_o.numpy(), x_t.numpy(), rtol=0, atol=5e-6)
    np.testing.assert_allclose(y_o.numpy(), y_t.numpy(), rtol=0, atol=5e-6)
    x_o, y_o = chainrule.tensor(x_t.numpy()), chainrule.tensor(y_t.numpy())     # train on identical numbers
    torch.manual_seed(0)
    model_t = theirs.SineLSTM()
    model_o = ours.SineLSTM()
    model_o.load_state_dict({k: chainrule.tensor(v.detach().numpy().copy()) for k, v in model_t.state_dict().items()})
    epochs = 8
    losses_o = ours.train(model_o, x_o, y_o, epochs=epochs, log_every=0)
    losses_t = theirs.train(model_t, x_t, y_t, epochs=epochs, log_every=0)
    np.testing.assert_allclose(losses_o, losses_t, rtol=2e-4)
    assert losses_o[-1] < 0.5 * losses_o[0]                       # it learns
    trained_t = model_t.state_dict()
    for k, v in model_o.state_dict().items():
        np.testing.assert_allclose(v.numpy(), trained_t[k].numpy(), rtol=1e-3, atol=2e-5, err_msg=k)


def test_the_tutorial_runs_as_a_script_and_learns():
    out = run_example("lstm_sine")
    assert out.returncode == 0, out.stderr
    assert "(lstm): LSTM(1, 16, batch_first=True)" in out.stdout
    final, first = map(float, re.search(r"final loss (\S+) \(first epoch (\S+)\)", out.stdout).groups())
    assert final < 0.01 < first
