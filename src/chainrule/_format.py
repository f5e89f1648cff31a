"""``repr(tensor)`` as PyTorch prints it: 4 decimals, scientific notation when the magnitudes call for
it, aligned columns, rows wrapped at 80 characters, ``...`` for tensors over 1000 elements."""
from __future__ import annotations

import math

import numpy as np

PRECISION = 4
LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3
SCI_MODE = None


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """``torch.set_printoptions``: digits after the point, summarising threshold, edge items, line width,
    a profile ('default', 'short', 'full') and forcing (True/False) or automatic (None) scientific notation."""
    global PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH, SCI_MODE
    if profile == "default":
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80
    elif profile == "short":
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 2, 1000, 2, 80
    elif profile == "full":
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, float("inf"), 3, 80
    if precision is not None:
        PRECISION = precision
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = edgeitems
    if linewidth is not None:
        LINEWIDTH = linewidth
    SCI_MODE = sci_mode


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
    """PyTorch's ``_Formatter``: one width and one style (integer-valued, fixed 4 decimals, or scientific)
    for every element, decided from the non-zero finite values only."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            self.max_width = max((len(self._plain(v)) for v in values), default=1)
            return
        vals = values.astype(np.float64)
        nz = vals[np.isfinite(vals) & (vals != 0)]
        if nz.size == 0:
            return
        absmin, absmax = np.abs(nz).min(), np.abs(nz).max()
        self.int_mode = bool(np.all(nz == np.ceil(nz)))
        self.sci_mode = bool(absmax / absmin > 1000.0 or absmax > 1.0e8 or absmin < 1.0e-4) \
            if SCI_MODE is None else bool(SCI_MODE)
        if self.sci_mode:
            self.max_width = max(len(f"{v:.{PRECISION}e}") for v in nz)
        elif self.int_mode:
            self.max_width = max(len(f"{v:.0f}") + 1 for v in nz)
        else:
            self.max_width = max(len(f"{v:.{PRECISION}f}") for v in nz)

    @staticmethod
    def _plain(v) -> str:
        return str(bool(v)) if isinstance(v, (bool, np.bool_)) else str(int(v))

    def format(self, v, pad: bool = True) -> str:
        if not self.floating:
            s = self._plain(v)
        else:
            v = float(v)
            if self.sci_mode:
                s = f"{v:.{PRECISION}e}"
            elif self.int_mode:
                s = f"{v:.0f}"
                if not (math.isinf(v) or math.isnan(v)):
                    s += "."
            else:
                s = f"{v:.{PRECISION}f}"
        return " " * (self.max_width - len(s)) + s if pad else s


def _tensor_str(a: np.ndarray, indent: int, fmt: _Formatter, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        items = [fmt.format(v) for v in a.tolist()]
        if summarize and a.shape[0] > 2 * EDGEITEMS:
            items = items[:EDGEITEMS] + [" ..."] + items[-EDGEITEMS:]
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
    default = get_default_dtype().np
    if a.size == 0 and a.dtype != default:       # nothing to infer the dtype from: always shown
        suffixes.append(f"dtype={t.dtype!r}")
    elif a.size and a.dtype not in (default, np.dtype(np.int64), np.dtype(np.bool_)):
        suffixes.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, len(prefix))


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ``, dtype=...`` etc., wrapping to a new line when the last line would pass 80 columns."""
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"
