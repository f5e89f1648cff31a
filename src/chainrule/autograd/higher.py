"""Higher-order gradients: a backward pass that is itself recorded (``create_graph=True``).

Every built-in op writes its vector-Jacobian product once, in NumPy (``ops/*.py``).  To differentiate
that product again, the engine runs the *same* backward code on ``Traced`` arrays: an ``ndarray``
subclass that carries the ``Tensor`` it stands for and routes every NumPy ufunc, NumPy function and
array method the backward calls to the matching chainrule op, so each step is recorded in the graph.
The numbers are the op's own (the recorded ops run the very NumPy expressions of the backward), and
the gradient of a gradient follows from the ordinary chain rule over what was recorded.

What the backward reads is unpacked as PyTorch unpacks saved variables: a saved input becomes that
input (its graph edge included), the saved output becomes the output (``grad_fn`` = this node); any
other saved value is recomputed by running the op's forward on traced inputs, so intermediates such
as a softmax's probabilities are functions of the input, not constants.

Two families need no tracing:
  * linear ops (``_LINEAR``: reshape, permute, indexing, sums, concatenation, padding …): out = f(x)
    with f linear, so ∂L/∂x = fᵀ(g) and the derivative of that with respect to g is f itself —
    the backward of the gradient replays the forward on the incoming vector (``BackwardOfLinear``);
  * comparisons, masks, ``floor``/``sign``/``isnan`` … are constants (their derivative is 0).

An op whose backward cannot be traced (it writes into a plain array in place, or calls a NumPy
function not mapped here) raises ``DoubleBackwardError`` naming the op, rather than returning a
gradient that silently treats part of the computation as a constant.

The default path (``create_graph=False``) never enters this module.
"""
from __future__ import annotations

import numpy as np

from . import function as F
from .function import AccumulateGrad, Op, Function, OutputOf, _Slots
from .grad_mode import enable_grad


class DoubleBackwardError(RuntimeError):
    """The backward of an op cannot be recorded for create_graph=True (names the op and the reason)."""


def _unsupported(node_name: str, what: str) -> DoubleBackwardError:
    return DoubleBackwardError(
        f"double backward of {node_name} is not supported: its backward {what}. Compute this gradient "
        f"without create_graph=True, or rewrite that part of the model with ops whose backward is "
        f"differentiable (see docs/guide/higher-order.md)")


_current = ["?"]   # the node whose backward is being traced (for error messages)
_poisoned = [False]   # set when a traced value was converted to a plain array during the current step


class _Untraceable(Exception):
    def __init__(self, what):
        super().__init__(what)
        self.what = what


