"""The documentation site builds offline with warnings as errors, its generated pages are the engine's own
output, and every code example in the docs and the README runs."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BLOCK = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)


def _pages():
    for folder, _, files in os.walk(os.path.join(ROOT, "docs")):
        for name in sorted(files):
            if name.endswith(".md"):
                yield os.path.relpath(os.path.join(folder, name), ROOT)


def _blocks(path: str, language: str) -> list:
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return [body for lang, body in BLOCK.findall(f.read()) if lang == language]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_site_builds_strictly_offline(site):
    for page in ("index.html", "cli/index.html", "lecture/en/index.html", "lecture/ko/index.html",
                 "api/nn/index.html", "errors/index.html", "guide/pytorch/index.html"):
        assert (site / page).is_file(), page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in index, "the site must not need the network"


def test_the_lecture_pages_are_the_engines_solution(site):
    en = (site / "lecture/en/index.html").read_text(encoding="utf-8")
    ko = (site / "lecture/ko/index.html").read_text(encoding="utf-8")
    assert en.count("<math") > 20 and ko.count("<math") > 20
    for number in ("0.6478", "0.2727", "0.4452"):            # z₁, ∂L/∂W₅ and W₅(2) of the lecture
        assert number in en and number in ko
    assert "순전파" in ko


def test_the_cli_reference_is_generated_from_every_parser(site):
    from chainrule.cli import COMMANDS
    cli = (site / "cli/index.html").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"chainrule {name}" in cli
    assert "--steps" in cli and "--seed" in cli


def test_the_api_reference_reads_the_docstrings(site):
    optim = (site / "api/optim/index.html").read_text(encoding="utf-8")
    assert "LBFGS" in optim and "OneCycleLR" in optim and "θ ← θ − γg" in optim


@pytest.mark.parametrize("page", ["README.md", *_pages()])
def test_every_python_example_runs(page, tmp_path, monkeypatch):
    blocks = _blocks(page, "python")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"{page} (python block {i + 1})", "exec"), namespace)
        except Exception as e:  # noqa: BLE001 - name the block that broke
            pytest.fail(f"{page}, python block {i + 1}: {type(e).__name__}: {e}")


@pytest.mark.parametrize("page", list(_pages()))
def test_every_shell_example_in_the_docs_runs(page, tmp_path):
    """Each ``bash`` block runs as a script (``set -e``) in a fresh folder. (The README's commands are run
    from a fresh install by tests/newcomer.)"""
    for i, block in enumerate(_blocks(page, "bash")):
        result = subprocess.run(["bash", "-e", "-c", block], cwd=tmp_path, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, f"{page}, bash block {i + 1} exited {result.returncode}: {result.stderr}"
