"""docs/errors.md stays true: every entry names a test that exists, quotes a message the source still
raises, and every exception type the source raises is listed.  Below that: triggers for catalogued
errors that are only reachable through a model file or the command line.
"""
from __future__ import annotations

import ast
import builtins
import re
import sys
from pathlib import Path

import pytest

from .helpers import run_cli
from .test_error_triggers import CASES

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "docs" / "errors.md"
SRC = ROOT / "src" / "chainrule"
CODE_SPAN = re.compile(r"``\s?(.+?)\s?``|`([^`]+)`")


def entries():
    """(line number, type, message cell, test) for every row of the area tables."""
    rows = []
    for n, line in enumerate(CATALOGUE.read_text(encoding="utf-8").splitlines(), start=1):
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("| `") and len(cells) == 5:
            rows.append((n, cells[0].strip("`"), cells[1], cells[4].strip("`")))
    return rows


def fragments(message_cell: str):
    """The literal pieces of an abridged message: code spans, split at '…'."""
    for a, b in CODE_SPAN.findall(message_cell):
        for piece in (a or b).split("…"):
            piece = piece.strip()
            if len(piece) >= 4:
                yield piece


def span_patterns(message_cell: str):
    """Each code span as a test of a message ('…' matches anything): a span of 12 literal characters or
    more may match part of it; a shorter one (`dot failed: …`) must match all of it."""
    for a, b in CODE_SPAN.findall(message_cell):
        text = a or b
        pieces = [p.strip() for p in text.split("…")]
        regex = re.compile(".*?".join(re.escape(p) for p in pieces if p), re.S)
        if sum(len(p) for p in pieces) >= 12:
            yield regex.search
        else:
            whole = re.compile(".*".join(re.escape(p) for p in text.split("…")), re.S)
            yield lambda m, whole=whole: whole.fullmatch(m.replace("\0", "…"))