# ----------------------------------------------------------------------------------------------- Traced
class Traced:
    """Stands for ``self._t`` (a Tensor) inside an op's NumPy backward: ufuncs, NumPy functions, methods
    and operators on it become recorded ops.  It is not an ndarray (``isinstance`` says it is, so code
    that checks for arrays takes the array path), and it cannot be turned into one: ``np.asarray`` on
    it raises, so no part of a backward can silently fall back to constants."""

    __slots__ = ("_t", "_a")
    __array_priority__ = 3000

    def __init__(self, t):
        self._t = t
        self._a = t._data

    @property
    def __class__(self):            # isinstance(x, np.ndarray) is True (type(x) is still Traced)
        return np.ndarray

    def __array__(self, dtype=None, copy=None):
        # np.asarray(traced): code often only reads .dtype or .shape of the result.  The values handed
        # out are NaN, and the step is flagged: its result is then checked against the plain backward,
        # so a value that left the traced graph shows up (as NaN) instead of becoming a silent constant.
        _poisoned[0] = True
        out = np.full(self._a.shape, np.nan, dtype=self._a.dtype)
        return out if dtype is None else out.astype(dtype)

    # -- array attributes ----------------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self._a)))

    def __bool__(self):
        return bool(self._a)

    def __index__(self):
        return self._a.__index__()

    def __int__(self):
        return int(self._a)

    def __float__(self):
        raise _Untraceable("turns a traced value into a Python float")

    def __repr__(self):
        return f"Traced({self._a!r})"

    # -- NumPy protocols -----------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None:
            raise _Untraceable(f"writes in place (numpy.{ufunc.__name__}(..., out=...))")
        if method == "__call__":
            name = ufunc.__name__
            if name in _CONSTANT_UFUNCS:
                return ufunc(*(_raw(x) for x in inputs), **kwargs)
            fn = _UFUNCS.get(name)
            if fn is None or kwargs.get("where") is not None:
                raise _Untraceable(f"calls numpy.{name}, which has no differentiable counterpart here")
            args = [_tensor_or_const(x) for x in inputs]
            return wrap(fn(*args))
        if method == "reduce" and ufunc.__name__ in ("add", "maximum", "minimum"):
            a = _tensor(inputs[0])
            axis = kwargs.get("axis", 0)
            keep = kwargs.get("keepdims", False)
            if ufunc.__name__ == "add":
                return _sum(a, axis, keep, kwargs.get("dtype"))
            from ..ops.reduce import Amax
            return wrap(Amax.apply(a, _axes(axis, a._data.ndim), keep, ufunc.__name__ == "minimum"))
        raise _Untraceable(f"calls numpy.{ufunc.__name__}.{method}")

    def __array_function__(self, func, types, args, kwargs):
        name = func.__name__
        if name in _CONSTANT_FUNCS:
            return func(*_raw_tree(args), **_raw_tree(kwargs))
        fn = _FUNCS.get(name)
        if fn is None:
            raise _Untraceable(f"calls numpy.{name}, which has no differentiable counterpart here")
        return fn(*args, **kwargs)

    # -- operators -----------------------------------------------------------------------------------
    __add__ = lambda s, o: np.add(s, o)              # noqa: E731
    __radd__ = lambda s, o: np.add(o, s)             # noqa: E731
    __sub__ = lambda s, o: np.subtract(s, o)         # noqa: E731
    __rsub__ = lambda s, o: np.subtract(o, s)        # noqa: E731
    __mul__ = lambda s, o: np.multiply(s, o)         # noqa: E731
    __rmul__ = lambda s, o: np.multiply(o, s)        # noqa: E731
    __truediv__ = lambda s, o: np.true_divide(s, o)  # noqa: E731
    __rtruediv__ = lambda s, o: np.true_divide(o, s)  # noqa: E731
    __pow__ = lambda s, o: np.power(s, o)            # noqa: E731
    __rpow__ = lambda s, o: np.power(o, s)           # noqa: E731
    __matmul__ = lambda s, o: np.matmul(s, o)        # noqa: E731
    __rmatmul__ = lambda s, o: np.matmul(o, s)       # noqa: E731
    __neg__ = lambda s: np.negative(s)               # noqa: E731
    __pos__ = lambda s: s                            # noqa: E731
    __abs__ = lambda s: np.absolute(s)               # noqa: E731
    __floordiv__ = lambda s, o: np.floor_divide(s, o)  # noqa: E731
    __mod__ = lambda s, o: np.remainder(s, o)        # noqa: E731
    __lt__ = lambda s, o: np.less(s, o)              # noqa: E731
    __le__ = lambda s, o: np.less_equal(s, o)        # noqa: E731
    __gt__ = lambda s, o: np.greater(s, o)           # noqa: E731
    __ge__ = lambda s, o: np.greater_equal(s, o)     # noqa: E731
    __eq__ = lambda s, o: np.equal(s, o)             # noqa: E731
    __ne__ = lambda s, o: np.not_equal(s, o)         # noqa: E731
    __hash__ = None
    __iadd__, __isub__, __imul__, __itruediv__ = __add__, __sub__, __mul__, __truediv__   # rebinding

    def __setitem__(self, key, value):
        raise _Untraceable("writes into an array in place (x[...] = ...)")

    # -- methods -------------------------------------------------------------------------------------
    def _tt(self):
        return self._t

    def astype(self, dtype, copy=True, **_):
        dt = np.dtype(dtype)
        if dt == self.dtype:
            return self
        if dt.kind not in "fc":
            return self._a.astype(dt)
        from ..ops.elementwise import Cast
        return wrap(Cast.apply(self._t, dt))

    def reshape(self, *shape, **_):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _reshape(self, shape)

    def sum(self, axis=None, dtype=None, keepdims=False, **_):
        return _sum(self._t, axis, keepdims, dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, **_):
        from ..ops.reduce import Mean
        return wrap(Mean.apply(self._t, _axes(axis, self._a.ndim), keepdims))

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _permute(self, axes or tuple(reversed(range(self.ndim))))

    @property
    def T(self):
        return _permute(self, tuple(reversed(range(self.ndim))))

    def swapaxes(self, a, b):
        return _swapaxes(self, a, b)

    def ravel(self, *_):
        return _reshape(self, (-1,))

    flatten = ravel

    def squeeze(self, axis=None):
        return _squeeze(self, axis)

    def copy(self, *_, **__):
        return self

    def __getitem__(self, key):
        if type(key) is Traced or (isinstance(key, tuple) and any(type(k) is Traced for k in key)):
            raise _Untraceable("indexes with a traced array")
        return wrap(self._t[key])

    def max(self, axis=None, keepdims=False, **_):
        if axis is None:
            return np.maximum.reduce(self.reshape(-1), axis=0)
        return np.maximum.reduce(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False, **_):
        if axis is None:
            return np.minimum.reduce(self.reshape(-1), axis=0)
        return np.minimum.reduce(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis=None, **_):
        return _cumsum(self, axis)

    def all(self, *a, **k):
        return self._a.all(*a, **k)

    def any(self, *a, **k):
        return self._a.any(*a, **k)

    def item(self):
        raise _Untraceable("turns a traced value into a Python number (.item())")

    def traced_unary(self, name):
        """A chainrule ``UnaryMath`` function (``erf`` …) of this value, recorded."""
        from ..ops.elementwise import UnaryMath
        return wrap(UnaryMath.apply(self._t, name))


def wrap(t) -> Traced:
    """The Traced stand-in for Tensor ``t``."""
    return Traced(t)


def _raw(x):
    return x._a if type(x) is Traced else x


def _raw_tree(x):
    if type(x) is Traced:
        return x._a
    if isinstance(x, (list, tuple)):
        return type(x)(_raw_tree(v) for v in x)
    if isinstance(x, dict):
        return {k: _raw_tree(v) for k, v in x.items()}
    return x


