"""Fuzz the command line: random argument lists for every subcommand, run in-process in a scratch folder.

Whatever the arguments, ``chainrule`` answers with exit code 0, 1 or 2 — never an uncaught exception and
never the one-line ``internal error`` that stands for one — and a usage mistake (2) is a single line.
Values are drawn from pools of edge cases (0, -1, nan, inf, empty, wrong type, missing files, folders,
broken model files), with sizes kept small so every run is quick.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import given, strategies as st

from .fuzzing import fuzz_settings
from .helpers import run_cli
from .test_fuzz_model_file import SEED_TOML

WEIRD = ["", "-1", "0", "nan", "inf", "-inf", "x", "1.5", "1e9", "--", "-", "é", "a b", "\t"]
SMALL = ["0", "1", "2", "-1"]
FILES = ["seed.toml", "bad.toml", "huge.toml", "model.py", "broken.py", "missing.toml", "folder.toml", "data.csv",
         "answers.txt", "bad_answers.txt", "latin1_answers.txt", "folder", "notes.txt", "/dev/null"]
OUTPUTS = ["out.svg", "out.dot", "out.png", "out.html", "out.json", "none", "folder", "missing/out.svg",
           "folder/out.svg", "out"]


def pool(*choices):
    return st.sampled_from(list(choices)) | st.sampled_from(WEIRD)


#: per command: arguments that keep a run small, then the options the fuzz may add (flag -> values)
COMMANDS = {
    "explain": ([], {"--steps": pool(*SMALL, "3"), "--decimals": pool("0", "4", "12", "13"), "--hand": None,
                     "--numeric": None, "--lang": pool("en", "ko", "fr"),
                     "--format": pool("text", "markdown", "latex", "html", "pdf"),
                     "--notation": pool("flat", "indexed"), "--form": pool("auto", "scalar", "matrix"),
                     "--max-scalar": pool(*SMALL, "200"), "-o": st.sampled_from(OUTPUTS)}),
    "check": ([], {"--model": st.sampled_from(FILES), "--steps": pool(*SMALL), "--lang": pool("en", "ko"),
                   "--format": pool("text", "json", "gradescope", "otter", "markdown", "html", "pdf"),
                   "--hint": pool("1", "2", "3"), "--key": st.sampled_from(FILES), "-o": st.sampled_from(OUTPUTS),
                   "--carried-credit": pool("0", "0.5", "2")}),
    "exercise": (["-o", "ex"], {"--kind": pool("mlp", "graph", "softmax", "batchnorm", "conv", "rnn", "model"),
                                "--sizes": pool("2-2-1", "2-x", "1", "2-9-1", "3-3"),
                                "--activations": pool("sigmoid", "tanh,relu", "swish", ","),
                                "--loss": pool("bce", "mse", "cross_entropy", "hinge"), "--batch": pool(*SMALL, "40"),
                                "--variants": pool("1", "2", "0", "501"), "--lr": pool("0.5", "1e30", "0"),
                                "--model": st.sampled_from(FILES), "--decimals": pool("0", "4", "9"),
                                "-o": st.sampled_from(OUTPUTS)}),
    "draw": (["-o", "net.svg"], {"-o": st.sampled_from(OUTPUTS), "--decimals": pool("0", "4", "12", "13"),
                                 "--labels": pool("auto", "on", "off"), "--no-step": None}),
    "graph": (["-o", "g.dot"], {"-o": st.sampled_from(OUTPUTS), "--max-elements": pool(*SMALL, "8"),
                                "--no-values": None}),
    "train": (["--epochs", "1", "--n", "40", "--no-plots", "--no-progress", "--out", "run"],
              {"--dataset": pool("xor", "moons", "circles", "spirals", "data.csv", "bad.csv", "missing.csv", "folder"),
               "--epochs": pool("1", "2", "0"), "--lr": pool("0.1", "1e30", "0"), "--batch-size": pool(*SMALL, "64"),
               "--seed": pool(*SMALL), "--optimizer": pool("adam", "sgd", "adamw", "rmsprop"),
               "--test-fraction": pool("0", "0.5", "0.99", "1"), "--n": pool("1", "2", "3", "40"),
               "--noise": pool("0", "0.1", "-1", "1e6"), "--out": st.sampled_from(OUTPUTS), "--resume": None}),
    "vanishing": (["--depths", "2", "--width", "4", "--batch", "8", "-o", "none"],
                  {"--depths": pool("1", "2..3", "3,2", "0", "2..", "..", "1,1", "5..2", "201"),
                   "--activations": pool("sigmoid", "relu,tanh", ",", "swish", "sigmoid,,relu"),
                   "--width": pool(*SMALL, "3"), "--batch": pool(*SMALL, "3"), "--seed": pool(*SMALL),
                   "--init": pool("default", "kaiming", "xavier"), "-o": st.sampled_from(OUTPUTS + ["v.svg"]),
                   "--json": st.sampled_from(OUTPUTS)}),
}
POSITIONAL = {"explain": True, "check": True, "exercise": False, "draw": True, "graph": True, "train": True, "vanishing": False}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder of the files the arguments may name (good, broken and hostile)."""
    root = tmp_path_factory.mktemp("cli_fuzz")
    (root / "seed.toml").write_text(SEED_TOML)
    (root / "bad.toml").write_text("layers = [2, 2\n")
    (root / "huge.toml").write_text("layers = [2, 99999999, 1]\nx = [[1, 1]]\ny = [[0]]\n")
    (root / "model.py").write_text("import torch\nfrom torch import nn, optim\nmodel = nn.Sequential(nn.Linear(2, 1), "
                                   "nn.Sigmoid())\ncriterion = nn.BCELoss()\n"
                                   "optimizer = optim.SGD(model.parameters(), lr=1)\n"
                                   "x = torch.ones(1, 2)\ny = torch.zeros(1, 1)\n")
    (root / "broken.py").write_text("import torch\nmodel = 1 / 0\n")
    (root / "folder.toml").mkdir()
    (root / "folder").mkdir()
    (root / "data.csv").write_text("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.5,0.5,1\n0.2,0.9,0\n")
    (root / "bad.csv").write_text("x1,x2,label\n0,zero,0\n")
    (root / "answers.txt").write_text("z1 = 0.6478\ndL/dW5 = 0.2727\nW5(2) = -0.4452\n")
    (root / "bad_answers.txt").write_text("z1 is about 0.6\n")
    (root / "latin1_answers.txt").write_bytes("z1 = 0.6478 # café\n".encode("latin-1"))
    (root / "notes.txt").write_text("not a model\n")
    return root


