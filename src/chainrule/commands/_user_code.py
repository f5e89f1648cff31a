"""Whose mistake is an exception: the user's model file, or chainrule?

A command runs the user's code (a model file's ``forward``, ``build_model()``); whatever that code gets
wrong surfaces as an ordinary exception somewhere below the command.  ``user_location(exc, paths)``
reads the traceback: if it passes through one of the user's files (the files named on the command
line, or a Python file beside one of them that the model file imports), the innermost such frame is
where the user's code went wrong — either the line that raised, or the user's line that called into
chainrule with something chainrule refused (``Linear(3, 1)`` given 2 features).  ``cli.main`` reports
such an exception as a usage error naming that file and line (exit 2); only an exception that never
passed through the user's code is an internal error, a bug in chainrule.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    path: str       #: as the user wrote it on the command line (or the helper file beside it)
    line: int
    function: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return where if self.function == "<module>" else f"{where} (in {self.function})"


def user_paths(args) -> list[str]:
    """The Python files named on the command line (any argument that is an existing ``.py`` file)."""
    found = []
    for value in vars(args).values():
        if isinstance(value, str) and value.endswith(".py") and os.path.isfile(value):
            found.append(value)
    return found


def _users_file(filename: str, paths: list[str]) -> str | None:
    """The user's spelling of ``filename`` when it is one of ``paths`` or a .py file beside one."""
    try:
        absolute = os.path.abspath(filename)
    except (TypeError, ValueError):
        return None
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # .../chainrule
    if absolute.startswith(package + os.sep):
        return None
    for p in paths:
        if os.path.abspath(p) == absolute:
            return p
    for p in paths:
        if os.path.dirname(os.path.abspath(p)) == os.path.dirname(absolute) and absolute.endswith(".py"):
            return os.path.join(os.path.dirname(p), os.path.basename(absolute))
    return None


def user_location(exc: BaseException, paths: list[str], chained: bool = False) -> Location | None:
    """The innermost frame of ``exc``'s traceback that lies in the user's code, or None when the user's
    code is not on the way to it.  ``chained``: also look through the exceptions ``exc`` was raised
    while handling (a ``UsageError`` that re-words the user's ``ValueError`` ``from None`` keeps it)."""
    if not paths:
        return None
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found = None
        for frame in traceback.extract_tb(exc.__traceback__):
            path = _users_file(frame.filename, paths)
            if path is not None:
                found = Location(path, frame.lineno or 0, frame.name)
        if found is not None:
            return found
        exc = (exc.__cause__ or exc.__context__) if chained else None
    return None