def _tensor_or_const(x):
    if type(x) is Traced:
        return x._tt()
    return x


def _tensor(x):
    """A Tensor for ``x`` (constants wrapped, without a graph)."""
    Tensor = F._Tensor[0]
    if type(x) is Traced:
        return x._tt()
    return Tensor._make(np.asarray(x))


def _axes(axis, ndim):
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(a % ndim for a in axis) if ndim else tuple(axis)
    return (axis % ndim,) if ndim else (axis,)


def _sum(t, axis, keepdims, dtype=None):
    from ..ops.reduce import Sum
    if not isinstance(t, F._Tensor[0]):
        t = _tensor(t)
    return wrap(Sum.apply(t, _axes(axis, t._data.ndim), bool(keepdims), dtype))


def _reshape(x, shape):
    from ..ops.shape import Reshape
    t = _tensor(x)
    shape = tuple(shape)
    target = np.empty(t._data.shape, dtype=bool).reshape(shape).shape   # resolve -1 as NumPy does
    return wrap(Reshape.apply(t, target))


def _permute(x, axes):
    from ..ops.shape import Permute
    t = _tensor(x)
    axes = tuple(a % t._data.ndim for a in axes)
    if axes == tuple(range(t._data.ndim)):
        return x if type(x) is Traced else wrap(t)
    return wrap(Permute.apply(t, axes))


def _swapaxes(x, a, b):
    n = np.ndim(x)
    axes = list(range(n))
    a, b = a % n, b % n
    axes[a], axes[b] = axes[b], axes[a]
    return _permute(x, tuple(axes))


def _moveaxis(x, source, destination):
    n = np.ndim(x)
    src = [s % n for s in (source if isinstance(source, (tuple, list)) else (source,))]
    dst = [d % n for d in (destination if isinstance(destination, (tuple, list)) else (destination,))]
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _permute(x, tuple(order))


def _squeeze(x, axis=None):
    shape = np.shape(x)
    if axis is None:
        new = tuple(s for s in shape if s != 1)
    else:
        ax = set(_axes(axis, len(shape)))
        new = tuple(s for i, s in enumerate(shape) if i not in ax)
    return _reshape(x, new)


def _expand_dims(x, axis):
    shape = list(np.shape(x))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    n = len(shape) + len(axes)
    for a in sorted(a % n for a in axes):
        shape.insert(a, 1)
    return _reshape(x, tuple(shape))


def _broadcast_to(x, shape, subok=False):
    from ..ops.shape import Expand
    t = _tensor(x)
    shape = tuple(shape)
    if t._data.shape == shape:
        return x if type(x) is Traced else wrap(t)
    return wrap(Expand.apply(t, shape))


def _where(cond, a=None, b=None):
    from ..ops.elementwise import Where
    if a is None:
        return np.where(_raw(cond))
    return wrap(Where.apply(np.asarray(_raw(cond), dtype=bool), _tensor_or_const(a), _tensor_or_const(b)))


def _cumsum(x, axis=None, dtype=None):
    from ..ops.reduce import Cumsum
    if axis is None:
        x, axis = _reshape(x, (-1,)), 0
    t = _tensor(x)
    return wrap(Cumsum.apply(t, axis % t._data.ndim))


def _flip(x, axis=None):
    from ..ops.shape import Flip
    t = _tensor(x)
    axes = tuple(range(t._data.ndim)) if axis is None else _axes(axis, t._data.ndim)
    return wrap(Flip.apply(t, axes))


def _concatenate(arrays, axis=0, **_):
    from ..ops.shape import Cat
    ts = [_tensor(a) for a in arrays]
    if axis is None:
        ts, axis = [_tensor(_reshape(a, (-1,))) for a in arrays], 0
    return wrap(Cat.apply(*ts, dim=axis))


def _stack(arrays, axis=0, **_):
    from ..ops.shape import Stack
    return wrap(Stack.apply(*[_tensor(a) for a in arrays], dim=axis))


def _transpose(x, axes=None):
    n = np.ndim(x)
    return _permute(x, tuple(axes) if axes is not None else tuple(reversed(range(n))))


def _einsum(equation, *operands, **_):
    from ..ops.linalg import Einsum
    return wrap(Einsum.apply(*[_tensor(o) for o in operands], equation=equation))


def _outer(a, b):
    return np.multiply(_reshape(a, (-1, 1)) if type(a) is Traced else np.ravel(a)[:, None],
                       _reshape(b, (1, -1)) if type(b) is Traced else np.ravel(b)[None, :])


def _sum_fn(a, axis=None, dtype=None, keepdims=False, **_):
    return _sum(_tensor(a), axis, keepdims, dtype)


def _mean_fn(a, axis=None, dtype=None, keepdims=False, **_):
    return Traced.mean(a if type(a) is Traced else wrap(_tensor(a)), axis=axis, keepdims=keepdims)


def _prod_fn(a, axis=None, dtype=None, keepdims=False, **_):
    from ..ops.reduce import Prod
    if axis is None:
        a, axis = _reshape(a, (-1,)), 0
    return wrap(Prod.apply(_tensor(a), axis, keepdims))