def argv_for(command, data):
    base, options = COMMANDS[command]
    argv = [command] + list(base)
    if POSITIONAL[command] and data.draw(st.booleans(), label="positional"):
        argv.append(data.draw(st.sampled_from(FILES), label="file"))
    for flag in data.draw(st.lists(st.sampled_from(sorted(options)), max_size=4, unique=True), label="flags"):
        argv.append(flag)
        if options[flag] is not None:
            argv.append(data.draw(options[flag], label=flag))
    if data.draw(st.integers(0, 9), label="stray") == 0:
        argv.insert(data.draw(st.integers(1, len(argv)), label="at"),
                    data.draw(st.sampled_from(WEIRD + ["--bogus", "-q"]), label="token"))
    return argv


def check_run(argv, cwd):
    code, out, err = run_cli(argv, cwd=cwd)
    assert code in (0, 1, 2), (argv, code, err)
    assert "internal error" not in err and "Traceback" not in err, (argv, err)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("chainrule"), (argv, err)
    return code


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_fuzz_cli_arguments(scratch, command):
    budget = {"train": 25, "vanishing": 25}.get(command, 40)

    @fuzz_settings(budget)
    @given(data=st.data())
    def run(data):
        check_run(argv_for(command, data), scratch)
    run()
    assert sorted(os.listdir(scratch / "folder.toml")) == []   # never written into by accident


@fuzz_settings(60)
@given(argv=st.lists(st.sampled_from(sorted(COMMANDS)) | st.sampled_from(WEIRD + FILES + ["--help", "--version"]),
                     max_size=5))
def test_fuzz_any_token_list(scratch, argv):
    if "--help" in argv or "-h" in argv:
        argv = [a for a in argv if a not in ("--help", "-h")]       # help is tested on its own
    argv = [a for a in argv if a not in COMMANDS or a in ("check", "explain", "draw", "graph")]
    check_run(argv, scratch)
