"""Shared helpers of the teach tests: the CLI runner, files, networks as model files."""
from __future__ import annotations

import contextlib
import io


def run_cli(*argv, stdin: str | None = None):
    """Run ``chainrule`` in-process; return (exit code, stdout, stderr)."""
    import sys

    from chainrule.cli import main
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def mlp_toml(sizes, acts, loss="bce", x=((1, 1),), y=((0,),), lr=1.0, optimizer="sgd", seed=3, momentum=None,
             reduction=None):
    lines = [f"layers = {list(sizes)}", "activations = [" + ", ".join(f'"{a}"' for a in acts) + "]",
             'dtype = "float64"', f"seed = {seed}", f"x = {_lists(x)}", f"y = {_lists(y)}", "[loss]", f'name = "{loss}"']
    if reduction:
        lines.append(f'reduction = "{reduction}"')
    lines += ["[optimizer]", f'name = "{optimizer}"', f"lr = {lr}"]
    if momentum is not None:
        lines.append(f"momentum = {momentum}")
    return "\n".join(lines) + "\n"


def _lists(v):
    def plain(e):
        return [plain(x) for x in e] if isinstance(e, (list, tuple)) else e
    return repr(plain(v))
