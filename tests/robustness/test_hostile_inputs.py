"""Hostile inputs to the command line and to files (issue 11, "the command line and files").

Each item has its own test below; ``test_every_command_answers_hostile_input_within_2_s_and_200_MB``
runs them all in a fresh process each and measures what a user would wait for and what the machine
would pay: the command's wall time (the interpreter's start-up excluded) and the process's peak memory.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

import chainrule
from chainrule.io.serialization import MAX_TENSORS, SafetensorsFileError

from .helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]

TOML = """layers = {layers}
activations = {acts}
x = {x}
y = {y}
[loss]
name = "{loss}"
[optimizer]
name = "sgd"
lr = {lr}
"""


def model_toml(folder: Path, name: str, layers=(2, 2, 1), x="[[1, 1]]", y="[[0]]", loss="mse", lr="0.1") -> str:
    acts = json.dumps(["sigmoid"] * (len(layers) - 1))
    path = folder / name
    path.write_text(TOML.format(layers=list(layers), acts=acts, x=x, y=y, loss=loss, lr=lr), encoding="utf-8")
    return str(path)


def safetensors_bytes(header: dict, data: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


# -- check: bounded reading, control characters -----------------------------------------------------------

def test_check_reads_a_bounded_answers_file_dev_zero_is_refused():
    code, out, err = run_cli(["check", "/dev/zero"])
    assert code == 2 and "/dev/zero:1: too large for an answers file" in err and "\n" == err[-1] and err.count("\n") == 1


def test_check_refuses_an_answers_file_of_too_many_lines(tmp_path):
    p = tmp_path / "answers.txt"
    p.write_text("z1 = 0.5\n" * 20_000, encoding="utf-8")
    code, out, err = run_cli(["check", str(p)])
    assert code == 2 and "too large for an answers file" in err and "10000 lines" in err


def test_check_echoes_control_characters_escaped(tmp_path):
    p = tmp_path / "answers.txt"
    p.write_bytes(b"z1\x1b[31m = 0.5\nq\x00r = 1\n")
    code, out, err = run_cli(["check", str(p)])
    assert "\x1b" not in out + err and "\x00" not in out + err
    assert "z1\\x1b[31m" in out and "q\\x00r" in out


def test_check_escapes_control_characters_in_its_error_lines(tmp_path):
    p = tmp_path / "answers.txt"
    p.write_bytes(b"w\x1b]0;pwned\x07 = one\n")
    code, out, err = run_cli(["check", str(p)])
    assert code == 2 and "\x1b" not in err and "\x07" not in err and "\\x1b" in err


# -- load: bounded work per header byte -------------------------------------------------------------------

def test_load_refuses_millions_of_tensors_quickly(tmp_path):
    path = tmp_path / "many.safetensors"
    header = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(200_000)}
    path.write_bytes(safetensors_bytes(header))
    start = time.perf_counter()
    with pytest.raises(SafetensorsFileError, match=f"lists 200000 tensors, more than the {MAX_TENSORS}"):
        chainrule.load(str(path))
    assert time.perf_counter() - start < 2


def test_load_refuses_a_header_of_a_million_json_values(tmp_path):
    path = tmp_path / "nested.safetensors"
    path.write_bytes(safetensors_bytes({"__metadata__": {"chainrule.structure": json.dumps([[]] * 2_000_000)}}))
    with pytest.raises(SafetensorsFileError, match="JSON values, more than the"):
        chainrule.load(str(path))


def test_load_refuses_a_huge_header_claim_without_reading_it(tmp_path):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 83_000_000) + b"{" + b" " * 1000)
    with pytest.raises(SafetensorsFileError, match="byte limit"):
        chainrule.load(str(path))


def test_load_of_a_device_does_not_read_without_end():
    start = time.perf_counter()
    with pytest.raises(SafetensorsFileError, match="/dev/zero: corrupted header"):
        chainrule.load("/dev/zero")
    assert time.perf_counter() - start < 2


def test_load_of_a_pipe_reads_only_what_the_header_describes(tmp_path):
    """A header claiming a terabyte over a pipe: refused as truncated, without allocating the terabyte."""
    import threading
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    data = safetensors_bytes({"a": {"dtype": "F32", "shape": [250_000_000_000],
                                    "data_offsets": [0, 1_000_000_000_000]}}, b"\0" * 100)

    def writer():
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as f:
            f.write(data)

    threading.Thread(target=writer, daemon=True).start()
    start = time.perf_counter()
    with pytest.raises(SafetensorsFileError, match="truncated: tensor 'a' ends at byte 1000000000000"):
        chainrule.load(str(fifo))
    assert time.perf_counter() - start < 2


def test_load_still_reads_a_file_at_the_bounds(tmp_path):
    path = tmp_path / "ok.safetensors"
    chainrule.save({f"t{i}": chainrule.zeros(1) for i in range(50)}, str(path))
    assert len(chainrule.load(str(path))) == 50


# -- explain: model-file values -------------------------------------------------------------------------

def test_explain_a_deep_sigmoid_network_whose_gradients_underflow():
    """400 sigmoid layers of 150 units: gradients near the input are subnormal (5e-324); writing them down
    divided by 10**-324 == 0.0 (ZeroDivisionError in render/numbers.py)."""
    from chainrule.explain.render.numbers import carried, plain, split
    assert carried(5e-324, 4) == 5e-324 and carried(-1.23456e-310, 4) == -1.2346e-310
    assert split(5e-324, 4) == (False, "4.9407", -324) and plain(1e-310, 4) == "1.0000e-310"
    assert carried(3.14159e-6, 4) == 3.1416e-06      # the ordinary case is unchanged


def test_explain_writes_a_subnormal_value_instead_of_dividing_by_zero(tmp_path):
    """The quick form of the 400-layer case: an input of 5e-324 is written (and carried) as 4.9407×10⁻³²⁴;
    before the fix explain failed with ZeroDivisionError in render/numbers.py."""
    p = tmp_path / "tiny.toml"
    p.write_text('layers = [2, 2, 1]\nactivations = ["sigmoid", "sigmoid"]\ndtype = "float64"\n'
                 'x = [[5e-324, 1]]\ny = [[0]]\n', encoding="utf-8")
    for hand in ([], ["--hand"]):
        code, out, err = run_cli(["explain", str(p), *hand])
        assert code == 0 and "4.9407" in out and "internal error" not in err, err


@pytest.mark.parametrize("field, kw, message", [
    ("x", dict(x="[[1e39, 1]]"), "field 'x' holds 1e+39, larger than the 1e+06"),
    ("y", dict(y="[[1e308]]"), "field 'y' holds 1e+308, larger than the 1e+06"),
    ("y", dict(y="[[7]]", loss="bce"), "field 'y' holds 7; the bce loss needs targets between 0 and 1"),
    ("optimizer.lr", dict(lr="1e308"), "field 'optimizer.lr' = 1e+308 is larger than the 1e+06"),
])
def test_explain_model_file_values_that_overflow_are_model_file_errors(tmp_path, field, kw, message):
    path = model_toml(tmp_path, "m.toml", **kw)
    code, out, err = run_cli(["explain", path])
    assert code == 2 and message in err and "internal error" not in err, err


def test_explain_model_file_whose_forward_pass_overflows(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text('layers = [1, 1, 1, 1, 1]\nactivations = ["identity", "identity", "identity", "identity"]\n'
                 'x = [[1000000]]\ny = [[0]]\n[init]\nweights = [[[1e6]], [[1e6]], [[1e6]], [[1e6]]]\n'
                 'biases = [[0], [0], [0], [0]]\n', encoding="utf-8")
    code, out, err = run_cli(["explain", str(p)])
    assert code == 2 and "the loss is inf, not a finite number" in err, err


def test_explain_steps_is_bounded():
    code, out, err = run_cli(["explain", "--steps", "1000000000000"])
    assert code == 2 and "--steps must be at most 10000, got 1000000000000" in err
    code, out, err = run_cli(["check", "/dev/null", "--steps", "1000000000000"])
    assert code == 2 and "--steps must be at most 10000" in err


def test_a_utf8_bom_at_the_start_of_a_toml_model_file_is_accepted(tmp_path):
    path = model_toml(tmp_path, "bom.toml")
    Path(path).write_bytes(b"\xef\xbb\xbf" + Path(path).read_bytes())
    code, out, err = run_cli(["explain", path])
    assert code == 0, err


def test_a_model_file_that_is_a_device_is_refused(tmp_path):
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    for command in ("explain", "draw", "graph", "train"):
        code, out, err = run_cli([command, str(link)], cwd=tmp_path)
        assert code == 2 and "too large for a model file" in err, (command, err)


# -- train: datasets and checkpoints -----------------------------------------------------------------------

def test_a_csv_value_beyond_float32_is_a_dataset_error_naming_file_line_and_column(tmp_path):
    p = tmp_path / "big.csv"
    p.write_text("a,b,label\n1,2,0\n3,1e308,1\n0,1,0\n", encoding="utf-8")
    code, out, err = run_cli(["train", "--dataset", str(p), "--out", str(tmp_path / "run"), "--no-plots",
                              "--epochs", "1", "--no-progress"])
    assert code == 2 and "big.csv, line 3, column 2: '1e308' is too large for float32" in err, err
    assert "smaller --lr" not in err


def test_train_dataset_dev_zero_and_huge_generated_sizes_are_refused(tmp_path):
    for extra, message in ((["--dataset", "/dev/zero"], "larger than 50 MB"),
                           (["--n", "1000000000000"], "--n must be between 1 and 1,000,000"),
                           (["--noise", "1e308"], "--noise must be between 0 and 100")):
        code, out, err = run_cli(["train", *extra, "--out", str(tmp_path / "run"), "--no-plots", "--epochs", "1"])
        assert code == 2 and message in err, (extra, err)


def test_a_killed_checkpoint_write_leaves_no_temporary_file_for_good(tmp_path):
    """A process killed (SIGKILL) inside the atomic write of latest.json leaves its .tmp; the next resume
    (and the next save) removes it."""
    ck = tmp_path / "run" / "checkpoints"
    code, out, err = run_cli(["train", "--out", str(tmp_path / "run"), "--no-plots", "--epochs", "1",
                              "--no-progress", "--n", "40"])
    assert code == 0, err
    killer = (f"import os, signal\nfrom chainrule.io.atomic import atomic_write\n"
              f"with atomic_write({str(ck / 'latest.json')!r}, 'w') as f:\n"
              f"    f.write('{{half')\n    f.flush()\n    os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", killer], env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == -signal.SIGKILL
    stale = [f for f in os.listdir(ck) if f.endswith(".tmp")]
    assert stale and stale[0].startswith(".latest.json.")
    code, out, err = run_cli(["train", "--out", str(tmp_path / "run"), "--no-plots", "--epochs", "2",
                              "--no-progress", "--n", "40", "--resume"])
    assert code == 0, err
    assert not [f for f in os.listdir(ck) if f.endswith(".tmp")]


def test_a_hostile_latest_json_is_refused_without_reading_it_all(tmp_path):
    ck = tmp_path / "run" / "checkpoints"
    ck.mkdir(parents=True)
    (ck / "latest.json").symlink_to("/dev/zero")
    code, out, err = run_cli(["train", "--out", str(tmp_path / "run"), "--no-plots", "--resume", "--n", "40"])
    assert code == 2 and "latest.json is damaged: larger than 4 MB" in err, err


# -- every command, in its own process: within 2 s and 200 MB, exit 2 ------------------------------------

RUNNER = r"""
import contextlib, io, json, sys, time
import chainrule, chainrule.cli, chainrule.explain, chainrule.viz.training, chainrule.viz.vanishing
from chainrule.io.serialization import SafetensorsFileError
cases, report = json.loads(sys.argv[1]), sys.argv[2]