def _clip(a, a_min=None, a_max=None, **_):
    from ..ops.elementwise import Clamp
    if type(a_min) is Traced or type(a_max) is Traced or np.ndim(a_min) or np.ndim(a_max):
        raise _Untraceable("calls numpy.clip with array bounds")
    return wrap(Clamp.apply(_tensor(a), a_min, a_max))


def _pad(array, pad_width, mode="constant", constant_values=0, **_):
    if mode != "constant" or np.any(np.asarray(constant_values) != 0):
        raise _Untraceable("calls numpy.pad with a non-zero or non-constant padding")
    n = np.ndim(array)
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (n, 2))
    if type(array) is not Traced:
        return np.pad(array, pad_width)
    # zero padding as a concatenation with zero blocks: linear, recorded
    out = array
    for ax in range(n):
        before, after = int(pw[ax, 0]), int(pw[ax, 1])
        parts = []
        shape = list(np.shape(out))
        if before:
            shape[ax] = before
            parts.append(np.zeros(shape, dtype=array.dtype))
        parts.append(out)
        if after:
            shape[ax] = after
            parts.append(np.zeros(shape, dtype=array.dtype))
        if len(parts) > 1:
            out = _concatenate(parts, axis=ax)
    return out


def _matmul(a, b):
    from ..ops.linalg import Matmul
    return Matmul.apply(a, b)


def _dot(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    return wrap(_matmul(_tensor_or_const(a), _tensor_or_const(b)))


def _split(ary, indices_or_sections, axis=0):
    n = np.shape(ary)[axis]
    if isinstance(indices_or_sections, int):
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0] + list(indices_or_sections) + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        key = [slice(None)] * np.ndim(ary)
        key[axis] = slice(lo, hi)
        out.append(ary[tuple(key)])
    return out


def _copy_fn(a, *_, **__):
    return a


def _ufunc_table():
    from ..ops import elementwise as E
    un = E.UnaryMath.apply
    return {
        "add": lambda a, b: E.Add.apply(a, b), "subtract": lambda a, b: E.Sub.apply(a, b),
        "multiply": E.Mul.apply, "true_divide": E.Div.apply, "divide": E.Div.apply,
        "negative": E.Neg.apply, "positive": lambda a: a, "power": E.Pow.apply,
        "float_power": E.Pow.apply, "square": lambda a: E.Mul.apply(a, a),
        "reciprocal": lambda a: E.Div.apply(np.ones((), dtype=a._data.dtype), a),
        "exp": E.Exp.apply, "log": E.Log.apply, "log1p": E.Log1p.apply, "sqrt": E.Sqrt.apply,
        "absolute": E.Abs.apply, "fabs": E.Abs.apply, "sin": E.Sin.apply, "cos": E.Cos.apply,
        "tanh": E.Tanh.apply, "maximum": E.Maximum.apply, "minimum": E.Minimum.apply,
        "matmul": _matmul,
        "log2": lambda a: un(a, "log2"), "log10": lambda a: un(a, "log10"), "exp2": lambda a: un(a, "exp2"),
        "expm1": lambda a: un(a, "expm1"), "tan": lambda a: un(a, "tan"), "arcsin": lambda a: un(a, "asin"),
        "arccos": lambda a: un(a, "acos"), "arctan": lambda a: un(a, "atan"), "sinh": lambda a: un(a, "sinh"),
        "cosh": lambda a: un(a, "cosh"), "fmod": E.Fmod.apply, "remainder": E.Remainder.apply,
    }


_CONSTANT_UFUNCS = {
    "greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isnan", "isinf", "isfinite",
    "sign", "signbit", "floor", "ceil", "trunc", "rint", "logical_and", "logical_or", "logical_not",
    "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "floor_divide", "heaviside",
}
_CONSTANT_FUNCS = {
    "zeros_like", "ones_like", "empty_like", "full_like", "shape", "ndim", "size", "count_nonzero",
    "argmax", "argmin", "argsort", "nonzero", "flatnonzero", "any", "all", "isclose", "allclose",
    "array_equal", "result_type", "may_share_memory", "shares_memory", "sort_complex", "bincount",
    "broadcast_shapes", "iscomplexobj", "isrealobj", "round", "around", "argwhere", "searchsorted",
}
_FUNCS = {
    "where": _where, "broadcast_to": _broadcast_to, "flip": _flip, "moveaxis": _moveaxis,
    "swapaxes": _swapaxes, "cumsum": _cumsum, "concatenate": _concatenate, "stack": _stack,
    "transpose": _transpose, "einsum": _einsum, "outer": _outer, "sum": _sum_fn, "mean": _mean_fn,
    "prod": _prod_fn, "clip": _clip, "pad": _pad, "dot": _dot, "reshape": lambda a, s, **_: _reshape(a, s),
    "squeeze": _squeeze, "expand_dims": _expand_dims, "ravel": lambda a, **_: _reshape(a, (-1,)),
    "split": _split, "copy": _copy_fn, "ascontiguousarray": _copy_fn, "asarray": lambda a, *x, **k: a,
    "array": lambda a, *x, **k: a, "amax": lambda a, axis=None, keepdims=False, **_:
        Traced.max(a, axis=axis, keepdims=keepdims),
    "amin": lambda a, axis=None, keepdims=False, **_: Traced.min(a, axis=axis, keepdims=keepdims),
    "max": lambda a, axis=None, keepdims=False, **_: Traced.max(a, axis=axis, keepdims=keepdims),
    "min": lambda a, axis=None, keepdims=False, **_: Traced.min(a, axis=axis, keepdims=keepdims),
}
_UFUNCS: dict = {}


