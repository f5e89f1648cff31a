"""Small classification datasets for ``chainrule train``: generated 2-D toys, scikit-learn's digits,
and CSV files.

Generated sets use chainrule's random generator (``chainrule.manual_seed`` or ``generator=``), so the
same seed gives the same points.  Every loader returns a ``Dataset``: ``X`` (n, features) float32,
``y`` (n,) int64 class numbers 0..k-1.

    >>> ds = two_moons(200, noise=0.1)
    >>> ds.X.shape, ds.n_classes
    ((200, 2), 2)
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from ..random import rng


class DatasetError(ValueError):
    """A dataset that cannot be read; the message names the file and line."""


@dataclass
class Dataset:
    X: np.ndarray
    y: np.ndarray
    name: str
    n_classes: int
    class_names: list = field(default_factory=list)

    def __post_init__(self):
        self.X = np.ascontiguousarray(self.X, dtype=np.float32)
        self.y = np.ascontiguousarray(self.y, dtype=np.int64)
        if not self.class_names:
            self.class_names = [str(i) for i in range(self.n_classes)]

    def __len__(self) -> int:
        return len(self.y)

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def split(self, test_fraction: float = 0.2, generator=None) -> tuple:
        """A shuffled (train, test) split; the same generator state gives the same split."""
        order = rng(generator).permutation(len(self))
        n_test = int(round(len(self) * test_fraction))
        test, train = order[:n_test], order[n_test:]
        part = lambda idx, tag: Dataset(self.X[idx], self.y[idx], f"{self.name} ({tag})",  # noqa: E731
                                        self.n_classes, list(self.class_names))
        return part(train, "train"), part(test, "test")


def _noisy(points: np.ndarray, noise: float, g) -> np.ndarray:
    return points + (g.normal(0.0, noise, size=points.shape) if noise else 0.0)


def _shuffled(X, y, g, name, k) -> Dataset:
    order = g.permutation(len(y))
    return Dataset(X[order], y[order], name, k)


def xor(n: int = 400, noise: float = 0.1, generator=None) -> Dataset:
    """Points around the four corners (±1, ±1); class 1 where exactly one coordinate is positive —
    the classic problem no single linear layer can solve."""
    g = rng(generator)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float64)
    labels = np.array([0, 1, 1, 0])
    pick = np.arange(n) % 4
    X = _noisy(corners[pick] * 0.5, noise * 2, g)
    return _shuffled(X, labels[pick], g, "xor", 2)


def two_moons(n: int = 500, noise: float = 0.1, generator=None) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons`` construction):
    class 0: ``(cos t, sin t)``, class 1: ``(1 - cos t, 0.5 - sin t)``, ``t ∈ [0, π]``, plus noise."""
    g = rng(generator)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0, math.pi, n0)
    t1 = np.linspace(0, math.pi, n1)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(_noisy(X, noise, g), y, g, "moons", 2)


def circles(n: int = 500, noise: float = 0.05, factor: float = 0.5, generator=None) -> Dataset:
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor``, plus noise."""
    g = rng(generator)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0, 2 * math.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * math.pi, n1, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        factor * np.stack([np.cos(t1), np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(_noisy(X, noise, g), y, g, "circles", 2)


def spirals(n: int = 600, classes: int = 2, noise: float = 0.1, turns: float = 1.5, generator=None) -> Dataset:
    """``classes`` interleaved spiral arms: arm k at angle ``θ = 2π·turns·r + 2πk/classes``, radius r ∈ (0, 1]."""
    g = rng(generator)
    per = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    Xs, ys = [], []
    for k, m in enumerate(per):
        r = np.linspace(0.05, 1.0, m)
        theta = 2 * math.pi * turns * r + 2 * math.pi * k / classes
        Xs.append(np.stack([r * np.cos(theta), r * np.sin(theta)], 1))
        ys.append(np.full(m, k, np.int64))
    X = _noisy(np.concatenate(Xs), noise * 0.1 * 2, g)
    return _shuffled(X, np.concatenate(ys), g, "spirals", classes)


def digits() -> Dataset:
    """scikit-learn's bundled 8×8 handwritten digits (1797 images, 64 features scaled to [0, 1], 10 classes)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DatasetError("the digits dataset comes with scikit-learn, which is not installed: "
                           "pip install scikit-learn (or pip install chainrule[data])") from None
    d = load_digits()
    return Dataset(d.data / 16.0, d.target, "digits", 10, [str(i) for i in range(10)])


def sequences(n: int = 600, noise: float = 0.2, length: int = 16, classes: int = 3, generator=None) -> Dataset:
    """A generated sequence task: each example is ``length`` samples of a sine wave with a random phase and
    amplitude, plus noise; its class is the wave's frequency (1, 2 or 3 cycles over the window).  The
    features are the samples in time order (``(n, length)``; a recurrent model reads them as
    ``(n, length, 1)``).  Nothing is downloaded."""
    g = rng(generator)
    y = np.arange(n) % classes
    t = np.arange(length) / length
    phase = g.uniform(0, 2 * np.pi, n)
    amp = g.uniform(0.5, 1.5, n)
    X = amp[:, None] * np.sin(2 * np.pi * (y[:, None] + 1) * t[None, :] + phase[:, None])
    X = _noisy(X, noise, g)
    return _shuffled(X, y, g, "sequences", classes)


