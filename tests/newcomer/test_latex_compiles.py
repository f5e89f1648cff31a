"""Item 6 of issue 12: ``--format latex`` is a document that compiles.

English compiles with ``pdflatex`` (what the format says it is for) and Korean with ``lualatex`` (kotex's
luatexko, a Korean font) and with pdflatex (ko.TeX); for the lecture's network, a batch through ELU/GELU/
SiLU with AdamW and label smoothing (the sentences with ``e^(−z²/2)``, ``√v̂``, ``Φ``), the matrix form,
and a model with its own ``forward`` (the computational-graph explanation).  A compile succeeds only with
no error in non-stop mode and no character missing from a font (lualatex only warns for those).

TeX Live comes from the system's packages (scripts/test.sh installs texlive-latex-base,
texlive-latex-recommended, texlive-luatex and texlive-lang-korean); without it these tests skip, and fail
where tools are required (CHAINRULE_REQUIRE_TOOLS=1, as in CI).
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess

import pytest

from chainrule.cli import main


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()

MODELS = {
    "seed": None,
    "elu_gelu_silu_adamw": (
        "import torch\nfrom torch import nn, optim\ntorch.manual_seed(0)\n"
        "model = nn.Sequential(nn.Linear(2, 3), nn.ELU(alpha=0.5), nn.Linear(3, 3), nn.GELU(), nn.Linear(3, 2),\n"
        "                      nn.SiLU(), nn.Linear(2, 3))\n"
        "criterion = nn.CrossEntropyLoss(label_smoothing=0.1)\n"
        "optimizer = optim.AdamW(model.parameters(), lr=0.01, amsgrad=True)\n"
        "x = torch.randn(2, 2)\ny = torch.tensor([0, 2])\n"),
    "own_forward": (
        "import torch\nfrom torch import nn, optim\ntorch.manual_seed(0)\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.a = nn.Linear(2, 2)\n"
        "        self.b = nn.Linear(2, 1)\n"
        "    def forward(self, x):\n"
        "        h = torch.tanh(self.a(x)) + x\n"
        "        return self.b(h * h)\n"
        "model = Net()\ncriterion = nn.MSELoss()\n"
        "optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
        "x = torch.randn(2, 2)\ny = torch.randn(2, 1)\n"),
}


def _engine(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = (f"{name} is not installed (Debian: apt-get install texlive-latex-base "
                   "texlive-latex-recommended texlive-luatex texlive-lang-korean)")
        if os.environ.get("CHAINRULE_REQUIRE_TOOLS") == "1" or os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _document(tmp_path, which: str, lang: str, *extra) -> str:
    args = []
    if MODELS[which] is not None:
        model = tmp_path / f"{which}.py"
        model.write_text(MODELS[which])
        args = [str(model)]
    target = tmp_path / f"{which}-{lang}.tex"
    code, _, err = run_cli(["explain", *args, *extra, "--lang", lang, "-o", str(target)])
    assert code == 0, err
    return str(target)


def compile_tex(engine: str, tex: str) -> str:
    """Compile ``tex`` with ``engine`` in its folder; the log.  Fails the test on any error or missing glyph."""
    folder, name = os.path.split(tex)
    done = subprocess.run([_engine(engine), "-interaction=nonstopmode", "-halt-on-error", name], cwd=folder,
                          capture_output=True, text=True, timeout=600, errors="replace")
    log_path = os.path.join(folder, name[:-4] + ".log")
    log = open(log_path, encoding="utf-8", errors="replace").read() if os.path.exists(log_path) else done.stdout
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert done.returncode == 0 and not errors, f"{engine} {name}: {errors[:5]}\n{log[-3000:]}"
    assert "Missing character" not in log, [line for line in log.splitlines() if "Missing character" in line][:5]
    assert os.path.getsize(os.path.join(folder, name[:-4] + ".pdf")) > 10_000
    return log


@pytest.mark.parametrize("which,extra", [("seed", ()), ("seed", ("--form", "matrix")),
                                         ("elu_gelu_silu_adamw", ("--steps", "2", "--hand")),
                                         ("own_forward", ())])
def test_english_compiles_with_pdflatex(tmp_path, which, extra):
    tex = _document(tmp_path, which, "en", "--format", "latex", *extra)
    assert r"\usepackage{kotex}" not in open(tex, encoding="utf-8").read()
    compile_tex("pdflatex", tex)


@pytest.mark.parametrize("which,extra", [("seed", ()), ("elu_gelu_silu_adamw", ("--steps", "2"))])
def test_korean_compiles_with_lualatex_and_a_korean_font(tmp_path, which, extra):
    tex = _document(tmp_path, which, "ko", "--format", "latex", *extra)
    log = compile_tex("lualatex", tex)
    assert "luatexko" in log                                   # kotex chose its LuaTeX implementation


def test_korean_compiles_with_pdflatex_too(tmp_path):
    compile_tex("pdflatex", _document(tmp_path, "seed", "ko", "--format", "latex"))


def test_a_missing_engine_fails_where_tools_are_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CHAINRULE_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception, match="pdflatex is not installed"):
        _engine("pdflatex")