# ----------------------------------------------------------------------- the backward of a linear op
#: Ops whose forward is linear in their float tensor inputs (the other arguments held fixed) and whose
#: backward reads no input values: fᵀ(g) is their backward, f their forward.
_LINEAR_NAMES = {
    "Reshape", "Permute", "Expand", "Repeat", "Flip", "Cat", "Stack", "Index", "Sum", "Mean", "Cumsum",
    "Cast", "Clone", "Neg", "ConstantPadNd", "IndexPad", "AsStrided", "Im2Col", "Col2Im", "AvgPool2D",
    "AdaptiveAvgPool2D", "SetItem", "CopySlices", "BackwardOfLinear",
}


#: Ops linear in some inputs only: the rule holds while the other float inputs need no gradient
#: (nll_loss is linear in the log-probabilities for a fixed class weight).
_LINEAR_IN = {"NllLoss": (0,)}
#: ... and ops linear only for some settings of their other arguments
_LINEAR_IF = {"Embedding": lambda node: node.padding_idx is None and not node.by_freq}

#: Piecewise-linear selections: out = x at positions fixed by the forward (max along a dim, max
#: pooling).  Their backward scatters g to those positions; its derivative gathers v from them.
#: name -> builder(node) returning v ↦ J·v (captured now: the node may be freed before it is used).


def _select_max_along_dim(node):
    idx, axis, keepdim = node.idx, node.axis, node.keepdim

    def jvp(v):
        out = np.take_along_axis(v, idx, axis=axis)
        return out if keepdim else np.squeeze(out, axis=axis)
    return jvp


def _select_max_pool(node):
    from ..ops.pooling import _offset_view, _as4d
    offsets, stride, dilation, out, pads, shape, padded = node.geometry
    saved = node.saved_tensors
    if len(saved) == 3:
        idx = saved[2]

        def jvp(v):
            v4 = _as4d(v)
            n, c = v4.shape[:2]
            flat = v4.reshape(n, c, -1)
            i4 = _as4d(idx) if idx.ndim == v.ndim else idx
            inside = (i4 >= 0) & (i4 < flat.shape[2])
            got = np.take_along_axis(flat, np.where(inside, i4, 0).reshape(n, c, -1), axis=2)
            got = np.where(inside.reshape(n, c, -1), got, 0).reshape((n, c) + tuple(out))
            return got if v.ndim == 4 else got[0]
        return jvp
    xp, best = saved
    wins, taken = [], None
    for p, q in offsets:
        won = _offset_view(xp, p, q, stride, dilation, out) == best
        if taken is not None:
            won = won & ~taken
            taken = taken | won
        else:
            taken = won
        wins.append(won)

    def jvp(v):
        v4 = _as4d(v)
        vp = np.pad(v4, ((0, 0), (0, 0)) + tuple(pads)) if any(map(any, pads)) else v4
        acc = np.zeros(best.shape, dtype=v.dtype)
        for (p, q), won in zip(offsets, wins):
            acc = acc + np.where(won, _offset_view(vp, p, q, stride, dilation, out), 0)
        return acc if v.ndim == 4 else acc[0]
    return jvp


def _gather_flat(idx, out_shape):
    """v ↦ v at flat per-plane indices ``idx`` (shape (n, c, *out)), the max-pooling index layout."""
    from ..ops.pooling import _as4d

    def jvp(v):
        v4 = _as4d(v)
        n, c = v4.shape[:2]
        flat = v4.reshape(n, c, -1)
        i4 = idx.reshape(n, c, -1)
        got = np.take_along_axis(flat, i4, axis=2).reshape((n, c) + tuple(out_shape))
        return got if v.ndim == 4 else got[0]
    return jvp


def _select_adaptive_max_pool(node):
    return _gather_flat(node.idx, node.idx.shape[2:])


_SELECTIONS = {"MaxAlongDim": _select_max_along_dim, "MaxPool2DWithIndices": _select_max_pool,
               "AdaptiveMaxPool2D": _select_adaptive_max_pool}


def _is_linear(node) -> bool:
    cls = type(node)
    if not cls.__module__.startswith("chainrule."):
        return False
    name = cls.__name__
    if name in _LINEAR_NAMES or name in _SELECTIONS:
        return True
    cond = _LINEAR_IF.get(name)
    if cond is not None:
        return cond(node)
    only = _LINEAR_IN.get(name)
    return only is not None and all(e is None for k, e in enumerate(node.edges) if k not in only)


