"""The differences between chainrule's trace and PyTorch's, by kind.

Kinds (the first difference of a program decides its kind):

- ``crash``          a statement raises in chainrule and works in PyTorch
- ``missing_error``  PyTorch raises and chainrule does not
- ``error_class``    both raise, with different builtin exception classes
- ``type``           a variable is a tensor in one library and not in the other (or differs as a non-tensor)
- ``shape`` / ``dtype`` / ``requires_grad`` / ``value``   a variable at the end of the program
- ``backward``       the backward pass raises in one library only (``backward_error_class``: classes differ)
- ``grad_presence``  a leaf's ``.grad`` is None in one library only
- ``grad``           a leaf's gradient differs (shape, dtype or value)
- ``value_overflow`` / ``grad_overflow``  the only differing elements are nan in one and ±inf in the other
- ``warning``        chainrule printed a NumPy RuntimeWarning where PyTorch was silent

Values are compared nan-aware (nan where PyTorch has nan, ±inf where it has ±inf, signs of zero
ignored), exactly for integers and booleans, and for floats to a tolerance scaled by the largest
finite magnitude of PyTorch's value (summation order differs between NumPy and PyTorch).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# rtol, and atol as a fraction of the tensor's largest finite magnitude (plus a floor)
TOLERANCE = {"float64": (1e-9, 1e-12), "float32": (2e-4, 2e-6)}

KINDS = ("crash", "missing_error", "error_class", "type", "shape", "dtype", "requires_grad", "value",
         "value_overflow", "backward", "backward_error_class", "grad_presence", "grad", "grad_overflow", "warning")


@dataclass(frozen=True)
class Difference:
    kind: str
    where: str          # a statement number, a variable, a leaf's grad
    ours: str
    theirs: str

    def __str__(self):
        return f"{self.kind} at {self.where}: chainrule {self.ours} | torch {self.theirs}"


def close(a: np.ndarray, b: np.ndarray, dtype: str, scale: float = 0.0) -> bool:
    """``a`` (chainrule) equals ``b`` (PyTorch) as a user would judge it."""
    if a.shape != b.shape:
        return False
    if dtype not in TOLERANCE:
        return np.array_equal(a, b)
    a, b = a.astype(np.float64), b.astype(np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if not np.array_equal(nan_a, nan_b):
        return False
    inf_a, inf_b = np.isinf(a), np.isinf(b)
    if not np.array_equal(inf_a, inf_b) or not np.array_equal(a[inf_a], b[inf_b]):
        return False
    fa, fb = a[~(nan_a | inf_a)], b[~(nan_b | inf_b)]
    if fa.size == 0:
        return True
    rtol, afrac = TOLERANCE[dtype]
    scale = max(scale, float(np.max(np.abs(fb))))
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.all(np.abs(fa - fb) <= afrac * max(scale, 1e-30) + rtol * np.abs(fb) + 1e-300))


def _show(seen) -> str:
    if seen is None:
        return "None"
    if not seen.is_tensor:
        return seen.text
    body = np.array2string(seen.array, threshold=12, precision=8) if seen.array is not None else ""
    return f"{body} ({seen.dtype}, shape {seen.shape}{', requires_grad' if seen.requires_grad else ''})"


def _tensor_differences(where, a, b, value_kind="value", precision=None, scale=0.0):
    """The first difference between two observed variables, or None."""
    if a.is_tensor != b.is_tensor:
        return Difference("type", where, _show(a), _show(b))
    if not a.is_tensor:
        return None if a.text == b.text else Difference("type", where, a.text, b.text)
    if a.shape != b.shape:
        return Difference("shape" if value_kind == "value" else value_kind, where, _show(a), _show(b))
    if a.dtype != b.dtype:
        return Difference("dtype" if value_kind == "value" else value_kind, where, _show(a), _show(b))
    if value_kind == "value" and a.requires_grad != b.requires_grad:
        return Difference("requires_grad", where, _show(a), _show(b))
    if not close(a.array, b.array, precision if precision and b.dtype in TOLERANCE else b.dtype, scale):
        kind = value_kind + "_overflow" if _only_nonfinite_differ(a.array, b.array) else value_kind
        return Difference(kind, where, _show(a), _show(b))
    return None


def _only_nonfinite_differ(a, b) -> bool:
    """Every element that differs is nan in one library and ±inf in the other (an overflowing sum)."""
    if a.dtype.kind != "f" or a.shape != b.shape:
        return False
    with np.errstate(invalid="ignore"):
        differ = ~((a == b) | (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-4, atol=0))
    return bool(differ.any()) and bool(np.all(~np.isfinite(a[differ]) & ~np.isfinite(b[differ])))


def defined_at(program, name: str) -> int:
    """The index of the statement that made ``name`` (the last one assigning it); -1 for a leaf."""
    for i in reversed(range(len(program.statements))):
        if program.statements[i].startswith(f"{name} = "):
            return i
    return -1


def defined_by(program, name: str) -> str:
    i = defined_at(program, name)
    return program.statements[i] if i >= 0 else "a leaf"


def differences(program, ours, theirs) -> list:
    """Every difference, earliest statement first; the first is the program's kind.

    Once a statement raises in one library only, the two runs hold different state: after it only the
    shapes and dtypes of variables made before it are still compared (an in-place change cannot alter them).
    """
    # a float64 value computed from float32 ones carries float32's rounding (x.float().log2().double())
    precision = "float32" if any(s.is_tensor and s.dtype == "float32" for s in theirs.seen.values()) else None
    scale = program_scale(theirs)
    steps, diverged = [], len(program.statements)
    for i, (a, b) in enumerate(zip(ours.steps, theirs.steps)):
        where = f"statement {i + 1}: {program.statements[i]}"
        if a is not None and b is None:
            steps.append((i, Difference("crash", where, f"{a[0]}: {a[1]}", "works")))
        elif a is None and b is not None:
            steps.append((i, Difference("missing_error", where, "works", f"{b[0]}: {b[1]}")))
        elif a is not None and a[0] != b[0]:
            steps.append((i, Difference("error_class", where, f"{a[0]}: {a[1]}", f"{b[0]}: {b[1]}")))
        else:
            continue
        # PyTorch refusing an op it has no kernel for leaves every other variable as it was: no divergence
        if steps[-1][1].kind != "error_class" and not (b is not None and b[0] == "NotImplementedError"):
            diverged = min(diverged, i)
    found = list(steps)
    for name, b in theirs.seen.items():
        a = ours.seen.get(name)
        at = defined_at(program, name)
        where = f"{name} (from: {defined_by(program, name)})"
        if a is None:
            d = Difference("type", where, "undefined", _show(b))
        else:
            d = _tensor_differences(where, a, b, precision=precision, scale=scale)
        if d and (at < diverged or diverged == len(program.statements)) and \
                (diverged == len(program.statements) or d.kind in ("type", "shape", "dtype")):
            found.append((at, d))
    if diverged == len(program.statements):
        found += [(len(program.statements), d) for d in _after(ours, theirs, precision, scale)]
    found.sort(key=lambda pair: pair[0])
    return [d for _, d in found]


def program_scale(trace) -> float:
    """The magnitude of the program's ordinary values (finite, at most 1e4), for the absolute part of the
    tolerance: ``(a + b).sum()`` of values near 3 cancels to 0 in one library and 2e-16 in the other."""
    big = 0.0
    for s in trace.seen.values():
        if s.is_tensor and s.array is not None and s.array.dtype.kind == "f" and s.array.size:
            v = np.abs(s.array[np.isfinite(s.array)])
            v = v[v <= 1e4]
            if v.size:
                big = max(big, float(v.max()))
    return big


def _after(ours, theirs, precision=None, scale=0.0):
    """The differences of the backward pass and of the warnings."""
    found = []
    if isinstance(ours.backward, tuple) != isinstance(theirs.backward, tuple) or \
            (ours.backward == "none") != (theirs.backward == "none"):
        found.append(Difference("backward", "backward()", str(ours.backward), str(theirs.backward)))
    elif isinstance(ours.backward, tuple) and ours.backward[0] != theirs.backward[0]:
        found.append(Difference("backward_error_class", "backward()", str(ours.backward), str(theirs.backward)))
    elif ours.backward is None:
        for name, b in theirs.grads.items():
            a = ours.grads.get(name)
            if (a is None) != (b is None):
                found.append(Difference("grad_presence", f"{name}.grad", _show(a), _show(b)))
            elif a is not None:
                d = _tensor_differences(f"{name}.grad", a, b, value_kind="grad", precision=precision, scale=scale)
                if d:
                    found.append(d)
    if ours.warnings and not theirs.warnings:
        found.append(Difference("warning", "warnings", "; ".join(sorted(set(ours.warnings)))[:300], "none"))
    return found
