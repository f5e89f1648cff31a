"""chainrule train: accuracy on moons and digits, files written, determinism, NaN stop, kill and resume."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.cli import main
from chainrule.viz import training
from chainrule.viz.checkpoints import CheckpointError
from chainrule.viz.training import NonFiniteLoss, TrainConfig, train

from seed_toml import SEED_TOML

PNG = b"\x89PNG\r\n\x1a\n"


def _weights(path):
    return {k: v.numpy() for k, v in chainrule.load(str(path)).items()}


def _assert_bit_identical(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape
        assert a[k].tobytes() == b[k].tobytes(), k


def test_moons_reaches_97_percent_and_writes_metrics_and_plots(tmp_path, capsys):
    out = tmp_path / "moons"
    assert main(["train", "--dataset", "moons", "--epochs", "15", "--lr", "0.01", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "epoch 15/15  loss" in captured.err and "acc" in captured.err  # progress, one line per epoch off a terminal
    last = captured.out.splitlines()[0]
    assert last.startswith("epoch 15:") and "test accuracy" in last
    meta = json.loads((out / "metrics.json").read_text())
    assert meta["final"]["test_accuracy"] >= 0.97
    assert meta["config"]["dataset"] == "moons" and len(meta["history"]) == 15
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 15 and float(rows[-1]["test_accuracy"]) >= 0.97
    assert {"grad_norm/0.weight", "grad_norm/2.weight", "grad_norm/4.weight"} <= set(rows[0])
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    for name in ("loss_accuracy.png", "grad_norms.png", "decision_boundary.png"):
        assert (out / name).read_bytes()[:8] == PNG, name


def test_digits_reaches_95_percent(tmp_path):
    # with PyTorch's random stream (weights, split, shuffles) 8 epochs end at 94.7 %, 12 at 96.1 %
    result = train(TrainConfig(dataset="digits", epochs=12, lr=0.01, batch_size=64), str(tmp_path),
                   progress=False, plots=False)
    assert result.test_accuracy >= 0.95
    assert not (tmp_path / "decision_boundary.png").exists()


def test_same_seed_gives_bit_identical_weights_and_metrics(tmp_path):
    cfg = TrainConfig(dataset="spirals", epochs=3, lr=0.01, seed=7)
    a = train(cfg, str(tmp_path / "a"), progress=False, plots=False)
    b = train(cfg, str(tmp_path / "b"), progress=False, plots=False)
    _assert_bit_identical(_weights(tmp_path / "a" / "model.safetensors"), _weights(tmp_path / "b" / "model.safetensors"))
    assert a.history == b.history
    for name in ("metrics.csv", "metrics.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    c = train(TrainConfig(dataset="spirals", epochs=3, lr=0.01, seed=8), str(tmp_path / "c"), progress=False, plots=False)
    assert c.history != a.history


@pytest.mark.parametrize("dataset,optimizer", [("spirals", "adam"), ("moons", "sgd"), ("digits", "rmsprop")])
def test_compiled_and_eager_training_write_the_same_weights_and_metrics(tmp_path, dataset, optimizer):
    """train replays a compiled step by default; --no-compile runs the eager loop: the same bits."""
    cfg = TrainConfig(dataset=dataset, epochs=2, lr=0.01, seed=3, optimizer=optimizer, batch_size=48)
    a = train(cfg, str(tmp_path / "compiled"), progress=False, plots=False)
    b = train(cfg, str(tmp_path / "eager"), progress=False, plots=False, compile=False)
    _assert_bit_identical(_weights(tmp_path / "compiled" / "model.safetensors"),
                          _weights(tmp_path / "eager" / "model.safetensors"))
    assert a.history == b.history
    for name in ("metrics.csv", "metrics.json"):
        assert (tmp_path / "compiled" / name).read_bytes() == (tmp_path / "eager" / name).read_bytes()


def test_cli_no_compile_flag_gives_the_same_result(tmp_path, capsys):
    lines = []
    for flags in ([], ["--no-compile"]):
        assert main(["train", "--dataset", "xor", "--epochs", "3", "--out", str(tmp_path / str(len(flags))),
                     "--no-progress", "--no-plots"] + flags) == 0
        lines.append(capsys.readouterr().out.splitlines()[0])
    assert lines[0] == lines[1] and "loss" in lines[0]


def test_progress_bar_shows_loss_and_accuracy(tmp_path, capsys):
    train(TrainConfig(dataset="xor", epochs=2), str(tmp_path), progress="bar", plots=False)
    err = capsys.readouterr().err
    assert "step/s" in err or "s/step" in err
    assert "epoch 2/2 loss" in err and " acc " in err


def test_resume_continues_to_the_same_weights(tmp_path):
    cfg = TrainConfig(dataset="circles", epochs=4, seed=1)
    train(cfg, str(tmp_path / "full"), progress=False, plots=False)
    train(TrainConfig(dataset="circles", epochs=2, seed=1), str(tmp_path / "split"), progress=False, plots=False)
    r = train(cfg, str(tmp_path / "split"), resume=True, progress=False, plots=False, log=lambda m: None)
    assert r.resumed_from == 2 and [h["epoch"] for h in r.history] == [1, 2, 3, 4]
    _assert_bit_identical(_weights(tmp_path / "full" / "model.safetensors"),
                          _weights(tmp_path / "split" / "model.safetensors"))


def test_kill_during_training_then_resume_is_bit_identical(tmp_path):
    args = ["train", "--dataset", "moons", "--n", "20000", "--batch-size", "8", "--epochs", "4", "--seed", "3",
            "--no-plots", "--no-progress"]
    killed = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", *args, "--out", str(killed)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pointer = killed / "checkpoints" / "latest.json"
    deadline = time.time() + 120
    while not pointer.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    saved_epoch = json.loads(pointer.read_text())["epoch"]
    assert 1 <= saved_epoch < 4                      # really interrupted mid-run
    assert not (killed / "model.safetensors").exists()

    assert main([*args, "--out", str(killed), "--resume"]) == 0
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    _assert_bit_identical(_weights(killed / "model.safetensors"), _weights(tmp_path / "whole" / "model.safetensors"))
    resumed = json.loads((killed / "metrics.json").read_text())
    assert resumed["resumed_from"] == saved_epoch and len(resumed["history"]) == 4


class _NaNAfter(nn.Module):
    """Wraps a model; its output turns NaN from the ``after``-th training forward on."""

    def __init__(self, inner, after):
        super().__init__()
        self.inner = inner
        self.after = after
        self.calls = 0

    def forward(self, x):
        out = self.inner(x)
        if self.training:
            self.calls += 1
            if self.calls >= self.after:
                return out * float("nan")
        return out


def test_nan_loss_stops_reports_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    from chainrule.viz.datasets import two_moons
    from chainrule.random import Generator
    steps = 13  # 400 training points / batch 32
    cfg = TrainConfig(dataset="moons", epochs=5, seed=2)

    def factory(after):
        def make():
            data = two_moons(500, generator=Generator().manual_seed(0))
            return _NaNAfter(training.default_model(data), after)
        return make
    train(TrainConfig(dataset="moons", epochs=1, seed=2), str(tmp_path / "clean"), model=factory(10 ** 9),
          progress=False, plots=False)
    with pytest.raises(NonFiniteLoss) as info:
        train(cfg, str(tmp_path / "bad"), model=factory(steps + 5), progress=False, plots=False)
    e = info.value
    assert e.epoch == 2 and e.step == steps + 5
    assert f"the loss became nan at epoch 2, step 5 (step {steps + 5} overall)" in str(e)
    assert "last good checkpoint (epoch 1)" in str(e)
    meta = json.loads((tmp_path / "bad" / "checkpoints" / "latest.json").read_text())
    assert meta["epoch"] == 1
    # the kept checkpoint holds the weights after epoch 1, exactly as in the clean run
    bad = _weights(tmp_path / "bad" / "checkpoints" / meta["tensors"])
    good = _weights(tmp_path / "clean" / "checkpoints" / "epoch-0001.safetensors")
    model_keys = [k for k in bad if k.startswith("model.")]
    assert model_keys and all(np.isfinite(bad[k]).all() for k in model_keys)
    _assert_bit_identical({k: bad[k] for k in model_keys}, {k: good[k] for k in model_keys})
    with open(tmp_path / "bad" / "metrics.csv") as f:
        assert len(list(csv.DictReader(f))) == 1     # the finished epoch's metrics are kept too


def test_cli_nan_loss_exits_1_with_the_step(tmp_path, capsys):
    code = main(["train", "--dataset", "moons", "--optimizer", "sgd", "--lr", "10000", "--epochs", "3",
                 "--out", str(tmp_path), "--no-progress", "--no-plots"])
    err = capsys.readouterr().err
    assert code == 1
    assert "chainrule train: stopped: the loss became nan at epoch 1, step 4" in err and "smaller --lr" in err
    assert "RuntimeWarning" not in err and "Traceback" not in err


def test_resume_with_other_settings_or_nothing_to_resume_is_refused(tmp_path, capsys):
    run = str(tmp_path / "r")
    assert main(["train", "--dataset", "xor", "--epochs", "1", "--out", run, "--no-progress", "--no-plots"]) == 0
    assert main(["train", "--dataset", "xor", "--epochs", "2", "--lr", "0.5", "--out", run, "--resume",
                 "--no-progress", "--no-plots"]) == 2
    assert "was made with lr=0.01, this run has lr=0.5" in capsys.readouterr().err
    assert main(["train", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path / "empty"), "--resume",
                 "--no-progress", "--no-plots"]) == 2
    assert "no checkpoint to resume from" in capsys.readouterr().err


def test_damaged_checkpoint_pointer_is_refused(tmp_path):
    run = tmp_path / "r"
    train(TrainConfig(dataset="xor", epochs=1), str(run), progress=False, plots=False)
    (run / "checkpoints" / "latest.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="is damaged"):
        train(TrainConfig(dataset="xor", epochs=2), str(run), resume=True, progress=False, plots=False)


def test_python_model_file_with_the_seeds_sigmoid_output(tmp_path, capsys):
    f = tmp_path / "model.py"
    f.write_text("import torch\nfrom torch import nn\n"
                 "model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())\n",
                 encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", str(f), "--dataset", "xor", "--epochs", "10", "--lr", "0.05", "--out", str(out),
                 "--no-progress", "--no-plots"]) == 0
    meta = json.loads((out / "metrics.json").read_text())
    assert meta["output"]["kind"] == "prob"                 # BCELoss on the sigmoid output
    assert meta["final"]["test_accuracy"] >= 0.95


def test_model_with_the_wrong_number_of_outputs_is_explained(tmp_path, capsys):
    f = tmp_path / "model.py"
    f.write_text("from chainrule import nn\nmodel = nn.Linear(2, 3)\n", encoding="utf-8")
    assert main(["train", str(f), "--dataset", "moons", "--epochs", "1", "--out", str(tmp_path / "r"),
                 "--no-progress", "--no-plots"]) == 2
    assert "the model has 3 outputs but moons has 2 classes" in capsys.readouterr().err


@pytest.mark.parametrize("flag,value,message", [("--epochs", "0", "--epochs must be at least 1"),
                                                ("--lr", "-1", "--lr must be a positive number"),
                                                ("--batch-size", "0", "--batch-size must be at least 1")])
def test_cli_option_mistakes(tmp_path, capsys, flag, value, message):
    assert main(["train", flag, value, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err




def test_train_without_safetensors_says_what_to_install(tmp_path, capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "safetensors", None)     # as if it were not installed
    assert main(["train", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path), "--no-plots"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("chainrule train: error: writing checkpoints (and so --resume) needs safetensors, which is not "
                   "installed: python3 -m pip install safetensors")


def test_toml_model_file_in_float64_trains_and_plots(tmp_path):
    f = tmp_path / "seed.toml"
    f.write_text(SEED_TOML, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", str(f), "--dataset", "xor", "--epochs", "2", "--out", str(out), "--no-progress"]) == 0
    assert _weights(out / "model.safetensors")["linear1.weight"].dtype == np.float64
    assert (out / "decision_boundary.png").read_bytes()[:8] == PNG


def test_model_that_cannot_take_the_inputs_is_explained(tmp_path, capsys):
    f = tmp_path / "model.py"
    f.write_text("from chainrule import nn\nmodel = nn.Linear(3, 2)\n", encoding="utf-8")
    assert main(["train", str(f), "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path / "r"),
                 "--no-progress", "--no-plots"]) == 2
    assert "the model cannot take xor's inputs (2 features per example)" in capsys.readouterr().err


def test_hand_edited_checkpoint_cannot_point_outside_its_folder(tmp_path):
    run = tmp_path / "r"
    train(TrainConfig(dataset="xor", epochs=1), str(run), progress=False, plots=False)
    pointer = run / "checkpoints" / "latest.json"
    meta = json.loads(pointer.read_text())
    meta["tensors"] = "../../elsewhere.safetensors"
    pointer.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="should name an epoch-NNNN.safetensors file"):
        train(TrainConfig(dataset="xor", epochs=2), str(run), resume=True, progress=False, plots=False)


def test_resume_with_a_different_model_is_refused(tmp_path):
    run = tmp_path / "r"
    train(TrainConfig(dataset="xor", epochs=1), str(run), progress=False, plots=False)
    other = lambda: nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 2))  # noqa: E731
    with pytest.raises(CheckpointError, match="does not fit this model"):
        train(TrainConfig(dataset="xor", epochs=2), str(run), model=other, resume=True, progress=False, plots=False)


def test_truncated_checkpoint_tensors_are_refused(tmp_path):
    run = tmp_path / "r"
    train(TrainConfig(dataset="xor", epochs=1), str(run), progress=False, plots=False)
    f = run / "checkpoints" / "epoch-0001.safetensors"
    f.write_bytes(f.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="cannot read"):
        train(TrainConfig(dataset="xor", epochs=2), str(run), resume=True, progress=False, plots=False)


def test_training_on_a_csv_file(tmp_path):
    from chainrule.viz.datasets import two_moons
    ds = two_moons(300)
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n" + "".join(f"{a},{b},{'top' if c == 0 else 'bottom'}\n"
                                               for (a, b), c in zip(ds.X.tolist(), ds.y.tolist())))
    out = tmp_path / "run"
    assert main(["train", "--dataset", str(path), "--epochs", "20", "--out", str(out), "--no-progress"]) == 0
    meta = json.loads((out / "metrics.json").read_text())
    assert meta["final"]["test_accuracy"] >= 0.95 and meta["output"]["classes"] == 2
    assert (out / "decision_boundary.png").exists()