class BackwardOfLinear(Op):
    """g ↦ fᵀ(g) for input ``i`` of a linear op f (f's recorded backward); its own backward is
    v ↦ f(…, v, …) with zeros in f's other float inputs.  It is linear in g itself, so a further
    derivative is again a ``BackwardOfLinear`` (of this node), which alternates between the two."""
    _name = "BackwardOfLinear"

    @staticmethod
    def forward(ctx, g, node, i):
        ctx.node, ctx.i = node, i
        ctx.out_meta = (g.shape, g.dtype)
        select = _SELECTIONS.get(type(node).__name__)
        if select is not None and type(node).__module__.startswith("chainrule."):
            ctx.replay = select(node)
        else:   # (captured now: the node may be freed before this backward runs)
            ctx.replay = (type(node), node._fwd, node.input_meta, node.needs_input_grad)
        grads = node._call_backward(g)
        if type(grads) is not tuple:
            grads = (grads,)
        gi = grads[i] if i < len(grads) else None
        shape, dtype = node.input_meta[i]
        if gi is None:
            return np.zeros(shape, dtype=dtype)
        gi = np.asarray(gi)
        if gi.shape != shape:
            gi = F._unbroadcast(gi, shape)
        return np.array(gi, dtype=dtype)       # a copy: backward results may be read-only views

    @staticmethod
    def backward(ctx, v):
        return np.asarray(_replay_forward(ctx.replay, ctx.i, v)).astype(ctx.out_meta[1], copy=False)


def _replay_forward(replay, i, v):
    """f(…, v, …): a linear op's forward with ``v`` in input ``i`` and zeros in its other float inputs.
    ``replay``: (op class, its recorded (inputs, kwargs, output), input metadata, needs_input_grad)."""
    if callable(replay):
        return replay(v)
    cls, fwd, metas, needs = replay
    if fwd is None:
        raise RuntimeError(F.FREED_MESSAGE)
    inputs, kwargs, _ = fwd
    args = list(inputs)
    for j, meta in enumerate(metas):
        if meta is not None:
            args[j] = np.zeros(meta[0], dtype=meta[1])
    args[i] = np.asarray(v).astype(metas[i][1], copy=False)
    ctx = cls()
    ctx.needs_input_grad = needs
    return np.asarray(cls.forward(ctx, *args, **kwargs))


# ---------------------------------------------------------------------- the backward of a bilinear op
#: Ops bilinear in inputs 0 and 1 (x and W) plus an additive input 2 (a bias): convolutions.
_BILINEAR_NAMES = {"Convolution", "ConvolutionTranspose"}


def _bilinear_grad(replay, k, values: dict, g):
    """∂⟨g, f⟩/∂(input k) with the other multiplied input set from ``values`` (input k itself is 0:
    the gradient of a bilinear map in one factor does not depend on that factor)."""
    cls, fwd, metas, _ = replay
    inputs, kwargs, _ = fwd
    args = list(inputs)
    for j in (0, 1):
        args[j] = values[j] if j in values else np.zeros(metas[j][0] if metas[j] else np.shape(inputs[j]),
                                                          dtype=np.asarray(inputs[j]).dtype)
    if len(args) > 2:
        args[2] = None
    ctx = cls()
    ctx.needs_input_grad = tuple(j in (0, 1) for j in range(len(args)))
    cls.forward(ctx, *args, **kwargs)
    return cls.backward(ctx, g)[k]


class BackwardOfBilinear(Op):
    """g, other ↦ ∂⟨g, f(x, W)⟩/∂(input i) of a bilinear op f, with ``other`` the other factor.  Its backward,
    for an incoming v: to g, f with input i = v (the other factor kept, no bias); to the other factor,
    ∂⟨g, f⟩/∂(other) at input i = v."""
    _name = "BackwardOfBilinear"

    @staticmethod
    def forward(ctx, g, other, replay, i):
        ctx.replay, ctx.i = replay, i
        ctx.save_for_backward(g, other)
        j = 1 - i
        gi = _bilinear_grad(replay, i, {j: other}, g)
        meta = replay[2][i]
        return np.array(gi, dtype=meta[1]) if meta is not None else np.array(gi)

    @staticmethod
    def backward(ctx, v):
        g, other = ctx.saved_tensors
        cls, fwd, metas, _ = ctx.replay
        i, j = ctx.i, 1 - ctx.i
        need = ctx.needs_input_grad
        dg = dother = None
        v = np.asarray(v, dtype=metas[i][1] if metas[i] else v.dtype)
        if need[0]:
            inputs, kwargs, _ = fwd
            args = list(inputs)
            args[i], args[j] = v, other
            if len(args) > 2:
                args[2] = None
            c = cls()
            c.needs_input_grad = (False,) * len(args)
            dg = np.asarray(cls.forward(c, *args, **kwargs)).astype(g.dtype, copy=False)
        if need[1]:
            dother = _bilinear_grad(ctx.replay, j, {i: v}, g)
        return dg, dother


# --------------------------------------------------------------------------------- one recorded step
def _graph_tensor(arr, edge):
    """A Tensor for ``arr`` whose gradient flows into ``edge`` (PyTorch's unpacking of a saved variable)."""
    Tensor = F._Tensor[0]
    t = Tensor._make(arr)
    if edge is not None:
        t.grad_fn = edge
        t._requires_grad = True
    return t


