"""Optional packages a command needs, checked before the command does any work.

``chainrule``'s default install holds everything its commands use (matplotlib, safetensors, tqdm);
``import chainrule`` and the engine still import only NumPy, so any of them can be missing in an
environment that installed chainrule some other way.  A command that needs one calls ``need`` first,
and a missing package is a usage error naming the ``pip install`` to run, never a traceback after
minutes of work::

    need("matplotlib", "drawing the plot", instead="pass -o none to skip it")
"""
from __future__ import annotations

import importlib

#: import name -> what to pip install
PIP_NAMES = {"matplotlib": "matplotlib", "safetensors": "safetensors", "tqdm": "tqdm", "torch": "torch"}


def need(module: str, what: str, instead: str | None = None):
    """Import ``module`` and return it, or raise ``UsageError``: "<what> needs <package>, which is not
    installed: python3 -m pip install <package> (or <instead>)"; ``what`` is an activity ("drawing the plot")."""
    from ..cli import UsageError
    try:
        return importlib.import_module(module)
    except ImportError:
        package = PIP_NAMES.get(module.split(".")[0], module.split(".")[0])
        hint = f" (or {instead})" if instead else ""
        raise UsageError(f"{what} needs {package}, which is not installed: python3 -m pip install {package}"
                         f"{hint}") from None
