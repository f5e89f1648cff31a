"""PyTorch's legacy tensor type objects: ``FloatTensor``, ``DoubleTensor``, ``LongTensor`` …

Each is a class-like object of the metaclass ``tensortype`` that
  * constructs: ``FloatTensor([1, 2])`` (data converted to its dtype, ``LongTensor([1.7])`` → [1]),
    ``FloatTensor(2, 3)`` (a tensor of that shape);
  * names a type: ``x.type(torch.FloatTensor)`` converts, ``x.type()`` returns ``'torch.FloatTensor'``;
  * tests one: ``isinstance(x, torch.LongTensor)`` is True for an int64 tensor.
"""
from __future__ import annotations

import numpy as np

from . import dtypes

#: (name, dtype) of every legacy type, as PyTorch names them
_TYPES = (("FloatTensor", dtypes.float32), ("DoubleTensor", dtypes.float64), ("HalfTensor", dtypes.float16),
          ("LongTensor", dtypes.int64), ("IntTensor", dtypes.int32), ("ShortTensor", dtypes.int16),
          ("CharTensor", dtypes.int8), ("ByteTensor", dtypes.uint8), ("BoolTensor", dtypes.bool_))


class tensortype(type):
    """The metaclass of the legacy types (PyTorch's ``torch.tensortype``)."""

    def __call__(cls, *args, device=None):
        from .tensor import Tensor, _to_array
        from .tensor_methods.common import _shape_arg
        from .device import check_device
        check_device(device)
        np_dtype = cls.dtype.np
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]
            arr = data._data if isinstance(data, Tensor) else _to_array(data, dtype=cls.dtype)   # (no float32 detour)
            return Tensor._make(np.array(arr, dtype=np_dtype))
        return Tensor._make(np.zeros(_shape_arg(args) if args else (0,), dtype=np_dtype))

    def __instancecheck__(cls, obj):
        from .tensor import Tensor
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _make_type(name, dt):
    return tensortype(name, (), {"dtype": dt, "__doc__": f"Legacy type: tensors of dtype {dt.name}.",
                                 "__module__": "chainrule"})


TYPES = {name: _make_type(name, dt) for name, dt in _TYPES}
FloatTensor, DoubleTensor, HalfTensor = TYPES["FloatTensor"], TYPES["DoubleTensor"], TYPES["HalfTensor"]
LongTensor, IntTensor, ShortTensor = TYPES["LongTensor"], TYPES["IntTensor"], TYPES["ShortTensor"]
CharTensor, ByteTensor, BoolTensor = TYPES["CharTensor"], TYPES["ByteTensor"], TYPES["BoolTensor"]
_BY_DTYPE = {dt.name: name for name, dt in _TYPES}


def type_name(dt) -> str:
    """``'torch.FloatTensor'`` for float32 … (what ``x.type()`` returns)."""
    name = _BY_DTYPE.get(dt.name)
    return f"torch.{name}" if name else dt.name


def resolve(spec):
    """The dtype a ``Tensor.type(spec)`` call asks for: a legacy type, its name as a string, or a dtype."""
    if isinstance(spec, tensortype):
        return spec.dtype
    if isinstance(spec, str):
        short = spec.rsplit(".", 1)[-1]
        if spec.count(".") <= 1 and short in TYPES and spec.split(".")[0] in ("torch", "chainrule", short):
            return TYPES[short].dtype
        raise ValueError(f"invalid type: {spec!r}; expected one of "
                         f"{', '.join('torch.' + n for n, _ in _TYPES)} (or a dtype such as torch.float32)")
    return spec


__all__ = list(TYPES) + ["tensortype"]
