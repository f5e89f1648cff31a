"""dtypes as PyTorch names them, and PyTorch's type-promotion rules.

A ``dtype`` wraps one NumPy dtype.  ``chainrule.float32 is chainrule.float``; Python floats become
the default dtype (float32 unless ``set_default_dtype`` says otherwise), Python ints become int64.

Promotion (``result_type``) follows PyTorch, not NumPy: categories bool < integer < floating; a
tensor with dimensions outranks a 0-d tensor, which outranks a Python scalar, *within* a category;
a higher category always wins, and an integer tensor meeting a float scalar gives the default dtype.
"""
from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type, printed as PyTorch prints it (``torch.float32`` → ``chainrule.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "itemsize")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"chainrule.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool_ = dtype("bool", np.bool_)

ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool_)
_FROM_NP = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}
_NAMES.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
               "short": int16})


#: PyTorch's words for a dtype in its messages: the ScalarType ("Expected Float but found Double") and
#: the C type ("expected dtype float for `end` but got dtype double").
SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                     "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
C_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
                "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


_default = [float32]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype Python floats become (float32 or float64), as ``torch.set_default_dtype``."""
    d = to_dtype(d)
    if d not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def get_default_dtype() -> dtype:
    return _default[0]


def from_numpy_dtype(np_dtype) -> dtype:
    """The chainrule dtype for a NumPy dtype; a clear error for types we do not support."""
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert NumPy arrays of type {np.dtype(np_dtype)}; supported types are "
                        + ", ".join(d.name for d in ALL)) from None


def to_dtype(d) -> dtype:
    """Accept a chainrule dtype, a NumPy dtype, a Python type (float/int/bool) or a name."""
    if isinstance(d, dtype):
        return d
    if d is float:            # PyTorch maps Python's float to float64 (dtype=float), whatever the default
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _NAMES:
        return _NAMES[d]
    return from_numpy_dtype(d)


def _category(np_dtype) -> int:
    kind = np_dtype.kind
    return 2 if kind == "f" else (0 if kind == "b" else 1)


def _scalar_category(value) -> int:
    if isinstance(value, (bool, np.bool_)):
        return 0
    if isinstance(value, (int, np.integer)):
        return 1
    return 2


def _promote_pair(a: np.dtype, b: np.dtype) -> np.dtype:
    """Two tensor dtypes of the same tier: the higher category wins outright (int64 + float32 →
    float32, unlike NumPy's float64); within a category, the wider type."""
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(*operands) -> np.dtype:
    """PyTorch's promotion over operands that are NumPy arrays (the tensors) or Python scalars.

    0-d arrays count as "zero-dim tensors", which lose to dimensioned ones within a category.
    """
    dims = [o.dtype for o in operands if isinstance(o, np.ndarray) and o.ndim > 0]
    zero = [o.dtype for o in operands if isinstance(o, np.ndarray) and o.ndim == 0]
    scalars = [_scalar_category(o) for o in operands if not isinstance(o, np.ndarray)]
    tiers = [t for t in (dims, zero) if t]
    best = None
    for tier in tiers:
        promoted = tier[0]
        for d in tier[1:]:
            promoted = _promote_pair(promoted, d)
        if best is None or _category(promoted) > _category(best):
            best = promoted
    if scalars and (best is None or max(scalars) > _category(best)):
        cat = max(scalars)
        best = get_default_dtype().np if cat == 2 else (np.dtype(np.int64) if cat == 1 else np.dtype(np.bool_))
    return best


class finfo:
    """Machine limits of a float dtype, as ``torch.finfo``: ``eps``, ``max``, ``min``, ``tiny``
    (= ``smallest_normal``), ``resolution``, ``bits``, ``dtype``."""

    def __init__(self, type=None):
        d = to_dtype(type) if type is not None else get_default_dtype()
        if not d.is_floating_point:
            raise TypeError(f"finfo: {d} is not a floating point dtype; use iinfo for integer dtypes")
        info = np.finfo(d.np)
        self.dtype, self.bits = d.name, info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo``: ``min``, ``max``, ``bits``, ``dtype``."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.np.kind not in "iu":
            raise TypeError(f"iinfo: {d} is not an integer dtype; use finfo for floating point dtypes")
        info = np.iinfo(d.np)
        self.dtype, self.bits, self.min, self.max = d.name, info.bits, int(info.min), int(info.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
