"""Issue 13: ``chainrule train --arch cnn`` (a small conv net on the digits) and ``--arch rnn/lstm/gru`` on
the generated ``sequences`` task — the built-in models are PyTorch's numbers for the same weights, and
training them through the CLI learns, with the same metrics, plots and checkpoints as the MLP."""
import contextlib
import io
import json

import numpy as np
import pytest
import torch

import chainrule
from chainrule.viz import datasets, layer_models


def run_cli(*argv):
    from chainrule.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def torch_twin(model):
    """The same built-in model in PyTorch (the module tree mirrors chainrule's), weights copied."""
    if isinstance(model, chainrule.nn.Sequential):
        tm = torch.nn.Sequential(torch.nn.Unflatten(1, (1, 8, 8)),
                                 torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                 torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                 torch.nn.Flatten(), torch.nn.Linear(64, 10))
    else:
        cell = type(model.rnn).__name__

        class Seq(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(torch.nn, cell)(1, 32, batch_first=True)
                self.fc = torch.nn.Linear(32, 3)

            def forward(self, x):
                out, _ = self.rnn(x.unsqueeze(-1))
                return self.fc(out[:, -1])
        tm = Seq()
    sd = model.state_dict()
    assert list(sd) == list(tm.state_dict())            # PyTorch's state_dict keys, so checkpoints move
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    return tm


@pytest.mark.parametrize("arch", ["cnn", "rnn", "lstm", "gru"])
def test_the_built_in_models_give_pytorchs_loss_and_gradients(arch):
    if arch == "cnn":
        pytest.importorskip("sklearn")
        data = datasets.digits()
    else:
        data = datasets.sequences(n=60, generator=chainrule.Generator().manual_seed(0))
    chainrule.manual_seed(0)
    model = layer_models.build(arch, data)
    tm = torch_twin(model)
    X, y = data.X[:16], data.y[:16]
    loss = chainrule.nn.functional.cross_entropy(model(chainrule.from_numpy(X.copy())), chainrule.from_numpy(y))
    loss.backward()
    tloss = torch.nn.functional.cross_entropy(tm(torch.tensor(X)), torch.tensor(y))
    tloss.backward()
    assert abs(float(loss.item()) - float(tloss.detach())) <= 1e-5 * max(1, abs(float(tloss.detach())))
    for (name, p), (_, tp) in zip(model.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_the_sequence_task_is_generated_and_repeats_with_its_seed():
    a = datasets.sequences(n=90, generator=chainrule.Generator().manual_seed(4))
    b = datasets.load("sequences", n=90, generator=chainrule.Generator().manual_seed(4))
    assert a.X.shape == (90, 16) and a.n_classes == 3 and np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert sorted(np.bincount(a.y)) == [30, 30, 30]
    # the class is the frequency: the dominant Fourier bin of a clean row is its class + 1
    clean = datasets.sequences(n=30, noise=0.0, generator=chainrule.Generator().manual_seed(1))
    bins = np.abs(np.fft.rfft(clean.X, axis=1))[:, 1:4].argmax(axis=1)
    assert np.array_equal(bins, clean.y)


def test_cli_trains_an_lstm_on_sequences_with_metrics_plots_and_resume(tmp_path):
    out = tmp_path / "lstm"
    code, o, e = run_cli("train", "--dataset", "sequences", "--arch", "lstm", "--n", "240", "--epochs", "3",
                         "--lr", "0.02", "--out", str(out), "--no-progress", "--no-plots")
    assert code == 0, e
    metrics = json.loads((out / "metrics.json").read_text())
    hist = metrics["history"] if "history" in metrics else metrics["epochs"]
    assert len(hist) == 3 and hist[-1]["loss"] < hist[0]["loss"]
    assert (out / "checkpoints").is_dir()
    code, o, e = run_cli("train", "--dataset", "sequences", "--arch", "gru", "--n", "240", "--epochs", "4",
                         "--lr", "0.02", "--out", str(out), "--no-progress", "--no-plots", "--resume")
    assert code == 2 and "does not fit this model" in e     # a checkpoint of another model is not resumed


def test_cli_trains_the_conv_net_on_digits(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = tmp_path / "cnn"
    code, o, e = run_cli("train", "--dataset", "digits", "--arch", "cnn", "--epochs", "1", "--batch-size", "64",
                         "--out", str(out), "--no-progress")
    assert code == 0, e
    acc = float(o.split("test accuracy")[1].split()[0])
    assert acc > 0.5                                       # one epoch lifts it far above chance (0.1)
    assert (out / "loss_accuracy.png").exists()


def test_arch_mistakes_are_refused(tmp_path):
    code, o, e = run_cli("train", "--dataset", "moons", "--arch", "cnn", "--epochs", "1", "--out", str(tmp_path),
                         "--no-progress", "--no-plots")
    assert code == 2 and "--arch cnn reads each example as a square image" in e and "Traceback" not in e
    model = tmp_path / "m.py"
    model.write_text("import chainrule.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 2))\n")
    code, o, e = run_cli("train", str(model), "--arch", "lstm", "--out", str(tmp_path), "--no-progress")
    assert code == 2 and "--arch picks the built-in model" in e
