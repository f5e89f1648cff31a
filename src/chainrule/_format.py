"""``repr(tensor)`` as PyTorch prints it: 4 decimals, scientific notation when the magnitudes call for
it, aligned columns, rows wrapped at 80 characters, ``...`` for tensors over 1000 elements."""
from __future__ import annotations

import math

import numpy as np

PRECISION = 4
LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3


def _summarized_values(a: np.ndarray) -> np.ndarray:
    """The elements that will be shown (the edges of every axis when summarising)."""
    if a.size <= THRESHOLD:
        return a.reshape(-1)
    parts = []

    def walk(x):
        if x.ndim == 1:
            parts.append(np.concatenate([x[:EDGEITEMS], x[-EDGEITEMS:]]) if x.shape[0] > 2 * EDGEITEMS else x)
            return
        rows = range(x.shape[0])
        if x.shape[0] > 2 * EDGEITEMS:
            rows = list(range(EDGEITEMS)) + list(range(x.shape[0] - EDGEITEMS, x.shape[0]))
        for i in rows:
            walk(x[i])
    walk(a)
    return np.concatenate(parts) if parts else a.reshape(-1)


class _Formatter:
    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if values.dtype.kind == "b":
            self.max_width = max((len(str(bool(v))) for v in values), default=1)
            return
        if not self.floating:
            self.max_width = max((len(str(int(v))) for v in values), default=1)
            return
        finite = values[np.isfinite(values)].astype(np.float64)
        nonzero = np.abs(finite[finite != 0])
        if finite.size == 0 or nonzero.size == 0:
            self.max_width = max((len(self._fmt_int(v)) for v in values), default=1)
            return
        if np.all(finite == np.ceil(finite)):
            if nonzero.max() > 1e8:
                self.sci_mode = True
        else:
            self.int_mode = False
            if nonzero.max() / nonzero.min() > 1000.0 or nonzero.max() > 1e8 or nonzero.min() < 1e-4:
                self.sci_mode = True
        self.max_width = max(len(self.format(v, pad=False)) for v in values)

    @staticmethod
    def _fmt_int(v) -> str:
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v:.0f}."

    def format(self, v, pad: bool = True) -> str:
        if not self.floating:
            s = str(bool(v)) if isinstance(v, (bool, np.bool_)) else str(int(v))
        else:
            v = float(v)
            if math.isnan(v) or math.isinf(v):
                s = self._fmt_int(v)
            elif self.sci_mode:
                s = f"{v:.{PRECISION}e}"
            elif self.int_mode:
                s = self._fmt_int(v)
            else:
                s = f"{v:.{PRECISION}f}"
        return " " * (self.max_width - len(s)) + s if pad else s


def _tensor_str(a: np.ndarray, indent: int, fmt: _Formatter, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        items = [fmt.format(v) for v in a.tolist()]
        if summarize and a.shape[0] > 2 * EDGEITEMS:
            items = items[:EDGEITEMS] + ["..."] + items[-EDGEITEMS:]
        per_line = max(1, math.floor((LINEWIDTH - indent) / (fmt.max_width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(a.shape[0]))
    parts = []
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        parts = [_tensor_str(a[i], indent + 1, fmt, summarize) for i in rows[:EDGEITEMS]] + ["..."] + \
                [_tensor_str(a[i], indent + 1, fmt, summarize) for i in rows[-EDGEITEMS:]]
    else:
        parts = [_tensor_str(a[i], indent + 1, fmt, summarize) for i in rows]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def format_tensor(t, prefix: str = "tensor(") -> str:
    """The full ``repr``: values, then ``dtype=`` when not implied, ``grad_fn=`` or ``requires_grad=``."""
    from .dtypes import get_default_dtype
    a = t._data
    suffixes = []
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
    else:
        summarize = a.size > THRESHOLD
        fmt = _Formatter(_summarized_values(a))
        body = _tensor_str(a, len(prefix), fmt, summarize)
    implied = (get_default_dtype().np, np.dtype(np.int64), np.dtype(np.bool_))
    if a.dtype not in implied:
        suffixes.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
