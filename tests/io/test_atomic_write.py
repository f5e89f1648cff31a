"""Atomic writes: the target is always either the complete old file or the complete new one."""
from __future__ import annotations

import os
import stat

import pytest

from chainrule.io import atomic
from chainrule.io.atomic import atomic_write, write_bytes, write_text


def test_writes_and_replaces(tmp_path):
    path = tmp_path / "out.txt"
    write_text(path, "one")
    write_text(path, "two")
    assert path.read_text() == "two" and os.listdir(tmp_path) == ["out.txt"]
    write_bytes(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"


def test_an_exception_while_writing_keeps_the_old_file_and_removes_the_temp(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"old complete file")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_write(path) as f:
            f.write(b"half of the new")
            raise RuntimeError("disk on fire")
    assert path.read_bytes() == b"old complete file" and os.listdir(tmp_path) == ["model.safetensors"]


def test_a_failing_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt"
    path.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError, match="rename failed"):
        write_bytes(path, b"new")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["ckpt"]


def test_data_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    write_bytes(tmp_path / "x", b"data")
    assert calls[0] == "fsync" and calls.index("replace") > 0


def test_new_files_get_normal_permissions_and_old_permissions_are_kept(tmp_path):
    fresh = tmp_path / "fresh"
    write_text(fresh, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o666 & ~umask
    kept = tmp_path / "kept"
    kept.write_text("x")
    os.chmod(kept, 0o600)
    write_text(kept, "y")
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600


def test_text_mode_is_utf8(tmp_path):
    with atomic_write(tmp_path / "k.txt", "w") as f:
        f.write("역전파 ∂L/∂W")
    assert (tmp_path / "k.txt").read_text(encoding="utf-8") == "역전파 ∂L/∂W"


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .* does not exist"):
        write_text(tmp_path / "no" / "such" / "dir.txt", "x")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        write_text(tmp_path, "x")
    with pytest.raises(ValueError, match="mode must be 'w' or 'wb'"):
        with atomic_write(tmp_path / "a", "a"):
            pass
