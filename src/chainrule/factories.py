"""Tensor factories: ``tensor``, ``zeros``, ``ones``, ``full``, ``empty``, ``eye``, ``arange``, ``linspace``,
``rand``, ``randn``, ``randint``, ``*_like``, ``from_numpy``, ``as_tensor`` and the legacy typed constructors.

All accept PyTorch's keyword arguments (``dtype=``, ``device=``, ``requires_grad=``).
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .device import check_device
from .random import rng
from .tensor import Tensor, _shape_arg, _to_array


def _finish(arr: np.ndarray, requires_grad: bool, device) -> Tensor:
    check_device(device)
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _float(dtype) -> np.dtype:
    return (dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).np


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (Python floats → float32, ints → int64, bools → bool)."""
    arr = np.array(_to_array(data, dtype), copy=True)
    return _finish(arr, requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array (or returns a Tensor itself) when it can."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    return _finish(_to_array(data, dtype), False, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """Share ``array``'s memory (no copy): changes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.zeros(_shape_arg(size), dtype=_float(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.ones(_shape_arg(size), dtype=_float(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(np.zeros(_shape_arg(size), dtype=_float(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = (dtypes.bool_ if isinstance(fill_value, bool) else
                 dtypes.int64 if isinstance(fill_value, int) else dtypes.get_default_dtype())
    return _finish(np.full(_shape_arg((size,)), fill_value, dtype=dtypes.to_dtype(dtype).np), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    return _finish(np.arange(start, end, step).astype(dtypes.to_dtype(dtype).np), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform on [0, 1)."""
    return _finish(rng(generator).random(_shape_arg(size)).astype(_float(dtype)), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal."""
    return _finish(rng(generator).standard_normal(_shape_arg(size)).astype(_float(dtype)), requires_grad, device)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Integers uniform on [low, high); ``randint(high, size)`` as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    d = dtypes.to_dtype(dtype).np if dtype is not None else np.int64
    return _finish(rng(generator).integers(low, high, _shape_arg((size,))).astype(d), requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None) -> Tensor:
    return _finish(rng(generator).permutation(n).astype(np.int64), False, device)


def _like(fn):
    def like(input, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
        return fn(*input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad, **kw)
    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and, unless given, the dtype) of ``input``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low, high=None, dtype=None, device=None) -> Tensor:
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device)


def FloatTensor(*args) -> Tensor:
    """Legacy constructor: float32 data (``FloatTensor([1, 2])``) or an uninitialised shape."""
    t = Tensor(*args)
    return t if t._data.dtype == np.float32 else Tensor._make(t._data.astype(np.float32))


def DoubleTensor(*args) -> Tensor:
    return Tensor._make(Tensor(*args)._data.astype(np.float64))


def LongTensor(*args) -> Tensor:
    """Legacy constructor: int64 data."""
    if len(args) == 1 and not isinstance(args[0], int):
        return Tensor._make(np.array(_to_array(args[0]), dtype=np.int64))
    return Tensor._make(np.zeros(_shape_arg(args), dtype=np.int64))


def BoolTensor(*args) -> Tensor:
    if len(args) == 1 and not isinstance(args[0], int):
        return Tensor._make(np.array(_to_array(args[0]), dtype=np.bool_))
    return Tensor._make(np.zeros(_shape_arg(args), dtype=np.bool_))
