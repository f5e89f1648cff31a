"""Reading a rendered text solution back: its equations, the numbers of each row (for the layer tests).

``equations(text)`` → [(lhs, [row, …])]: every ``lhs = row₀ = row₁ …`` block as printed; ``num(s)``
reads one printed number (Unicode minus, ``×10⁻⁶``); ``products(row)`` the ``a × b`` pairs of a
numbers row.  The tests compare these printed numbers with PyTorch's.
"""
from __future__ import annotations

import re

import numpy as np

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
NUM = r"[−-]?\d+(?:\.\d+)?(?:×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?"


def num(s: str) -> float:
    s = s.strip().replace("−", "-")
    if "×10" in s:
        m, e = s.split("×10")
        return float(m) * 10.0 ** int(e.translate(_SUP))
    return float(s)


def equations(text: str) -> list:
    out = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        m = re.match(r"^    (\S.*?) = (.*)$", lines[k])
        if m:
            rows = [m.group(2)]
            k += 1
            while k < len(lines) and re.match(r"^\s+= ", lines[k]):
                rows.append(lines[k].strip()[2:])
                k += 1
            rows[-1] = re.sub(r"\s{3,}\[[\d × ]+\]$", "", rows[-1])      # the shape beside a tensor
            out.append((m.group(1), rows))
        else:
            k += 1
    return out


def find(text: str, lhs: str) -> list:
    """The rows of the equations whose left side is ``lhs`` (each a list of rows)."""
    return [rows for l, rows in equations(text) if l == lhs]


def value(rows) -> float:
    return num(rows[-1])


def products(row: str) -> list:
    """[(a, b)] of the ``a × b`` terms of a numbers row (a minus before a term belongs to its first factor)."""
    out = []
    for m in re.finditer(rf"(^|[+−-] |\()?\(?({NUM})\)? × \(?({NUM})\)?", row):
        sign = -1.0 if m.group(1) and m.group(1).startswith(("−", "-")) else 1.0
        out.append((sign * num(m.group(2)), num(m.group(3))))
    return out


def matrix(s: str) -> np.ndarray:
    """A printed matrix ``[[a, b], [c, d]]`` (or a vector, or one number)."""
    s = s.strip()
    if not s.startswith("["):
        return np.array(num(s))
    rows = re.findall(r"\[([^\[\]]*)\]", s)
    return np.array([[num(x) for x in r.split(",")] for r in rows])


def close(printed: float, exact: float, d: int = 4) -> bool:
    """Whether ``printed`` is ``exact`` written to ``d`` decimals."""
    return abs(printed - exact) <= 0.5 * 10.0 ** -d + 1e-12 * max(1.0, abs(exact))
