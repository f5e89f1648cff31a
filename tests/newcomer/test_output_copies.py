"""Items 4 and 5 of issue 12: numbers that copy, output that any console can take.

4. The text and HTML solutions write the minus sign as ASCII's hyphen-minus, as numpy and PyTorch do: a
   number copied out of them parses with ``float`` and ``grep -- -0.4452`` finds it.
5. A console whose encoding cannot carry the output (cp949, ascii, latin-1) gets an ASCII spelling of what
   it cannot show (``x1``, ``dL/dW5``, ``sigma1``, ``[ok]``, ``=``/``-`` rules) instead of a
   UnicodeEncodeError; ``--ascii`` asks for it; Korean where Hangul cannot be shown is a usage error.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import chainrule

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[+-]\d+)?")


def _cli(args, encoding, stdin=None, cwd=None, **env_vars):
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), **env_vars)
    env.pop("PYTHONUTF8", None)
    env.pop("PYTHONIOENCODING", None)
    if encoding is not None:
        env["PYTHONIOENCODING"] = encoding
    return subprocess.run([sys.executable, "-m", "chainrule", *args], env=env, capture_output=True,
                          timeout=300, cwd=cwd)


def _explain(*args):
    done = _cli(["explain", *args], "utf-8")
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


def test_text_solution_numbers_parse_in_python():
    text = _explain()
    assert "\u2212" not in text
    assert "= -0.1725 - 1 × 0.2727" in text and "= -0.4452" in text       # grep -- -0.4452 finds it
    numbers = NUMBER.findall(text)
    assert "-0.4452" in numbers and "-0.7197" in numbers
    assert [float(n) for n in numbers]                                        # every one parses


def test_korean_text_solution_uses_ascii_minus_too():
    text = _explain("--lang", "ko")
    assert "\u2212" not in text and "-0.4452" in text


def test_html_solution_numbers_copy_whole():
    for html in (_explain("--format", "html"), _explain("--format", "html", "--lang", "ko")):
        assert "\u2212" not in html
        assert "<mn>-0.4452</mn>" in html and "<mn>-0.7197</mn>" in html    # sign and digits in one <mn>


def test_negative_tensor_values_agree_with_the_tensor_repr():
    # the engine's own repr (like numpy's and PyTorch's) uses "-", so the solution agrees with print(tensor)
    assert "-0.5" in repr(chainrule.tensor([-0.5]))


def test_cp949_console_gets_the_korean_solution_with_ascii_rules():
    done = _cli(["explain", "--lang", "ko"], "cp949")
    assert done.returncode == 0, done.stderr.decode("cp949", "replace")
    out = done.stdout.decode("cp949")                         # the console decodes it without a fault
    assert "순전파" in out and "UnicodeEncodeError" not in done.stderr.decode("cp949", "replace")
    assert out.splitlines()[1] == "=" * len(out.splitlines()[1]) and "-0.4452" in out


def test_ascii_console_gets_an_ascii_spelling():
    done = _cli(["explain"], "ascii")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")
    assert "sigma1 = 1 / (1 + exp(-z1))" in out
    assert "dL/dW5" in out and "= -0.1725 - 1 x 0.2727" in out
    assert out.splitlines()[1].startswith("=====") and "\n--------\n" in out


def test_check_under_ascii_writes_ok_marks(tmp_path):
    answers = tmp_path / "a.txt"
    answers.write_text("z1 = 0.6478\ndL/dW5 = 0.2727\nW5(2) = -0.4452\n")
    done = _cli(["check", str(answers)], "ascii")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")
    assert out.count("[ok]") == 3, out


def test_ascii_flag_on_a_utf8_console_and_in_a_file(tmp_path):
    done = _cli(["explain", "--ascii"], "utf-8")
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0 and out.isascii() and "sigma3" in out and "y_hat" in out
    target = tmp_path / "sol.txt"
    done = _cli(["explain", "--ascii", "-o", str(target)], "utf-8")
    assert done.returncode == 0 and target.read_text("utf-8").isascii()
    done = _cli(["check", "--ascii", "--help"], "utf-8")
    assert done.returncode == 0 and "--ascii" in done.stdout.decode()


def test_latin1_console_and_help_never_raise():
    for args in (["explain", "--help"], ["vanishing", "--help"], ["train", "--help"], ["explain", "--form", "matrix"]):
        done = _cli(args, "latin-1")
        assert done.returncode == 0, (args, done.stderr)
        assert b"UnicodeEncodeError" not in done.stderr


def test_korean_where_hangul_cannot_be_shown_is_a_usage_error(tmp_path):
    done = _cli(["explain", "--lang", "ko"], "ascii")
    assert done.returncode == 2 and done.stdout == b""
    assert b"cannot show Korean" in done.stderr and b"PYTHONIOENCODING=utf-8" in done.stderr
    done = _cli(["explain", "--lang", "ko", "--ascii"], "utf-8")
    assert done.returncode == 2 and b"--ascii cannot spell Korean" in done.stderr
    target = tmp_path / "sol.md"                              # a file takes UTF-8 whatever the console
    done = _cli(["explain", "--lang", "ko", "--format", "markdown", "-o", str(target)], "ascii")
    assert done.returncode == 0, done.stderr
    assert "순전파" in target.read_text("utf-8")


def test_c_locale_and_a_pipe_work(tmp_path):
    for lang in ("en", "ko"):
        done = _cli(["explain", "--lang", lang], None, LANG="C", LC_ALL="C")    # stdout is a pipe here
        assert done.returncode == 0, done.stderr
        assert b"UnicodeEncodeError" not in done.stderr and b"-0.4452" in done.stdout
    done = _cli(["check", "--help"], None, LANG="C", LC_ALL="C")
    assert done.returncode == 0
