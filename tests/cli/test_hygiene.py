"""Item 11 of issue 12: repository hygiene.

bench/run.py says what it needs instead of a traceback and writes no tracked file unless asked; a
regenerated picture is byte-identical when nothing changed; every package-data entry ships a file;
ruff runs in CI with the project's settings and the tree passes it.
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import time

import pytest

from .helpers import SRC

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    import tomli as tomllib

ROOT = os.path.dirname(SRC)
BENCH = os.path.join(ROOT, "bench", "run.py")


def _bench(args, blocked=(), timeout=300):
    code = ("import runpy, sys\n"
            f"for name in {list(blocked)!r}:\n"
            "    sys.modules[name] = None\n"
            f"sys.argv = [{BENCH!r}] + {list(args)!r}\n"
            f"runpy.run_path({BENCH!r}, run_name='__main__')\n")
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)


def test_bench_without_pytorch_says_it_needs_the_test_extra():
    done = _bench([], blocked=["torch"])
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr == ("bench/run.py compares chainrule with PyTorch, which is not installed: install the test "
                           "extra, python3 -m pip install -e '.[test]'\n")


def _tracked_results():
    return {p: open(p, "rb").read() for p in glob.glob(os.path.join(ROOT, "bench", "results", "*"))}


def test_bench_writes_no_tracked_file_unless_asked(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    before = _tracked_results()
    done = _bench(["--only", "W1", "--repeats", "1", "--growth-steps", "0"])
    assert done.returncode == 0, done.stderr
    assert "| W1 |" in done.stdout and "not saved" in done.stdout
    assert _tracked_results() == before


def test_bench_save_and_out_are_one_or_the_other():
    done = _bench(["--save", "--out", "elsewhere"])
    assert done.returncode == 2 and "give one of them" in done.stderr


SCALING = os.path.join(ROOT, "bench", "scaling.py")


def test_scaling_bench_prints_and_writes_no_tracked_file_unless_asked():
    before = _tracked_results()
    env = dict(os.environ, PYTHONPATH=SRC)
    done = subprocess.run([sys.executable, SCALING, "--repeats", "1"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "| batch |" in done.stdout and "not saved" in done.stdout
    assert _tracked_results() == before
    done = subprocess.run([sys.executable, SCALING, "--save", "--out", "elsewhere"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "give one of them" in done.stderr


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_a_regenerated_plot_is_byte_identical(fmt):
    pytest.importorskip("matplotlib")
    from chainrule.viz import plots
    history = [{"epoch": 1, "loss": 0.7, "accuracy": 0.5, "grad_norms": {"0.weight": 0.1}},
               {"epoch": 2, "loss": 0.4, "accuracy": 0.8, "grad_norms": {"0.weight": 0.05}}]
    first = plots.figure_bytes(plots.plot_history(history), fmt)
    time.sleep(1.1)                               # a date stamped in would now differ
    again = plots.figure_bytes(plots.plot_history(history), fmt)
    assert first == again
    import matplotlib
    assert matplotlib.__version__.encode() not in first     # no "Matplotlib version 3.x" stamp


def test_the_pictures_of_make_pictures_are_saved_through_the_stable_path(tmp_path):
    pytest.importorskip("matplotlib")
    from chainrule.cli import main
    for i in (1, 2):
        assert main(["vanishing", "--depths", "2,3", "--width", "4", "--batch", "4", "-o",
                     str(tmp_path / f"v{i}.png")]) == 0
        time.sleep(1.1 * (i == 1))
    assert (tmp_path / "v1.png").read_bytes() == (tmp_path / "v2.png").read_bytes()


def test_every_package_data_entry_ships_a_file():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        data = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    for package, patterns in data.items():
        for pattern in patterns:
            assert glob.glob(os.path.join(SRC, package, pattern)), f"package-data {pattern!r} matches nothing"


def test_ruff_runs_in_ci_with_the_projects_settings(tmp_path):
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)
    assert project["tool"]["ruff"]["lint"]["select"]
    assert any(d.startswith("ruff") for d in project["project"]["optional-dependencies"]["test"])
    script = open(os.path.join(ROOT, "scripts", "test.sh")).read().splitlines()
    assert "set -euo pipefail" in script
    lint = next(i for i, line in enumerate(script) if line.startswith("python3 -m ruff check"))
    tests = next(i for i, line in enumerate(script) if line.startswith("python3 -m pytest"))
    assert lint < tests
    if importlib_find("ruff") is None:
        if os.environ.get("CHAINRULE_REQUIRE_TOOLS") or os.environ.get("CI"):
            pytest.fail("ruff is not installed: python3 -m pip install -e '.[test]'")
        pytest.skip("ruff is not installed (the test extra has it)")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")                                    # F401: an unused import
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", os.path.join(ROOT, "pyproject.toml"),
                           str(bad)], capture_output=True, text=True)
    assert done.returncode == 1 and "F401" in done.stdout


def importlib_find(name):
    import importlib.util
    return importlib.util.find_spec(name)

