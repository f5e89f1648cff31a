"""Tiny helpers for writing SVG by hand: escaped text, attribute lists, number formatting, and the
``SVGImage`` result object that Jupyter displays inline (``_repr_svg_``) and that saves itself."""
from __future__ import annotations

import math
import os
from xml.sax.saxutils import escape, quoteattr


def attrs(**kw) -> str:
    """``attrs(class_="edge", stroke_width=2)`` -> `` class="edge" stroke-width="2"`` (None is left out)."""
    parts = []
    for key, value in kw.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("__", ":").replace("_", "-")
        parts.append(f" {name}={quoteattr(str(value))}")
    return "".join(parts)


def text(s) -> str:
    return escape(str(s))


def num(value, precision: int = 4) -> str:
    """A number as the lecture prints it: fixed ``precision`` decimals, ``-0.0000`` shown as ``0.0000``,
    and very large/small magnitudes in scientific notation."""
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        return str(v)
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 10 ** -precision):
        return f"{v:.{max(precision - 1, 1)}e}"
    s = f"{v:.{precision}f}"
    if s.lstrip("-").strip("0.") == "":
        s = s.lstrip("-")
    return s


def write_text_atomic(path: str, content: str) -> None:
    """Write ``content`` to ``path`` through a temporary file and a rename (never a half-written file)."""
    write_bytes_atomic(path, content.encode("utf-8"))


def write_bytes_atomic(path: str, data: bytes) -> None:
    """``chainrule.io.atomic.write_bytes`` when present; otherwise the same steps here (temp, fsync, rename)."""
    try:
        from ..io.atomic import write_bytes
    except ImportError:
        write_bytes = None
    if write_bytes is not None:
        write_bytes(path, data)
        return
    directory = os.path.dirname(os.path.abspath(path)) or "."
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class SVGImage:
    """An SVG document as text.  Shows inline in Jupyter; ``save(path)`` writes it; ``str()`` is the SVG."""

    def __init__(self, svg: str):
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg

    def save(self, path: str) -> str:
        write_text_atomic(path, self.svg)
        return path