def traced_step(node, grad):
    """``node.backprop_step`` with ``grad`` a Tensor, recorded: returns one Tensor (or None) per edge."""
    Tensor = F._Tensor[0]
    if isinstance(node, OutputOf):
        return (_Slots({node.index: grad}),)
    if not isinstance(node, Op):
        grads = _function_step(node, grad)
    elif _is_linear(node):
        if node._fwd is None:
            node.saved_tensors          # raises the freed-graph message
            raise RuntimeError(F.FREED_MESSAGE)
        grads = tuple(None if m is None or e is None else
                      BackwardOfLinear.apply(grad, node, i)
                      for i, (m, e) in enumerate(zip(node.input_meta, node.edges)))
        return _finish(node, grads, grad)
    elif type(node).__name__ in _BILINEAR_NAMES and type(node).__module__.startswith("chainrule."):
        if node._fwd is None:
            raise RuntimeError(F.FREED_MESSAGE)
        node.saved_tensors
        replay = (type(node), node._fwd, node.input_meta, node.needs_input_grad)
        inputs = node._fwd[0]
        grads = []
        for k, (m, e) in enumerate(zip(node.input_meta, node.edges)):
            if m is None or e is None:
                grads.append(None)
            elif k in (0, 1):
                other = _graph_tensor(inputs[1 - k], node.edges[1 - k])
                grads.append(BackwardOfBilinear.apply(grad, other, replay, k))
            else:
                grads.append(BackwardOfLinear.apply(grad, node, k))
        return _finish(node, tuple(grads), grad)
    else:
        grads = _op_step(node, grad)
    out = []
    for g in grads:
        if type(g) is Traced:
            g = g._tt()
        elif g is not None and not isinstance(g, Tensor):
            arr = np.asarray(g)
            if arr.size and np.any(arr != 0):
                raise _unsupported(node.name, "computes its result outside the traced operations")
            g = Tensor._make(arr)
        out.append(g)
    return _finish(node, tuple(out), grad)


def _op_step(node, grad):
    if node._fwd is None:
        node.saved_tensors
        raise RuntimeError(F.FREED_MESSAGE)
    saved = node.saved_tensors           # (checks the versions of what was saved)
    inputs, kwargs, out_arr = node._fwd
    traced_in = [wrap(_graph_tensor(a, e)) if isinstance(a, np.ndarray) and e is not None else a
                 for a, e in zip(inputs, node.edges)]
    out_t = wrap(_graph_tensor(out_arr, node))
    mapped, intermediate = [], False
    for s in saved:
        if s is None or not isinstance(s, np.ndarray):
            mapped.append(s)
            continue
        for a, tr in zip(inputs, traced_in):
            if s is a:
                mapped.append(tr if type(tr) is Traced else s)
                break
        else:
            if s is out_arr:
                mapped.append(out_t)
            elif s.dtype.kind in "fc":
                intermediate = True
                mapped.append(s)
            else:
                mapped.append(s)     # integer indices, boolean masks: constants
    if type(node).__name__ == "NativeBatchNorm" and node.batch_stats and type(mapped[0]) is Traced:
        mapped = _batch_norm_statistics(node, mapped)
    float_attrs = any(isinstance(v, np.ndarray) and v.dtype.kind in "fc" and v.size > 1
                      for k, v in node.__dict__.items() if not k.startswith("_"))
    g = wrap(grad)
    _current[0] = node.name
    try:
        with enable_grad():
            if intermediate or float_attrs:
                ctx = type(node)()
                ctx.needs_input_grad = node.needs_input_grad
                type(node).forward(ctx, *traced_in, **kwargs)
            else:
                ctx = object.__new__(type(node))
                ctx.__dict__.update(node.__dict__)
                ctx.edges, ctx.needs_input_grad, ctx.input_meta = node.edges, node.needs_input_grad, node.input_meta
                ctx._saved_versions = ()
                ctx._saved = tuple(mapped)
            _poisoned[0] = False
            with np.errstate(all="ignore"):
                grads = type(node).backward(ctx, g)
            if _poisoned[0]:
                _check_against_plain(node, grad, grads)
    except _Untraceable as e:
        raise _unsupported(node.name, e.what) from None
    except (TypeError, ValueError, AttributeError, IndexError) as e:
        raise _unsupported(node.name, f"uses NumPy in a way that cannot be traced ({type(e).__name__}: {e})") from None
    if type(grads) is not tuple:
        grads = (grads,)
    return grads


def _batch_norm_statistics(node, mapped):
    """Batch norm's mean and 1/√(σ² + ε) arrive as arrays computed from x outside the op; with batch
    statistics they are functions of x, so they are recomputed here from the traced x (ε recovered
    from the saved values, per channel)."""
    x, weight, mean_c, invstd_c = mapped
    axes = node.axes
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    centered = x64 - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    eps = 1.0 / (invstd_c * invstd_c) - var._a
    invstd = 1.0 / np.sqrt(var + eps)
    return [x, weight, mean, invstd]


def _check_against_plain(node, grad, grads):
    """The traced backward converted a traced value to an array: its result must equal the plain one
    (the converted values were NaN, so any number computed from them differs)."""
    with np.errstate(all="ignore"):
        plain = node._call_backward(grad._data)
    if type(plain) is not tuple:
        plain = (plain,)
    traced = grads if type(grads) is tuple else (grads,)
    for p, t in zip(plain, traced):
        if p is None or t is None:
            continue
        tv = t._a if type(t) is Traced else np.asarray(t)
        if not np.array_equal(np.asarray(p), tv, equal_nan=True):
            raise _Untraceable("turns a traced array into a plain NumPy array (np.asarray, np.vectorize, …)")


