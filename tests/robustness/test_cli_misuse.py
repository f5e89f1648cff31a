"""CLI misuse: exit code 2 and one line naming the command and the mistake; --help shows examples."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from chainrule.cli import COMMANDS

from .helpers import run_cli


@pytest.mark.parametrize("argv,command,words", [
    (["bogus"], "chainrule", "invalid choice: 'bogus'"),
    (["--no-such-flag"], "chainrule", "unrecognized arguments: --no-such-flag"),
    (["explain", "--steps", "x"], "chainrule explain", "argument --steps: invalid int value: 'x'"),
    (["explain", "--nope"], "chainrule explain", "unrecognized arguments: --nope"),
    (["explain", "--lang", "fr"], "chainrule explain", "invalid choice: 'fr'"),
    (["explain", "a.toml", "b.toml"], "chainrule explain", "unrecognized arguments: b.toml"),
    (["check"], "chainrule check", "the following arguments are required: answers"),
    (["draw", "--precision"], "chainrule draw", "expected one argument"),
    (["train", "--lr", "fast"], "chainrule train", "invalid float value: 'fast'"),
    (["vanishing", "--depths"], "chainrule vanishing", "expected one argument"),
])
def test_argparse_mistakes_are_one_line_and_exit_2(argv, command, words):
    code, out, err = run_cli(argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err            # one line: no usage block, no traceback
    assert err.startswith(f"{command}: error: ") and words in err
    assert f"(see '{command} --help')" in err


@pytest.mark.parametrize("argv,words", [
    (["explain", "--decimals", "99"], "--decimals must be between 0 and 12, got 99"),
    (["explain", "--steps", "0"], "--steps must be at least 1, got 0"),
    (["explain", "--max-scalar", "-1"], "--max-scalar must be 0 or more, got -1"),
    (["explain", "missing.toml"], "missing.toml: no such file"),
    (["explain", "model.txt"], "no such file"),
    (["check", "no-answers.txt"], "no-answers.txt: no such file"),
    (["train", "--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["train", "--test-fraction", "1"], "--test-fraction must be in [0, 1), got 1.0"),
    (["vanishing", "--depths", "abc"], "cannot read depths 'abc'"),
    (["draw", "-o", "net.png"], "give an output file ending in .svg"),
    (["graph", "-o", "g.txt"], "unknown graph format for g.txt"),
])
def test_command_mistakes_are_one_line_and_exit_2(tmp_path, argv, words):
    code, out, err = run_cli(argv, cwd=tmp_path)
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"chainrule {argv[0]}: error: ") and words in err
    assert list(tmp_path.iterdir()) == []       # a refused command writes nothing


def test_a_multi_line_reason_is_still_printed_on_one_line(tmp_path):
    model = tmp_path / "m.py"
    model.write_text("raise ValueError('first line\\nsecond line')\n")
    code, _, err = run_cli(["explain", str(model)])
    assert code == 2 and err.count("\n") == 1
    assert "ValueError: first line second line" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command_shows_an_example(command):
    code, out, err = run_cli([command, "--help"])
    assert code == 0 and err == ""
    assert out.startswith(f"usage: chainrule {command}")
    example = out.split("example:\n", 1)[1]
    assert f"  chainrule {command}" in example     # a runnable line, not just prose


def test_top_level_help_lists_every_command_and_an_example():
    code, out, _ = run_cli(["--help"])
    assert code == 0
    for command in COMMANDS:
        assert re.search(rf"^    {command}\b", out, re.M), command
    assert "example:\n  chainrule explain" in out


def test_no_arguments_prints_help_and_exits_2():      # issue 12: no command is a usage mistake
    code, out, _ = run_cli([])
    assert code == 2 and "usage: chainrule" in out


def test_an_unexpected_failure_is_one_line_exit_1_and_names_the_bug(monkeypatch):
    from chainrule.commands import explain

    def broken(args):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(explain, "run", broken)
    code, _, err = run_cli(["explain"])
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("chainrule explain: internal error: ZeroDivisionError: division by zero")
    assert "CHAINRULE_TRACEBACK=1" in err
    monkeypatch.setenv("CHAINRULE_TRACEBACK", "1")
    with pytest.raises(ZeroDivisionError):
        run_cli(["explain"])


def test_the_installed_command_exits_2_on_misuse():
    done = subprocess.run([sys.executable, "-m", "chainrule", "explain", "--steps", "x"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "chainrule explain: error: argument --steps: invalid int value: 'x' " \
                          "(see 'chainrule explain --help')\n"


def test_a_closed_output_pipe_stops_quietly():
    """`chainrule explain | head -1`: once the reader has gone, no traceback and no 'internal error'."""
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "explain"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()                  # the reader goes away before anything is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == 1 and err == ""


def test_train_out_that_is_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "runs").write_text("not a folder")
    code, _, err = run_cli(["train", "--dataset", "xor", "--epochs", "1", "--no-plots", "--no-progress",
                            "--out", "runs"], cwd=tmp_path)
    assert code == 2 and err == "chainrule train: error: cannot write to --out runs: File exists\n"
    assert (tmp_path / "runs").read_text() == "not a folder"


@pytest.mark.parametrize("make,words", [
    (lambda p: p.mkdir(), "answers.txt: a folder of submissions is graded against an answer key: add --key KEY"),
    (lambda p: p.write_bytes(b"z1 = 0.6\xff\n"), "answers.txt:1: not UTF-8 text"),
])
def test_check_answers_file_that_cannot_be_read(tmp_path, make, words):
    make(tmp_path / "answers.txt")
    code, _, err = run_cli(["check", "answers.txt"], cwd=tmp_path)
    assert code == 2 and err.startswith(f"chainrule check: error: {words}") and err.count("\n") == 1
