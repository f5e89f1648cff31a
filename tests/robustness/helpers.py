"""Shared by the robustness tests: run the CLI in-process and capture what a user would see."""
from __future__ import annotations

import contextlib
import io


def run_cli(argv, cwd=None):
    """``chainrule <argv>`` in-process: (exit code, stdout, stderr).  A raised exception fails the caller."""
    import os
    from chainrule.cli import main
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()
