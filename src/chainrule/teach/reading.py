"""Read a solution in any form a student or a teacher types; every error names the line.

* ``name = value`` lines, ``#`` comments, several pairs on one line separated by ``,`` or ``;``
  (``z1 = 0.6478, dL/dW1 = -0.0162; W5(2) = -0.4452``); a worked line keeps its last number
  (``W5(2) = -0.1725 - 0.2727 = -0.4452``);
* Markdown tables: cells ``W₁(1) = 0.4352``, or a name cell followed by its value (``| W₁(1) | 0.4352 |``,
  ``| W₁(1) | =0.4352 |``), or a header naming the columns (``| | W(1) | W(2) |`` / ``before`` / ``after``
  with a row ``| W₁ | 0.4352 | 0.4514 |``); the prose around a table is skipped;
* LaTeX ``align`` rows (``W_1(1) & =0.4352 & W_1(2) & =0.4514 \\\\``), as the lecture writes its table;
* CSV (``name,value``, a header line allowed) and JSON (``{"z1": 0.6478}``, ``{"answers": {…}}`` or
  ``[{"name": "z1", "value": 0.6478}]``).

``read_solution(text, path)`` returns ``[Entry]``; ``path`` ``-`` reads standard input (``read_source``).
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

#: a solution is a few hundred values; anything far larger is not one (``check /dev/zero``)
MAX_BYTES = 1_000_000
MAX_LINES = 10_000


class SolutionError(ValueError):
    """A solution file that cannot be read; the message names the file and the line."""


@dataclass
class Entry:
    line: int
    name: str           # as written
    text: str           # the number as written
    value: float

    @property
    def decimals(self) -> int:
        t = self.text.lower().lstrip("+-−")
        if "e" in t:
            mant, _, exp = t.partition("e")
            d = len(mant.split(".", 1)[1]) if "." in mant else 0
            try:
                return max(d - int(exp), 0)
            except ValueError:
                return d
        return len(t.split(".", 1)[1]) if "." in t else 0


def printable(text: str) -> str:
    """``text`` with control characters escaped (ESC as \\x1b): safe to print to a terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def read_source(path: str, stdin=None) -> str:
    """The text of a solution file (``-``: standard input), bounded in size and lines, UTF-8, not binary."""
    import os
    import sys
    shown = printable(path)
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin
        data = stream.buffer.read(MAX_BYTES + 1) if hasattr(stream, "buffer") else stream.read(MAX_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        shown = "<stdin>"
    else:
        if not os.path.exists(path):
            raise SolutionError(f"{shown}: no such file")
        if os.path.isdir(path):
            raise SolutionError(f"{shown}: is a folder; give --key KEY to grade a folder of submissions")
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise SolutionError(f"{shown}: cannot read: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:
        at = min(data[:MAX_BYTES].count(b"\n") + 1, MAX_LINES + 1)
        raise SolutionError(f"{shown}:{at}: too large for an answers file (at most {MAX_BYTES // 1_000_000} MB and "
                            f"{MAX_LINES} lines): it holds one `name = value` per quantity")
    lines = data.count(b"\n")
    if lines > MAX_LINES:
        raise SolutionError(f"{shown}:{MAX_LINES + 1}: too large for an answers file (at most "
                            f"{MAX_BYTES // 1_000_000} MB and {MAX_LINES} lines): it holds one `name = value` per "
                            f"quantity")
    nul = data.count(b"\x00")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        if nul:
            raise SolutionError(f"{shown}:{line}: a binary file, not a solution: save the answers as text") from None
        raise SolutionError(f"{shown}:{line}: not UTF-8 text: save the solution as UTF-8") from None
    if nul * 10 > len(data):           # many NULs (UTF-16, a binary that happens to decode): not text
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise SolutionError(f"{shown}:{line}: a binary file, not a solution: save the answers as text")
    return text


_NUM = re.compile(r"^[+\-−]?(\d+\.?\d*|\.\d+)([eE][+\-−]?\d+)?$")


def number(text: str):
    """``−0.0717`` / ``-0.0717`` / ``=0.4352`` / ``≈0.45`` → (as written, float), or None."""
    t = text.strip().lstrip("=≈").strip().replace("\u2212", "-").replace("\u2009", "").strip("$` *")
    if not _NUM.match(t):
        return None
    try:
        return t, float(t)
    except ValueError:
        return None


def read_solution(text: str, path: str = "<solution>") -> list:
    """Every (line, name, value) of a solution in any of the forms above (see the module doc)."""
    path = printable(path)
    stripped = text.lstrip()
    if path.endswith(".json") or stripped[:1] in "{[" and _looks_json(stripped):
        return _json(text, path)
    if path.endswith(".csv"):
        return _csv(text, path)
    markdown = path.endswith((".md", ".markdown")) or any(ln.lstrip().startswith("|") for ln in text.splitlines())
    entries = []
    header = None
    rows = text.splitlines()
    for lineno, raw in enumerate(rows, 1):
        line = raw.strip()
        if not line:
            header = None
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            nxt = rows[lineno].strip() if lineno < len(rows) else ""
            if re.fullmatch(r"\|?\s*:?-{2,}.*", nxt):       # a header row
                header = cells
                got = _cells(cells, lineno, path, None, quiet=True)
                entries += got
                continue
            entries += _cells(cells, lineno, path, header)
            continue
        if line.startswith("#") or line.startswith("["):      # a comment, a heading, a TOML table header
            continue
        if "&" in line:                                       # a LaTeX align row
            cells = [c.strip() for c in line.replace("\\\\", "").split("&")]
            got = _cells(cells, lineno, path, None, quiet=markdown)
            if got:
                entries += got
                continue
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if _is_csv_pair(line):
            name, value = line.split(",", 1)
            entries.append(_entry(lineno, name, value, path))
            continue
        parts = [p for p in _split(line) if p.strip()]
        if not any("=" in p or ":" in p for p in parts):
            if markdown or line.startswith(("$$", "\\begin", "\\end", ">", "-", "*", "<")):
                continue                                       # prose around the table
            raise SolutionError(f"{path}:{lineno}: expected `name = value`, got {printable(line)!r} (several pairs "
                                f"on a line are separated by , or ;)")
        for p in parts:
            if "=" not in p and ":" not in p:
                if markdown:
                    continue
                raise SolutionError(f"{path}:{lineno}: expected `name = value` in {printable(p.strip())!r}")
            sep = "=" if "=" in p else ":"
            name, _, value = p.rpartition(sep)
            if sep == "=" and "=" in name:                    # W5(2) = W5(1) − α·g = −0.4452: the name is first
                name = name.split("=", 1)[0]
            name = name.strip().strip("$`*").strip()
            if markdown and number(value) is None:
                continue
            entries.append(_entry(lineno, name, value, path))
    if not entries:
        raise SolutionError(f"{path}: no `name = value` lines found (e.g. z1 = 0.6478; several on a line separated by , "
                            f"or ;; a Markdown table; CSV name,value; JSON {{\"z1\": 0.6478}})")
    return entries


def _looks_json(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return text[:1] == "{"


def _is_csv_pair(line):
    if "=" in line or line.count(",") != 1:
        return False
    return number(line.split(",", 1)[1]) is not None


def _entry(lineno, name, value, path):
    name = printable(name.strip().strip('"').strip("'").strip())
    if not name:
        raise SolutionError(f"{path}:{lineno}: a value without a name ({printable(value.strip())!r}): "
                            f"write `name = value`")
    got = number(value)
    if got is None:
        raise SolutionError(f"{path}:{lineno}: the value of {name} must be a number, got {printable(value.strip())!r}")
    return Entry(lineno, name, got[0], got[1])


def _split(line: str) -> list:
    """Split at , and ; outside brackets, and only where a new `name =` follows (W^(1)_{1,2} keeps its comma)."""
    parts, depth, cur = [], 0, ""
    for i, ch in enumerate(line):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        if ch in ",;" and depth == 0 and (ch == ";" or "=" in line[i + 1:] and "=" in cur):
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    parts.append(cur)
    return parts


def _cells(cells, lineno, path, header, quiet=False) -> list:
    """The pairs in one table row (see the module doc)."""
    out = []
    used = set()
    for k, c in enumerate(cells):                   # `name = value` inside a cell
        if "=" in c and number(c) is None:
            name, _, value = c.rpartition("=")
            if "=" in name:
                name = name.split("=", 1)[0]
            if number(value) is not None and name.strip():
                out.append(_entry(lineno, name.strip().strip("$`*"), value, path))
                used.add(k)
    for k in range(len(cells) - 1):                 # a name cell, then its value
        if k in used or k + 1 in used:
            continue
        a, b = cells[k], cells[k + 1]
        if a and number(a) is None and number(b) is not None and not (header and k + 1 < len(header)
                                                                       and _column(header[k + 1])):
            out.append(_entry(lineno, a.strip("$`* "), b, path))
            used.update((k, k + 1))
    if header and cells and number(cells[0]) is None and not out:
        base = cells[0].strip("$`* ")
        for k in range(1, min(len(cells), len(header))):
            col = _column(header[k])
            if col is None or number(cells[k]) is None:
                continue
            out.append(_entry(lineno, base + col, cells[k], path))
    if not out and not quiet and any(number(c) is not None for c in cells):
        raise SolutionError(f"{path}:{lineno}: a table row without a name for its number: write the name in the first "
                            f"cell (| W₁ | 0.4352 |) or in the header (| | W(1) | W(2) |)")
    return out


def _column(head: str):
    """What a header cell adds to the row's name: ``W(1)`` / ``W₁(2)`` / ``(2)`` → ``(1)``/``(2)``, ``before``
    → ``_old``, ``after``/``new`` → ``_new``, ``value``/``값`` → nothing; None for other columns."""
    h = head.strip().strip("$`* ")
    m = re.search(r"\((\d+)\)$", h) or re.search(r"\(t\s*\+\s*1\)$", h)
    if m:
        return f"({m.group(1)})" if m.groups() and m.group(1) else "_new"
    low = h.lower()
    if low in ("before", "old", "initial", "갱신 전", "이전"):
        return "_old"
    if low in ("after", "new", "updated", "갱신 후", "이후"):
        return "_new"
    if low in ("value", "값", "answer", "답"):
        return ""
    return None


def _json(text, path) -> list:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SolutionError(f"{path}:{e.lineno}: not valid JSON ({e.msg}): write {{\"z1\": 0.6478, …}}") from None
    if isinstance(data, dict) and isinstance(data.get("answers"), (dict, list)):
        data = data["answers"]
    lines = text.splitlines()

    def line_of(name):
        needle = json.dumps(name)[1:-1]
        return next((i for i, ln in enumerate(lines, 1) if f'"{needle}"' in ln), 1)
    pairs = []
    if isinstance(data, dict):
        pairs = list(data.items())
    elif isinstance(data, list):
        for k, item in enumerate(data):
            if not isinstance(item, dict) or "name" not in item or "value" not in item:
                raise SolutionError(f"{path}: item {k + 1} of the list: expected {{\"name\": …, \"value\": …}}")
            pairs.append((item["name"], item["value"]))
    else:
        raise SolutionError(f"{path}:1: expected a JSON object of name: value (or a list of {{name, value}})")
    out = []
    for name, value in pairs:
        ln = line_of(str(name))
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise SolutionError(f"{path}:{ln}: the value of {printable(str(name))} must be a number, got "
                                f"{printable(json.dumps(value))[:40]}")
        out.append(_entry(ln, str(name), str(value), path))
    if not out:
        raise SolutionError(f"{path}: the JSON holds no answers: write {{\"z1\": 0.6478, …}}")
    return out


def _csv(text, path) -> list:
    out = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            raise SolutionError(f"{path}:{lineno}: expected `name,value`, got {printable(','.join(row))!r}")
        if lineno == 1 and number(row[1]) is None:
            continue                                    # a header line (name,value)
        out.append(_entry(lineno, row[0], row[1], path))
    if not out:
        raise SolutionError(f"{path}: no `name,value` rows found")
    return out
