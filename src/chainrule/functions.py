"""The ``chainrule.<op>(tensor, ...)`` functional forms of the tensor methods, plus the ops that take
several tensors (``cat``, ``stack``, ``where``)."""
from __future__ import annotations

import builtins

import numpy as np

from .tensor import Tensor, matmul, maximum, minimum, split, chunk, gather, _data
from .ops import elementwise as E, shape as S
from .ops.reduce import normalize_dims


def _method(name):
    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"``chainrule.{name}(t, ...)`` is ``t.{name}(...)``."
    return fn


_UNARY = ["exp", "log", "log1p", "sqrt", "rsqrt", "abs", "sign", "sin", "cos", "tanh", "sigmoid", "relu",
          "clamp", "clip", "neg", "square", "reciprocal", "sum", "mean", "prod", "max", "min", "amax", "amin",
          "var", "std", "norm", "logsumexp", "softmax", "log_softmax", "reshape", "flatten", "squeeze",
          "unsqueeze", "transpose", "permute", "t", "argmax", "argmin", "isnan", "isinf", "isfinite",
          "numel", "clone", "detach", "unbind", "narrow", "select", "any", "all", "nonzero", "mm", "dot",
          "pow", "bmm", "div", "mul", "sub", "eq", "ne", "lt", "le", "gt", "ge", "allclose", "equal", "repeat_interleave",
          "count_nonzero", "floor", "ceil", "round", "trunc", "floor_divide", "remainder", "masked_fill", "cumsum",
          "flip", "index_select", "outer", "tril", "triu", "sort", "argsort", "topk", "logical_and", "logical_or",
          "logical_xor", "logical_not", "isclose", "movedim", "moveaxis", "tile", "clamp_min", "clamp_max",
          "absolute", "square", "is_floating_point", "log2", "log10", "exp2", "expm1", "tan", "asin", "acos",
          "atan", "sinh", "cosh", "erf", "arcsin", "arccos", "arctan", "fmod", "lerp"]

for _name in _UNARY:
    if hasattr(Tensor, _name):
        globals()[_name] = _method(_name)

true_divide = divide = globals()["div"]
multiply = globals()["mul"]
subtract = globals()["sub"]
negative = globals()["neg"]


def add(input, other, alpha=1):
    if isinstance(input, Tensor):
        return input.add(other, alpha=alpha)
    return E.binary(E.Add, input, other)


def swapaxes(input, axis0, axis1):
    return input.transpose(axis0, axis1)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    tensors = [t for t in tensors]
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    nd = tensors[0].ndim
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; use "
                               f"stack() to join scalars, or unsqueeze(0) them first")
    d = normalize_dims(dim, nd)[0]
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != nd or builtins.any(a != b for k, (a, b) in enumerate(zip(t.shape, ref)) if k != d):
            raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {d}. Expected size "
                               f"{tuple(ref)} (apart from dim {d}) but got {tuple(t.shape)} for tensor number "
                               f"{i} in the list.")
    tensors = _common(tensors)
    return S.Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {tuple(tensors[0].shape)} at "
                               f"entry 0 and {tuple(t.shape)} at entry {i}")
    nd = tensors[0].ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    return S.Stack.apply(*_common(tensors), dim=dim % nd)


def _common(tensors):
    dts = {t._data.dtype for t in tensors}
    if len(dts) == 1:
        return tensors
    from .dtypes import result_type
    target = result_type(*[t._data for t in tensors])
    return [t if t._data.dtype == target else E.Cast.apply(t, target) for t in tensors]


def where(condition, input=None, other=None):
    """``where(cond, a, b)``: a where cond is true, else b (differentiable in a and b)."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    cond = condition if isinstance(condition, Tensor) else Tensor._make(np.asarray(condition, dtype=bool))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):   # where(c, 1, 0): two Python scalars
        input = Tensor._make(np.asarray(input, dtype=_scalar_pair_dtype(input, other)))
    a, b = E.promote(input, other)
    try:
        return E.Where.apply(cond, a, b)
    except ValueError:
        raise E.broadcast_error("where", cond, a, b) from None


def _scalar_pair_dtype(a, b):
    """PyTorch's dtype for two Python scalars: bool, else int64, else the default float dtype."""
    from .dtypes import get_default_dtype
    kinds = {type(a), type(b)}
    if kinds <= {bool}:
        return np.bool_
    if kinds <= {bool, int}:
        return np.int64
    return get_default_dtype().np


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids: for inputs of sizes n₁ … n_k, k tensors of shape (n₁, …, n_k) (``indexing='ij'``) or
    with the first two sizes swapped (``'xy'``, Cartesian).  Differentiable: each is a view-expand of its input.

        >>> gx, gy = meshgrid(arange(3), arange(2), indexing="xy")     # both (2, 3)
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    flat = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    order = [1, 0, *range(2, len(flat))] if swap else list(range(len(flat)))
    sizes = [flat[i].shape[0] for i in order]
    grids = []
    for position, i in enumerate(order):
        shape = [1] * len(flat)
        shape[position] = sizes[position]
        grids.append(flat[i].reshape(shape).expand(sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct values of ``input`` in ascending order (or distinct slices along ``dim``), optionally with
    each element's index into them (``return_inverse``) and how often each occurs (``return_counts``).
    Not differentiable (PyTorch defines no gradient for it)."""
    data = input._data
    if dim is None:
        values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(data.shape)
    else:
        (axis,) = normalize_dims(dim, data.ndim)
        values, inverse, counts = np.unique(data, axis=axis, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
    out = [Tensor._make(values.astype(data.dtype, copy=False))]
    if return_inverse:
        out.append(Tensor._make(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``) to one, as ``torch.unique_consecutive``."""
    data = input._data
    axis = 0 if dim is None else normalize_dims(dim, data.ndim)[0]
    arr = data.reshape(-1) if dim is None else np.moveaxis(data, axis, 0)
    if arr.shape[0] == 0:
        starts = np.zeros(0, dtype=np.int64)
    else:
        diff = arr[1:] != arr[:-1]
        changed = diff.reshape(diff.shape[0], -1).any(axis=1) if diff.ndim > 1 else diff
        starts = np.concatenate([[0], np.nonzero(changed)[0] + 1])
    values = arr[starts]
    if dim is not None:
        values = np.moveaxis(values, 0, axis)
    out = [Tensor._make(np.ascontiguousarray(values))]
    if return_inverse:
        run = np.cumsum(np.isin(np.arange(arr.shape[0]), starts)) - 1
        out.append(Tensor._make(run.reshape(data.shape if dim is None else (-1,)).astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(np.diff(np.append(starts, arr.shape[0])).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)`` (batched matmul) or ``einsum('ij->j', x)``."""
    from .ops import linalg as L
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = _common([t if isinstance(t, Tensor) else Tensor._make(np.asarray(t)) for t in operands])
    if len(tensors) == 1 and tensors[0]._data.dtype == np.bool_ and "->" in equation:
        ins, out = equation.replace(" ", "").split("->")
        if set(ins) - set(out) - {".", ","}:      # a bool summed over an index counts it, as sum(): int64
            tensors = [tensors[0].long()]
    try:
        return L.Einsum.apply(*tensors, equation=equation)
    except ValueError as e:
        shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
        raise RuntimeError(f"einsum('{equation}'): operands of shapes {shapes} do not fit the equation "
                           f"({e})") from None