def load_csv(path: str, label_column: int = -1) -> Dataset:
    """Read a numeric CSV: one example per line, the class number in ``label_column`` (default last).

    A first line with no numbers is taken as a header; blank lines and lines starting with ``#`` are
    skipped.  Class labels may be any whole numbers or words; they are numbered 0..k-1 in sorted
    order.  A wrong number of columns or a cell that is not a number raises ``DatasetError`` naming
    the file, the line and the column.
    """
    import csv
    import io
    if not os.path.exists(path):
        raise DatasetError(f"{path}: no such file (expected a CSV file or one of xor, moons, circles, "
                           f"spirals, digits)")
    if os.path.isdir(path):
        raise DatasetError(f"{path}: is a folder, not a CSV file")
    rows, labels, label_lines, header, width = [], [], [], None, None
    try:
        raw = _read_bounded(path)
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise DatasetError(f"{path}, line {line}: not UTF-8 text: save the CSV file as UTF-8") from None
    for lineno, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in cells]
        if width is None:
            width = len(cells)
            if width < 2:
                raise DatasetError(f"{path}, line {lineno}: found 1 column; a dataset needs at least "
                                   f"one feature column and a label column")
            if not any(_is_number(c) for c in cells):
                header = cells
                continue
        if len(cells) != width:
            raise DatasetError(f"{path}, line {lineno}: expected {width} columns (like the first line), "
                               f"found {len(cells)}")
        lab = label_column % width
        row = []
        for col, cell in enumerate(cells):
            if col == lab:
                continue
            try:
                value = float(cell)
            except ValueError:
                raise DatasetError(f"{path}, line {lineno}, column {col + 1}"
                                   f"{' (' + header[col] + ')' if header else ''}: "
                                   f"'{cell}' is not a number") from None
            if not math.isfinite(value):
                raise DatasetError(f"{path}, line {lineno}, column {col + 1}: '{cell}' is not a finite number")
            _check_float32(value, cell, f"{path}, line {lineno}, column {col + 1}")
            row.append(value)
        rows.append(row)
        labels.append(cells[lab])
        label_lines.append(lineno)
    if not rows:
        raise DatasetError(f"{path}: no data lines")
    y_raw = labels
    if all(_is_number(v) for v in y_raw) and not all(_is_whole(v) for v in y_raw):
        i = next(i for i, v in enumerate(y_raw) if not _is_whole(v))
        raise DatasetError(f"{path}, line {label_lines[i]}: the label '{y_raw[i]}' is not a whole number; train "
                           f"classifies, so labels must be class numbers or names")
    if all(_is_whole(v) for v in y_raw):
        keys = sorted({int(float(v)) for v in y_raw})
        index = {k: i for i, k in enumerate(keys)}
        y = [index[int(float(v))] for v in y_raw]
        names = [str(k) for k in keys]
    else:
        names = sorted(set(y_raw))
        index = {k: i for i, k in enumerate(names)}
        y = [index[v] for v in y_raw]
    if len(names) < 2:
        raise DatasetError(f"{path}: every example has the label '{names[0]}'; a classifier needs at least two classes")
    name = os.path.splitext(os.path.basename(path))[0]
    return Dataset(np.array(rows), np.array(y), name, len(names), names)


MAX_CSV_BYTES = 50_000_000      # far beyond a dataset train handles in a session; bounds `--dataset /dev/zero`
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _read_bounded(path: str) -> bytes:
    """The file's bytes, refused when larger than ``MAX_CSV_BYTES`` (a device or pipe is read only that far)."""
    with open(path, "rb") as f:
        data = f.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise DatasetError(f"{path}: larger than {MAX_CSV_BYTES // 1_000_000} MB; train reads CSV datasets up to "
                           f"that size")
    return data


MAX_POINTS = 1_000_000          # generated points: far more than a 2-D toy problem needs
MAX_NOISE = 100.0               # the generated shapes span about ±2; beyond this they are noise only


def _check_generated(n, noise) -> None:
    """``--n`` and ``--noise`` of a generated dataset, checked before anything is allocated."""
    if n is not None and not 1 <= n <= MAX_POINTS:
        raise DatasetError(f"--n must be between 1 and {MAX_POINTS:,} points, got {n}")
    if noise is not None and not 0 <= noise <= MAX_NOISE:
        raise DatasetError(f"--noise must be between 0 and {MAX_NOISE:g}, got {noise}")


def _check_float32(value: float, cell: str, where: str) -> None:
    """train computes in float32: a value beyond its range would become inf (and the loss nan)."""
    if abs(value) > FLOAT32_MAX:
        raise DatasetError(f"{where}: '{cell}' is too large for float32, the precision train computes in "
                           f"(at most ±3.4e38); rescale the column")


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _is_whole(s: str) -> bool:
    try:
        return float(s).is_integer()
    except ValueError:
        return False


BUILTIN = {"xor": xor, "moons": two_moons, "circles": circles, "spirals": spirals, "digits": digits,
           "sequences": sequences}


def load(name_or_path: str, n: int | None = None, noise: float | None = None, generator=None) -> Dataset:
    """A built-in dataset by name (xor, moons, circles, spirals, digits) or a CSV file by path."""
    key = name_or_path.lower()
    if key in BUILTIN:
        if key == "digits":
            return digits()
        _check_generated(n, noise)
        kw = {}
        if n is not None:
            kw["n"] = n
        if noise is not None:
            kw["noise"] = noise
        return BUILTIN[key](generator=generator, **kw)
    if name_or_path.lower().endswith((".csv", ".txt")) or os.path.exists(name_or_path):
        return load_csv(name_or_path)
    raise DatasetError(f"unknown dataset '{name_or_path}': use xor, moons, circles, spirals, digits, sequences or a path "
                       f"to a .csv file")
