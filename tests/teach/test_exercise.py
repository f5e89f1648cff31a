"""exercise → solve with the engine → check --key gives full marks, for every kind and variant; the sheets
are written, reproducible per (seed, variant), and the LaTeX sheet compiles."""
import json
import os
import shutil
import subprocess

import pytest

from chainrule.teach import solve
from chainrule.teach.exercise import make
from chainrule.teach.key import load_key

from .helpers import run_cli, write

KINDS = [("mlp", []), ("mlp", ["--sizes", "2-3-2", "--activations", "tanh,sigmoid", "--loss", "mse", "--lr", "0.5",
                               "--batch", "2"]),
         ("mlp", ["--sizes", "3-2-3", "--activations", "relu", "--loss", "cross_entropy", "--lr", "0.1"]),
         ("mlp", ["--optimizer", "adam", "--lr", "0.1", "--weight-decimals", "2"]),
         ("graph", []), ("softmax", ["--sizes", "2-3"]), ("batchnorm", []), ("conv", []), ("rnn", [])]


@pytest.mark.parametrize("kind,extra", KINDS)
def test_exercise_solve_check_round_trip(tmp_path, kind, extra):
    out = tmp_path / "ex"
    code, text, err = run_cli("exercise", "--kind", kind, *extra, "--variants", "3", "--seed", "7", "-o", str(out))
    assert code == 0, err
    values = set()
    for k in (1, 2, 3):
        folder = out / f"variant-{k:02d}"
        for f in ("sheet.md", "sheet.html", "sheet.tex", "key.json"):
            assert (folder / f).is_file(), f
        key = load_key(str(folder / "key.json"))
        answers = solve(key.problem())                       # the engine, run on the key's own model
        sol = write(tmp_path, f"answers{k}.txt", "\n".join(f"{n} = {v}" for n, v in answers.items()) + "\n")
        code, text, err = run_cli("check", sol, "--key", str(folder / "key.json"))
        assert code == 0 and "All" in text and "correct" in text, text + err
        values.add(json.dumps(key.data["questions"]))
        sheet = (folder / "sheet.md").read_text()
        assert all(f"`{q['name']}`" in sheet for q in key.data["questions"])
    assert len(values) == 3                                   # per-student variants differ


def test_variants_are_reproducible():
    a = make("mlp", seed=3, variant=2)
    b = make("mlp", seed=3, variant=2)
    c = make("mlp", seed=3, variant=3)
    assert a.model_text == b.model_text and a.questions == b.questions and a.model_text != c.model_text


def test_a_missing_answer_is_marked_missing(tmp_path):
    run_cli("exercise", "-o", str(tmp_path / "ex"))
    code, out, _ = run_cli("check", write(tmp_path, "a.txt", "z1 = 0\n"), "--key", str(tmp_path / "ex" / "key.json"))
    assert code == 1 and "– dL/dW1: missing (the key asks for it)" in out


def test_hand_friendly_numbers():
    ex = make("mlp", seed=1, variant=1, sizes=(2, 3, 1))
    w = ex.describe["weights"]
    assert all(round(v, 1) == v for layer in w for row in layer for v in row)
    assert all(float(v).is_integer() for row in ex.describe["x"] for v in row)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("kind,lang", [("mlp", "en"), ("graph", "en"), ("rnn", "en"), ("mlp", "ko")])
def test_the_latex_sheet_compiles(tmp_path, kind, lang):
    code, _, err = run_cli("exercise", "--kind", kind, "--lang", lang, "-o", str(tmp_path))
    assert code == 0, err
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and os.path.getsize(tmp_path / "sheet.pdf") > 1000, done.stdout[-2000:]


def test_exercise_misuse(tmp_path):
    code, _, err = run_cli("exercise", "--sizes", "2-x", "-o", str(tmp_path))
    assert code == 2 and "--sizes: expected sizes such as 2-2-1" in err
    code, _, err = run_cli("exercise", "--activations", "swish", "-o", str(tmp_path))
    assert code == 2 and "unknown activation 'swish'" in err
    code, _, err = run_cli("exercise", "--kind", "model", "-o", str(tmp_path))
    assert code == 2 and "--kind model needs --model FILE" in err
    code, _, err = run_cli("check", write(tmp_path, "a.txt", "z1 = 1\n"), "--key", write(tmp_path, "k.json", "{}"))
    assert code == 2 and "not an answer key: the field schema must be 'chainrule-key/1'" in err
