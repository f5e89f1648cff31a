"""Where a command's output goes and in which format: one rule for every command that writes a file.

* ``-o FILE`` picks the format from FILE's extension (``sol.html`` → html, ``net.svg`` → svg);
* an explicit ``--format`` wins, but one that contradicts the extension is an error (``--format latex
  -o sol.html`` would write LaTeX into an HTML file);
* an extension no format has (``sol.pdf`` for explain) is an error naming the ones that work; no
  extension at all takes ``--format`` or the command's default;
* ``-o -`` writes to standard output (text, or bytes for PNG/PDF).

    fmt = pick_format(args.output, args.format, {"html": "html", "md": "markdown"}, default="text")
    write_output(args.output, text)
"""
from __future__ import annotations

import os
import sys


def extension(path: str) -> str:
    """``"sol.HTML"`` → ``"html"``; ``""`` when the file name has none (or is ``-``)."""
    name = os.path.basename(path or "")
    return name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def to_stdout(path) -> bool:
    return path == "-"


def pick_format(path, explicit, by_extension: dict, default: str, option: str = "--format") -> str:
    """The format to write ``path`` in: ``explicit`` (``--format``) if given, else the one ``path``'s
    extension names, else ``default``.  ``UsageError`` for a mismatch or an extension no format has."""
    from ..cli import UsageError
    ext = "" if path is None or to_stdout(path) else extension(path)
    inferred = by_extension.get(ext) if ext else None
    known = ", ".join(f".{e}" for e in by_extension)
    if explicit is not None:
        if inferred is not None and inferred != explicit:
            raise UsageError(f"{option} {explicit} does not match the file name {path} (which says {inferred}): "
                             f"drop {option}, or give a file name for {explicit}")
        return explicit
    if inferred is not None:
        return inferred
    if ext:
        raise UsageError(f"cannot tell the format of {path} from its extension '.{ext}': name the file "
                         f"with one of {known}, or give {option}")
    return default


def write_output(path, data, cannot_write=None) -> None:
    """Write ``data`` (str or bytes) atomically to ``path``, or to standard output when ``path`` is ``-``.

    Under ``--ascii`` text is spelled in ASCII in the file too (``sigma1``, ``dL/dW5``); on standard output
    what the console's encoding cannot carry is (``_encoding.Guarded``)."""
    from ._encoding import forced, to_ascii
    if isinstance(data, str) and forced():
        data = to_ascii(data)
    if to_stdout(path):
        if isinstance(data, bytes):
            sys.stdout.flush()
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is None:          # a text-only stdout (captured in tests): bytes as latin-1 text
                sys.stdout.write(data.decode("latin-1"))
            else:
                buffer.write(data)
                buffer.flush()
        else:
            sys.stdout.write(data)
        return
    from ..cli import cannot_write as _cannot_write
    from ..io.atomic import write_bytes, write_text
    try:
        (write_bytes if isinstance(data, bytes) else write_text)(path, data)
    except OSError as e:
        raise (cannot_write or _cannot_write)(path, e) from None