def peak_mb():
    # VmHWM, not ru_maxrss: ru_maxrss carries the forking parent's peak across exec
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024


results = []
for name, argv in cases:
    err = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        if argv[0] == "load":
            try:
                chainrule.load(argv[1]); code = 0
            except SafetensorsFileError as e:
                code = 2; print(e, file=sys.stderr)
        else:
            code = chainrule.cli.main(argv)
    results.append({"name": name, "code": code, "seconds": time.perf_counter() - start, "peak_mb": peak_mb(),
                    "stderr": err.getvalue()[-300:]})
    open(report, "w").write(json.dumps(results))
"""


def hostile_cases(folder: Path):
    """(name, argv) for hostile input to every command and to load."""
    (folder / "zero.toml").symlink_to("/dev/zero")
    (folder / "zero.py").symlink_to("/dev/zero")
    answers = folder / "answers.txt"
    answers.write_text("z1 = 0.5\n", encoding="utf-8")
    many = folder / "many.safetensors"
    many.write_bytes(safetensors_bytes({f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
                                        for i in range(200_000)}))
    nested = folder / "nested.safetensors"
    nested.write_bytes(safetensors_bytes({"__metadata__": {"chainrule.structure": "[" + "[]," * 1_000_000 + "[]]"}}))
    claim = folder / "claim.safetensors"
    claim.write_bytes(struct.pack("<Q", 15_000_000) + b"{" + b"[" * 100_000)
    big_csv = folder / "big.csv"
    big_csv.write_text("a,b,label\n1,2,0\n1e308,1,1\n", encoding="utf-8")
    ck = folder / "resume" / "checkpoints"
    ck.mkdir(parents=True)
    (ck / "latest.json").symlink_to("/dev/zero")
    out = str(folder / "out")
    return [
        ("check /dev/zero", ["check", "/dev/zero"]),
        ("check --steps 1e12", ["check", str(answers), "--steps", "1000000000000"]),
        ("check --model zero.toml", ["check", str(answers), "--model", str(folder / "zero.toml")]),
        ("explain zero.toml", ["explain", str(folder / "zero.toml")]),
        ("explain zero.py", ["explain", str(folder / "zero.py")]),
        ("explain --steps 1e12", ["explain", "--steps", "1000000000000"]),
        ("explain x = 1e39", ["explain", model_toml(folder, "x39.toml", x="[[1e39, 1]]")]),
        ("explain y = 1e308", ["explain", model_toml(folder, "y308.toml", y="[[1e308]]")]),
        ("explain bce target 7", ["explain", model_toml(folder, "bce7.toml", y="[[7]]", loss="bce")]),
        ("explain lr = 1e308", ["explain", model_toml(folder, "lr.toml", lr="1e308")]),
        ("explain layers of 10M", ["explain", model_toml(folder, "wide.toml", layers=(2, 20_000_000, 1))]),
        ("draw zero.toml", ["draw", str(folder / "zero.toml"), "-o", str(folder / "n.svg")]),
        ("graph zero.py", ["graph", str(folder / "zero.py"), "-o", str(folder / "g.dot")]),
        ("train --dataset /dev/zero", ["train", "--dataset", "/dev/zero", "--out", out, "--no-plots"]),
        ("train --dataset big.csv", ["train", "--dataset", str(big_csv), "--out", out, "--no-plots"]),
        ("train --n 1e12", ["train", "--n", "1000000000000", "--out", out, "--no-plots"]),
        ("train zero.toml", ["train", str(folder / "zero.toml"), "--out", out, "--no-plots"]),
        ("train --resume latest.json -> /dev/zero", ["train", "--resume", "--out", str(folder / "resume"),
                                                     "--no-plots", "--n", "40"]),
        ("vanishing --width 1e8", ["vanishing", "--width", "100000000", "-o", "none"]),
        ("vanishing --batch 1e8", ["vanishing", "--batch", "100000000", "-o", "none"]),
        ("vanishing --depths 1..1e8", ["vanishing", "--depths", "1..100000000", "-o", "none"]),
        ("load 200k tensors", ["load", str(many)]),
        ("load 2M JSON values", ["load", str(nested)]),
        ("load header claim 15 MB", ["load", str(claim)]),
        ("load /dev/zero", ["load", "/dev/zero"]),
    ]


def test_every_command_answers_hostile_input_within_2_s_and_200_MB(tmp_path):
    """All cases in one fresh process (one start-up): each answered with exit 2 in under 2 s, and the
    process's peak memory, over all of them, under 200 MB."""
    cases = hostile_cases(tmp_path)
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(cases), str(report)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    results = json.loads(report.read_text()) if report.exists() else []
    assert len(results) == len(cases), (f"stopped after {results[-1]['name'] if results else 'start-up'} "
                                        f"(exit {proc.returncode}): {proc.stderr[-500:]}")
    problems = []
    for r in results:
        if r["code"] != 2 or "internal error" in r["stderr"] or "Traceback" in r["stderr"]:
            problems.append(f"{r['name']}: exit {r['code']}: {r['stderr']}")
        if r["seconds"] >= 2:
            problems.append(f"{r['name']}: answered after {r['seconds']:.2f} s")
        if r["peak_mb"] >= 200:
            problems.append(f"{r['name']}: peak memory {r['peak_mb']:.0f} MB")
    assert not problems, "\n".join(problems)
