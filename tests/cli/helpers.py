"""Shared helpers of the CLI tests: run ``chainrule`` in-process or as a fresh interpreter."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")


def run_cli(argv, cwd=None):
    """``chainrule argv`` in-process (in ``cwd``); (exit code, stdout, stderr)."""
    from chainrule.cli import main
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def run_blocked(argv, blocked=(), cwd=None, timeout=300):
    """``chainrule argv`` in a fresh Python in which the modules ``blocked`` cannot be imported (as on a
    machine without them); a CompletedProcess."""
    code = ("import sys\n"
            f"for name in {list(blocked)!r}:\n"
            "    sys.modules[name] = None\n"
            "from chainrule.cli import main\n"
            f"sys.exit(main({[str(a) for a in argv]!r}))\n")
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