def _split_grad(node, outs):
    from ..functions import cat
    return cat(outs, dim=node.dim), None, None


def _unbind_grad(node, outs):
    from ..functions import stack
    return stack(outs, dim=node.dim), None


#: the backward of chainrule's array-level Functions, in tensor ops (recorded): both are linear
_BUILTIN_FUNCTIONS = {"Split": _split_grad, "Unbind": _unbind_grad}


def _function_step(node, grad):
    """A user ``Function``: its backward runs on Tensors with grad mode on, so what it does is recorded."""
    Tensor = F._Tensor[0]
    if isinstance(grad, _Slots):
        outs = [grad.get(i) if grad.get(i) is not None else Tensor._make(np.zeros(shape, dtype))
                for i, (shape, dtype) in enumerate(node._output_meta)]
    else:
        outs = [grad]
    cls = type(node)
    if cls.__module__.startswith("chainrule."):     # chainrule's own several-output Functions work on arrays
        rule = _BUILTIN_FUNCTIONS.get(cls.__name__)
        if rule is None:
            raise _unsupported(node.name, "works on arrays, not on recorded tensors")
        with enable_grad():
            return rule(node, outs)
    with enable_grad():
        grads = node.backward(node, *outs)
    if not isinstance(grads, tuple):
        grads = (grads,)
    return tuple(None if g is None else (g if isinstance(g, Tensor) else Tensor._make(np.asarray(g)))
                 for g in grads)


def _finish(node, grads, grad):
    """Pad, sum back over broadcast dimensions and cast to each input's dtype (as ``backprop_step``)."""
    from ..ops.reduce import Sum
    from ..ops.elementwise import Cast
    from ..ops.shape import Reshape
    edges, metas = node.edges, node.input_meta
    n = len(edges)
    if len(grads) < n:
        grads = grads + (None,) * (n - len(grads))
    out = []
    for i in range(n):
        g, meta = grads[i], metas[i]
        if meta is None or g is None or edges[i] is None:
            out.append(None)
            continue
        shape, dtype = meta
        if tuple(g._data.shape) != shape:
            extra = g._data.ndim - len(shape)
            if extra > 0:
                g = Sum.apply(g, tuple(range(extra)), False, None)
            axes = tuple(k for k, s in enumerate(shape) if s == 1 and g._data.shape[k] != 1)
            if axes:
                g = Sum.apply(g, axes, True, None)
            if tuple(g._data.shape) != shape:
                g = Reshape.apply(g, shape)
        if g._data.dtype != dtype:
            g = Cast.apply(g, dtype)
        out.append(g)
    out = tuple(out)
    if node._post_hooks:
        for hook in tuple(node._post_hooks.values()):
            hook(out, (grad,))
    return out


# --------------------------------------------------------------------------------------- the engine
def run_backward_graph(roots, seeds, retain_graph: bool, capture=None, accumulate: bool = True):
    """``engine.run_backward`` with Tensors for gradients and every step recorded (create_graph=True)."""
    from .engine import _topological_counts, _skip
    Tensor = F._Tensor[0]
    if not _UFUNCS:
        _UFUNCS.update(_ufunc_table())
    counts = _topological_counts(roots)
    buffers = {}
    for r, g in zip(roots, seeds):
        g = g if isinstance(g, Tensor) else Tensor._make(g)
        buffers[r] = g if r not in buffers else buffers[r] + g
    ready = [r for r in dict.fromkeys(roots) if counts[r] == 0]
    while ready:
        node = ready.pop()
        grad = buffers.pop(node)
        if type(node) is AccumulateGrad:
            leaf = node.variable
            if leaf._hooks:
                grad = _run_hooks(leaf._hooks, grad)
            if capture is not None and node in capture:
                capture[node] = grad
            if accumulate and leaf._requires_grad:
                leaf._grad = grad if leaf._grad is None else leaf._grad + grad
                if leaf._post_accumulate_hooks:
                    for hook in tuple(leaf._post_accumulate_hooks.values()):
                        hook(leaf)
            continue
        if node._pre_hooks:
            grad = _run_hooks(node._pre_hooks, grad)
        if node._retained is not None:
            t = node._retained()
            if t is not None:
                t._grad = grad if t._grad is None else t._grad + grad
        if capture is not None and node in capture:
            capture[node] = grad
        grads = traced_step(node, grad)
        if not retain_graph:
            node.release()
        for nxt, g in zip(node.edges, grads):
            if nxt is None:
                continue
            if g is not None:
                prev = buffers.get(nxt)
                buffers[nxt] = g if prev is None else prev + g
            counts[nxt] -= 1
            if counts[nxt] == 0:
                if nxt in buffers:
                    ready.append(nxt)
                else:
                    _skip(nxt, counts, buffers, ready)


def _run_hooks(hooks: dict, grad):
    Tensor = F._Tensor[0]
    for hook in tuple(hooks.values()):
        new = hook(grad)
        if new is not None:
            grad = new if isinstance(new, Tensor) else Tensor._make(np.asarray(new, dtype=grad._data.dtype))
    return grad


__all__ = ["run_backward_graph", "DoubleBackwardError", "Traced", "BackwardOfLinear"]
_ = Function  # (user Functions are handled by _function_step)