def source_text() -> str:
    """Every string literal in src, implicit concatenations joined, each {placeholder} as a NUL."""
    texts = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                texts.append("".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.append(node.value)
    return "\n".join(texts)


def defined_classes() -> dict:
    """Exception classes defined in src: name -> base names."""
    found = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found[node.name] = [ast.unparse(b).split(".")[-1] for b in node.bases]
    return found


def raised_types() -> dict:
    """Exception type name -> first 'file:line' raising it, for every `raise X(...)` in src."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = ast.unparse(target).split(".")[-1]
                if name[:1].isupper():      # not a re-raised variable or an error-building helper
                    found.setdefault(name, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


ENTRIES = entries()


def test_the_catalogue_has_entries_for_every_area():
    text = CATALOGUE.read_text(encoding="utf-8")
    for area in ("## Tensors", "## Autograd", "## nn", "## Losses", "## Optimizers", "## Data", "## Files",
                 "## explain", "## train", "## Command line", "## Fuzzing"):
        assert area in text
    assert len(ENTRIES) > 150


@pytest.mark.parametrize("line,error,message,test", ENTRIES, ids=[f"line{e[0]}" for e in ENTRIES])
def test_each_entry_names_an_existing_test(line, error, message, test):
    path, _, name = test.partition("::")
    name, _, case = name.partition("[")
    file = ROOT / path
    assert file.is_file(), f"docs/errors.md:{line}: {path} does not exist"
    tree = ast.parse(file.read_text(encoding="utf-8"))
    functions = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    assert name in functions, f"docs/errors.md:{line}: {path} has no test {name}"
    if case:
        assert path.endswith("test_error_triggers.py"), f"docs/errors.md:{line}: only trigger ids are checked"
        case = case.rstrip("]")
        assert case in CASES, f"docs/errors.md:{line}: no trigger '{case}'"
        assert CASES[case][0].__name__ == error, f"docs/errors.md:{line}: '{case}' raises {CASES[case][0].__name__}"


SOURCE = source_text()


@pytest.mark.parametrize("line,error,message,test", ENTRIES, ids=[f"line{e[0]}" for e in ENTRIES])
def test_each_entry_quotes_a_message_the_source_raises(line, error, message, test):
    pieces = list(fragments(message))
    assert pieces, f"docs/errors.md:{line}: no quoted message"
    missing = [p for p in pieces if p not in SOURCE]
    assert not missing, f"docs/errors.md:{line}: no longer in src/chainrule (was the message changed?): {missing}"


def test_every_raised_exception_type_is_catalogued_and_every_catalogued_type_exists():
    listed = {e[1] for e in ENTRIES}
    classes = defined_classes()
    raised = raised_types()
    missing = {name: where for name, where in raised.items() if name not in listed}
    assert not missing, f"raised but not in docs/errors.md: {missing}"
    for name in listed:
        assert name in classes or isinstance(getattr(builtins, name, None), type), name
    for name, bases in classes.items():     # chainrule's own errors are ValueError/RuntimeError subclasses
        if name in listed and name != "UsageError":
            assert set(bases) & {"ValueError", "RuntimeError"}, (name, bases)


#: raise sites whose message no entry quotes, and why (by the function raising, or by the message)
NOT_QUOTED = {
    "E.broadcast_error": "a helper that builds the catalogued broadcast message",
    "broadcast_error": "a helper that builds the catalogued broadcast message",
    "GraphvizNotInstalled": "its message is the MISSING_DOT text, which is quoted",
    "\0: \0: \0": "a model file's own exception, after its file and line (catalogued in prose)",
    "\0: \0": "chainrule run: the shim's own message (catalogued) after the script's file and line",
    "message \0 is missing from locales/\0.toml": "a translation missing from a locale file: a chainrule bug",
    "the model has no Linear layer: nothing to explain": "defensive: the layer checks before it refuse first",
    "Cannot assign non-leaf Tensor to parameter '\0'. Model parameters must be created explicitly. To express "
    "'\0' as a function of another Tensor, compute the value in the forward() method.":
        "defensive (PyTorch parity): an nn.Parameter is always a leaf",
}


def _message(call: ast.Call) -> str:
    """The literal text of the first argument: f-strings with NUL placeholders, plain strings as they are."""
    texts, inner = [], set()
    for sub in ast.walk(call.args[0]) if call.args else ():
        if isinstance(sub, ast.JoinedStr):
            texts.append("".join(v.value if isinstance(v, ast.Constant) else "\0" for v in sub.values))
            inner.update(id(v) for v in ast.walk(sub))
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and id(sub) not in inner:
            texts.append(sub.value)
    return " ".join(texts)


def test_every_raise_site_with_a_message_is_quoted_by_an_entry():
    quoted = [p for e in ENTRIES for p in span_patterns(e[2])]     # short spans would match too much
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            message = _message(node.exc)
            func = ast.unparse(node.exc.func)
            if not message or any(matches(message) for matches in quoted):
                continue
            if func in NOT_QUOTED or message in NOT_QUOTED:
                continue
            missing.append(f"src/chainrule/{rel}:{node.lineno}: {message[:80]!r}")
    assert not missing, ("these messages have no row in docs/errors.md; add a row (type | message with … for "
                         "the variable parts | cause | fix | the test that raises it) or quote them in an "
                         "existing row:\n" + "\n".join(missing))


# -- catalogued errors reached through a model file or the command line -----------------------------------

def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


TOML_BASE = 'layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\n'


@pytest.mark.parametrize("name,text,words", [
    ("m.txt", "x", "expected a Python (.py) or TOML (.toml) model file"),
    ("m.toml", "x = [[1, 1]]\n", "missing field 'layers'"),
    ("m.toml", "layers = [2]\nx = [[1, 1]]\n", "field 'layers' must list at least two positive integers"),
    ("m.toml", 'layers = [2, 1]\nactivations = ["relu", "relu"]\nx = [[1, 1]]\ny = [[0]]\n',
     "field 'activations' must list 1 names"),
    ("m.toml", TOML_BASE + 'dtype = "float16"\n', "field 'dtype' must be \"float32\" or \"float64\", got 'float16'"),
    ("m.toml", TOML_BASE + "seed = 1.5\n", "field 'seed' must be a non-negative integer, got 1.5"),
    ("m.toml", 'layers = [2, 1]\nx = [["a", 1]]\ny = [[0]]\n', "field 'x' must be numbers"),
    ("m.toml", 'layers = [2, 1]\nx = [[1, 1, 1]]\ny = [[0]]\n', "field 'x' has shape [1, 3], expected [1, 2]"),
    ("m.toml", TOML_BASE + "[init]\nweights = [[[1, 2]], [[3]]]\n", "field 'init.weights' must hold 1 matrices"),
    ("m.toml", TOML_BASE + "init = 3\n", "'init' must be a table with 'weights' and 'biases'"),
    ("m.toml", TOML_BASE + '[loss]\nname = "hinge"\n', "loss.name = 'hinge' is not known: expected one of bce"),
    ("m.toml", TOML_BASE + '[loss]\nname = "mse"\nreduction = "none"\n', "loss.reduction must be \"mean\" or \"sum\""),
    ("m.toml", 'layers = [2, 3]\nx = [[1, 1]]\ny = [0.5]\n[loss]\nname = "cross_entropy"\n',
     "field 'y' must list 1 class indices"),
    ("m.toml", 'layers = [2, 3]\nx = [[1, 1]]\ny = [3]\n[loss]\nname = "cross_entropy"\n',
     "field 'y' has a class index outside 0..2"),
    ("m.toml", TOML_BASE + '[optimizer]\nname = "rmsprop"\nlr = 1\n', "optimizer.name = 'rmsprop' is not known"),
    ("m.toml", TOML_BASE + '[optimizer]\nname = "sgd"\nlr = 1\nbetas = [0.9, 0.99]\n',
     "optimizer field 'betas' is not an option of sgd"),
    ("m.toml", TOML_BASE + '[optimizer]\nname = "sgd"\nlr = 1\nmomentum = -1\n', "[optimizer]: Invalid momentum value"),
    ("m.py", "import torch\nraise SystemExit(3)\n", "the file called exit() while it was being loaded"),
])
def test_model_file_errors_through_the_cli(tmp_path, name, text, words):
    path = _write(tmp_path, name, text)
    code, out, err = run_cli(["explain", path])
    assert code == 2 and out == "", err
    assert err.startswith(f"chainrule explain: error: {path}") and err.count("\n") == 1
    assert words in err


MODEL_PY = """import torch
from torch import nn, optim
model = {model}
criterion = nn.BCELoss()
optimizer = {optimizer}
x = torch.ones(1, 2)
y = torch.zeros(1, 1)
"""


def test_a_parameter_missing_from_the_optimizer_is_explained(tmp_path):
    """Issue 10: explain shows the step with the frozen parameters listed as not updated; check (issue 14)
    marks a solution of it on the same recorded graph."""
    path = _write(tmp_path, "m.py", MODEL_PY.format(
        model="nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())",
        optimizer="optim.SGD(model[2].parameters(), lr=1)"))
    code, out, err = run_cli(["explain", path])
    assert code == 0, err
    assert "Not updated by this step" in out and "not in the optimizer's parameters" in out
    code, out, err = run_cli(["check", _write(tmp_path, "a.txt", "z1 = 0.5\n"), "--model", path])
    assert code == 1 and "✗ z1 = 0.5" not in out and "? z1: not a quantity of this step" in out, err


@pytest.mark.parametrize("model", ["nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Tanh())",
                                   "nn.Sequential(nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())"])
def test_explain_explains_models_outside_the_layered_form(tmp_path, model):
    path = _write(tmp_path, "m.py", MODEL_PY.format(
        model=model, optimizer="optim.SGD(list(model.parameters()) or [torch.zeros(1, requires_grad=True)], lr=1)"))
    code, out, err = run_cli(["explain", path])
    assert code == 0 and "computational graph" in out, err


def test_verify_torch_without_pytorch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)     # import torch now fails as if not installed
    code, out, err = run_cli(["explain", "--verify-torch"])
    assert code == 2 and out == ""
    assert "--verify-torch needs PyTorch, which is not installed (pip install torch)" in err


@pytest.mark.parametrize("text,words", [
    ("z1 0.6478\n", "a.txt:1: expected `name = value`, got 'z1 0.6478'"),
    ("z1 = about 0.6\n", "a.txt:1: the value of z1 must be a number, got 'about 0.6'"),
    ("# nothing\n", "no `name = value` lines found"),
])
def test_check_answer_file_errors(tmp_path, text, words):
    code, _, err = run_cli(["check", _write(tmp_path, "a.txt", text)])
    assert code == 2 and words in err and err.count("\n") == 1


def test_decision_boundary_needs_two_features():
    import numpy as np
    from chainrule.viz import plots
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="a decision boundary needs 2-D inputs; these have 3 features"):
        plots.plot_decision_boundary(lambda X: X[:, 0], np.zeros((4, 3)), np.zeros(4, dtype=int))


def test_dot_failure_is_reported(monkeypatch, tmp_path):
    import subprocess
    import chainrule
    from chainrule.viz import graph

    class Failed:
        returncode, stdout, stderr = 1, b"", b"syntax error in line 1"
    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Failed())
    monkeypatch.setitem(sys.modules, "graphviz", None)      # the path that runs dot itself
    x = chainrule.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="dot failed: syntax error in line 1"):
        graph.make_dot((x * 2).sum()).pipe("svg")


def test_unknown_attributes_name_the_module():
    import chainrule
    with pytest.raises(AttributeError, match="module 'chainrule' has no attribute 'cuda_is_fast'"):
        chainrule.cuda_is_fast
    with pytest.raises(AttributeError, match="module 'chainrule.viz' has no attribute 'nothing'"):
        chainrule.viz.nothing


@pytest.mark.parametrize("argv,words", [
    (["--activations", ","], "--activations needs at least one name"),
    (["--width", "0"], "--width and --batch must be at least 1"),
    (["--depths", "2,300"], "depth 300 is more than this study needs (at most 200)"),
])
def test_vanishing_option_mistakes(argv, words):
    code, _, err = run_cli(["vanishing", "-o", "none", *argv])
    assert code == 2 and words in err and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["explain", "-o", "{missing}/out.txt"], ["explain", "-o", "{folder}"],
                                  ["draw", "-o", "{missing}/net.svg"], ["graph", "-o", "{missing}/g.dot"],
                                  ["vanishing", "--depths", "2", "--width", "4", "--batch", "8", "-o",
                                   "{missing}/v.svg"],
                                  ["vanishing", "--depths", "2", "--width", "4", "--batch", "8", "-o", "none",
                                   "--json", "{folder}"]])
def test_outputs_that_cannot_be_written(tmp_path, argv):
    argv = [a.format(missing=tmp_path / "missing", folder=tmp_path) for a in argv]
    code, out, err = run_cli(argv)
    assert code == 2, err
    assert err.startswith(f"chainrule {argv[0]}: error: cannot write ") and err.count("\n") == 1
    assert err.count("cannot write") == 1, err         # the reason is not repeated
    assert sorted(p.name for p in tmp_path.iterdir()) == []
