"""Item 7 of issue 12: the flags agree across commands.

-o FILE picks the format from its extension (an explicit --format wins, a contradiction is an error),
-o - is standard output, one name for the decimals (--decimals; draw's --precision still works, with a
warning), `chainrule` alone prints the help and exits 2, every --help shows the defaults, and every
command that writes words takes --lang.
"""
from __future__ import annotations

import json
import re
import shutil

import pytest

from .helpers import run_cli


@pytest.mark.parametrize("name,starts", [("sol.html", "<!DOCTYPE html>"), ("sol.md", "# One training step"),
                                         ("sol.tex", "\\documentclass"), ("sol.txt", "One training step")])
def test_explain_picks_the_format_from_the_extension(tmp_path, name, starts):
    code, _, err = run_cli(["explain", "-o", name], cwd=tmp_path)
    assert code == 0, err
    assert (tmp_path / name).read_text(encoding="utf-8").lstrip().startswith(starts)


def test_an_explicit_format_wins_and_a_contradiction_is_an_error(tmp_path):
    code, _, err = run_cli(["explain", "--format", "markdown", "-o", "solution"], cwd=tmp_path)
    assert code == 0 and (tmp_path / "solution").read_text(encoding="utf-8").startswith("# "), err
    for argv in (["explain", "--format", "latex", "-o", "sol.html"], ["graph", "--format", "svg", "-o", "g.dot"],
                 ["vanishing", "--depths", "2", "--width", "2", "--batch", "2", "--format", "svg", "-o", "v.png"]):
        code, out, err = run_cli(argv, cwd=tmp_path)
        assert code == 2 and "does not match the file name" in err and err.count("\n") == 1, (argv, err)
    code, _, err = run_cli(["explain", "-o", "sol.pdf"], cwd=tmp_path)
    assert code == 2 and "cannot tell the format of sol.pdf from its extension '.pdf'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solution"]


@pytest.mark.parametrize("argv,starts", [
    (["explain", "-o", "-"], "One training step"),
    (["explain", "--format", "html", "-o", "-"], "<!DOCTYPE html>"),
    (["draw", "-o", "-"], "<svg"),
    (["graph", "-o", "-"], "digraph"),
])
def test_dash_is_standard_output(tmp_path, argv, starts):
    code, out, err = run_cli(argv, cwd=tmp_path)
    assert code == 0, err
    assert out.lstrip().startswith(starts)
    assert list(tmp_path.iterdir()) == [] and "wrote" not in out


def test_vanishing_writes_its_plot_to_standard_output_and_its_report_to_stderr(tmp_path):
    pytest.importorskip("matplotlib")
    code, out, err = run_cli(["vanishing", "--depths", "2", "--width", "2", "--batch", "2", "--format", "svg",
                              "-o", "-"], cwd=tmp_path)
    assert code == 0, err
    assert "<svg" in out[:400] and "first layer / last layer" in err
    code, out, err = run_cli(["vanishing", "--depths", "2", "--width", "2", "--batch", "2", "-o", "none",
                              "--json", "-"], cwd=tmp_path)
    assert code == 0 and json.loads(out)["width"] == 2, err
    assert list(tmp_path.iterdir()) == []


def test_graph_picks_svg_from_the_extension(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (scripts/test.sh installs it)")
    code, _, err = run_cli(["graph", "-o", "g.svg"], cwd=tmp_path)
    assert code == 0 and (tmp_path / "g.svg").read_text().lstrip().startswith("<?xml"), err


def test_one_name_for_the_decimals_and_the_old_one_still_works(tmp_path):
    for command in ("explain", "draw"):
        _, out, _ = run_cli([command, "--help"])
        assert "--decimals D" in out and "--precision" not in out, command
    code, out, err = run_cli(["draw", "--decimals", "2", "-o", "-"], cwd=tmp_path)
    assert code == 0 and ">0.65<" in out.replace("</tspan>", "<"), err       # z1's σ, 2 decimals
    code, old, err = run_cli(["draw", "--precision", "2", "-o", "-"], cwd=tmp_path)
    assert code == 0 and old == out
    assert err == "chainrule draw: warning: --precision is deprecated; use --decimals\n"


def test_chainrule_alone_prints_the_help_and_exits_2():
    code, out, err = run_cli([])
    assert code == 2
    assert "usage: chainrule" in out and "explain" in out
    assert err.startswith("chainrule: error: no command given") and err.count("\n") == 1


def test_train_help_shows_every_default():
    _, out, _ = run_cli(["train", "--help"])
    options = out.split("options:", 1)[1].split("example:", 1)[0]
    entries = re.split(r"\n  (?=-)", options)
    for flag, default in [("--dataset", "moons"), ("--epochs", "30"), ("--lr", "0.01"), ("--batch-size", "32"),
                          ("--seed", "0"), ("--optimizer", "adam"), ("--test-fraction", "0.2"),
                          ("--out", "runs/train"), ("--lang", "en")]:
        entry = " ".join(next(e for e in entries if e.startswith(flag + " ")).split())
        assert f"(default: {default})" in entry, entry


@pytest.mark.parametrize("argv,english,korean", [
    (["train", "--dataset", "xor", "--epochs", "1", "--no-plots", "--no-progress", "--out", "run"],
     "train accuracy", "학습 정확도"),
    (["graph", "-o", "g.dot"], "wrote g.dot", "g.dot 파일을 썼습니다"),
    (["vanishing", "--depths", "2", "--width", "2", "--batch", "2", "-o", "none"], "first layer / last layer",
     "첫 층 / 마지막 층"),
])
def test_every_command_that_writes_words_takes_lang(tmp_path, argv, english, korean):
    code, out, err = run_cli(argv, cwd=tmp_path)
    assert code == 0 and english in out, err
    code, out, err = run_cli(argv + ["--lang", "ko"], cwd=tmp_path)
    assert code == 0 and korean in out and english not in out, err
