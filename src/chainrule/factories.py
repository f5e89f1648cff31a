"""Tensor factories: ``tensor``, ``zeros``, ``ones``, ``full``, ``empty``, ``eye``, ``arange``, ``linspace``,
``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``multinomial``, ``*_like``, ``from_numpy``,
``as_tensor`` and the legacy typed constructors.

All accept PyTorch's keyword arguments (``dtype=``, ``device=``, ``requires_grad=``, ``generator=``).  The random
ones draw PyTorch's stream (``chainrule.random``): after ``manual_seed(s)`` they give ``torch``'s numbers.
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .device import check_device
from .random import distributions as D, resolve
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


_TYPE_WORDS = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _random_float(dtype, kernel: str = "check_uniform_bounds") -> np.dtype:
    """The float dtype to draw in; an integer dtype is PyTorch's "not implemented" RuntimeError."""
    d = _float(dtype)
    if d.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_TYPE_WORDS.get(d.name, d.name)}\'')
    return d


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """Uniform on [0, 1): float32 = 24 random bits·2⁻²⁴ (one 32-bit draw), float64 = 53 bits (two)."""
    return _finish(D.uniform(resolve(generator), _shape_arg(size), _random_float(dtype)), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """Standard normal by Box–Muller (from 16 elements on, PyTorch's block-of-16 fill)."""
    return _finish(D.normal(resolve(generator), _shape_arg(size), _random_float(dtype, "normal_kernel_cpu")), requires_grad, device)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False,
            out=None) -> Tensor:
    """Integers uniform on [low, high) as ``(r mod (high − low)) + low``; ``randint(high, size)`` as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() received an invalid combination of arguments - got (int), but expected one of: "
                        "(int high, tuple of ints size), (int low, int high, tuple of ints size)")
    if not low < high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    d = dtypes.to_dtype(dtype).np if dtype is not None else np.int64
    return _finish(D.random_from_to(resolve(generator), _shape_arg((size,)), d, int(low), int(high)),
                   requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False, out=None,
             pin_memory=False) -> Tensor:
    """A random permutation of 0 … n−1 (PyTorch's Fisher–Yates over its stream)."""
    d = dtypes.to_dtype(dtype).np if dtype is not None else np.int64
    return _finish(D.randperm(resolve(generator), int(n)).astype(d), requires_grad, device)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
           out=None) -> Tensor:
    """N(mean, std²): ``normal(m, s, size)`` with numbers, or element-wise means/stds from tensors
    (drawn as N(0, 1) then ``·std + mean``, as PyTorch does)."""
    g = resolve(generator)
    m_t, s_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (m_t or s_t):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float), but expected "
                            "one of: (Tensor mean, Tensor std), (float mean, float std, tuple of ints size)")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return _finish(D.normal(g, _shape_arg((size,)), _random_float(dtype, "normal_kernel_cpu"), mean, std), requires_grad, device)
    shape = np.broadcast_shapes(mean.shape if m_t else (), std.shape if s_t else ())
    d = (mean if m_t else std)._data.dtype
    z = D.normal(g, shape, d)
    m = mean._data if m_t else mean
    s = std._data if s_t else std
    return _finish((z * np.asarray(s, dtype=d) + np.asarray(m, dtype=d)).astype(d), requires_grad, device)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 draws: 1 with probability ``input`` (element-wise) or the number ``p``."""
    return input.bernoulli(p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Indices from each row's probabilities: with replacement by inverse CDF (one float64 uniform each),
    without by the top ``num_samples`` of p / Exp(1)."""
    return input.multinomial(num_samples, replacement, generator=generator)


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


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False,
                 memory_format=None) -> Tensor:
    """``randint`` with the shape (and, unless given, the dtype) of ``input``; ``randint_like(x, high)`` too."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)


# the legacy constructors are type objects too (x.type(FloatTensor), isinstance(x, LongTensor))
from .tensor_types import (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,  # noqa: E402,F401
                           CharTensor, ByteTensor, BoolTensor)
