"""Atomic file writes: a file is either its old complete self or its new complete self, never half-written.

The new bytes go to a temporary file in the same folder, are flushed and fsync'ed to disk, and then
``os.replace`` swaps it in (a single rename, atomic on POSIX and Windows); the folder is fsync'ed so the
rename itself survives a crash.  If anything fails — an exception while writing, a full disk — the
temporary file is removed and the original file is untouched.  Every file chainrule writes (``save``,
``train`` checkpoints, CLI outputs) goes through here.

    >>> from chainrule.io.atomic import atomic_write, write_bytes, write_text
    >>> with atomic_write("metrics.csv", "w") as f:
    ...     f.write("step,loss\\n")
    >>> write_bytes("model.safetensors", data)
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile

__all__ = ["atomic_write", "write_bytes", "write_text"]


def _target_mode(path: str) -> int:
    """Permission bits for the new file: the old file's, else what a plain ``open()`` would give."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:          # e.g. Windows cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", encoding: str | None = None, newline: str | None = None):
    """Open a temporary file for writing; on a clean exit it atomically becomes ``path``.

    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (text, ``encoding`` defaults to UTF-8).  On an exception inside
    the ``with`` block nothing at ``path`` changes and the temporary file is deleted.
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb' (it replaces the whole file), got {mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {path}: the folder {directory} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path}: it is a folder")
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _target_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def write_bytes(path, data: bytes) -> None:
    """Atomically replace ``path`` with ``data``."""
    with atomic_write(path, "wb") as f:
        f.write(data)


def write_text(path, text: str, encoding: str = "utf-8") -> None:
    """Atomically replace ``path`` with ``text``."""
    with atomic_write(path, "w", encoding=encoding) as f:
        f.write(text)
