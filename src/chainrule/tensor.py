"""``Tensor``: one NumPy array, plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

Every method is a thin, PyTorch-named door into an op in ``chainrule.ops``; no arithmetic is done
here.  This file holds the class itself (construction, attributes, conversion, graph methods,
copying) and ``Parameter``; the method families (arithmetic, comparison, reductions, shape,
indexing, in-place …) live in ``chainrule.tensor_methods``, one mixin each.  Example::

    >>> import chainrule as torch
    >>> w = torch.tensor([0.5, -1.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> loss.backward()
    >>> w.grad
    tensor([ 1., -2.])
"""
from __future__ import annotations

import numbers

import numpy as np

from . import dtypes
from ._format import format_tensor
from .autograd import function as _function
from .autograd.function import VersionCounter, accumulator_for, RemovableHandle
from .device import check_device, CPU
from .ops import elementwise as E
from .ops.reduce import normalize_dims
from .ops.shape import RefusedView
from .tensor_methods import (ArithmeticMixin, ComparisonMixin, InPlaceMixin, IndexingMixin, MaskingMixin,
                             NewTensorMixin, OrderingMixin, RandomMixin, ReductionMixin, ShapeMixin, UnaryMathMixin,
                             bind)
# re-exported: other modules import these from ``chainrule.tensor``
from .tensor_methods.arithmetic import matmul, maximum, minimum  # noqa: F401
from .tensor_methods.common import _data, _shape_arg  # noqa: F401
from .tensor_methods.indexing import gather  # noqa: F401
from .tensor_methods.shape import chunk, split  # noqa: F401


class Size(tuple):
    """``tensor.shape``: a tuple that prints as ``chainrule.Size([2, 3])``."""

    def __repr__(self):
        return f"chainrule.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _to_array(data, dtype=None) -> np.ndarray:
    """Python data / NumPy / Tensor → ndarray with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (np.ndarray, np.generic)):   # NumPy arrays and scalars keep their dtype
        arr = np.asarray(data)
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten_first(data)):
            data = _tensors_to_lists(data)
        try:
            arr = np.asarray(data)
        except ValueError:
            raise ValueError(f"can't build a tensor from ragged nested lists (rows of different lengths): "
                             f"{_preview(data)}; every row must have the same length") from None
        if dtype is None:
            if arr.dtype.kind == "f":
                with _function.quiet_numpy():     # 1e308 in float32 is inf, silently (as PyTorch)
                    arr = arr.astype(dtypes.get_default_dtype().np)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(np.int64)
            elif arr.dtype.kind == "O":
                raise TypeError(f"can't build a tensor from {type(data).__name__} of mixed or nested-ragged "
                                f"elements: {data!r}")
    if dtype is not None:
        with _function.quiet_numpy():
            arr = arr.astype(dtypes.to_dtype(dtype).np, copy=False)
    else:
        dtypes.from_numpy_dtype(arr.dtype)  # clear error for unsupported dtypes
    return arr


def _preview(data) -> str:
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


def _flatten_first(data):
    while isinstance(data, (list, tuple)) and data:
        yield data[0]
        data = data[0]


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data._data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


class Tensor(ArithmeticMixin, ComparisonMixin, OrderingMixin, UnaryMathMixin, MaskingMixin,
             ReductionMixin, ShapeMixin, IndexingMixin, InPlaceMixin, RandomMixin, NewTensorMixin):
    """An n-dimensional array that can record the operations applied to it.

    ``Tensor(data)`` / ``Tensor(*sizes)`` is PyTorch's legacy constructor: always the default
    float dtype (``Tensor([[0.4352, 0.3545]])`` → float32).  Prefer ``chainrule.tensor(data)``.
    The method families are mixed in from ``chainrule.tensor_methods``.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_vc", "_accumulator", "_hooks", "_base",
                 "_post_accumulate_hooks", "_retains_grad", "__weakref__")

    __array_priority__ = 1000  # make ``ndarray * Tensor`` defer to Tensor.__rmul__

    def __init__(self, *args, device=None):
        check_device(device)
        float_np = dtypes.get_default_dtype().np
        if len(args) == 1 and not isinstance(args[0], numbers.Integral):
            data = np.array(_to_array(args[0]) if isinstance(args[0], Tensor) else args[0], dtype=float_np)
        else:
            data = np.zeros(_shape_arg(args) if args else (0,), dtype=float_np)
        self._init(data)

    def _init(self, data: np.ndarray) -> None:
        self._data = data
        self._requires_grad = False
        self._grad = None
        self.grad_fn = None
        self._vc = VersionCounter()
        self._accumulator = None
        self._hooks = None
        self._post_accumulate_hooks = None
        self._retains_grad = False
        self._base = None

    @classmethod
    def _make(cls, data: np.ndarray) -> "Tensor":
        """Wrap an array without copying or checking (the ops' fast path)."""
        t = object.__new__(Tensor)
        t._data = data
        t._requires_grad = False
        t._grad = None
        t.grad_fn = None
        t._vc = VersionCounter()
        t._accumulator = None
        t._hooks = None
        t._post_accumulate_hooks = None
        t._retains_grad = False
        t._base = None
        return t

    # --------------------------------------------------------------------------- basic attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._data.shape[normalize_dims(dim, self._data.ndim)[0]]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._vc.value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not value and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients (this tensor is "
                               f"{self.dtype}); convert it first, e.g. x.float()")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                          ".grad attribute won't be populated during autograd.backward(). If you indeed "
                          "want the gradient for a non-leaf Tensor, use .retain_grad() on the non-leaf "
                          "Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: grad shape "
                                   f"{tuple(value.shape)}, tensor shape {tuple(self.shape)}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: grad {value.dtype}, "
                                   f"tensor {self.dtype}")
        self._grad = value

    @property
    def data(self) -> "Tensor":
        """The same numbers, detached from the graph (shares memory; in-place changes are not tracked)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else _to_array(value)

    @property
    def T(self) -> "Tensor":
        return self.permute(tuple(reversed(range(self._data.ndim))))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)

    # ------------------------------------------------------------------------------- conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar: "
                               f".item() needs exactly one element (shape {tuple(self.shape)}); "
                               f"reduce it first (e.g. .sum() or .mean()) or index one element")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {tuple(self.shape)}); use .any() or .all()")
        return bool(self._data.reshape(()).item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # ------------------------------------------------------------- copy.deepcopy and in-memory pickling
    # (ordinary Python copying, as PyTorch allows; chainrule's *files* are safetensors and never pickles)
    def _check_copyable(self, what: str) -> None:
        if self.grad_fn is not None:
            raise RuntimeError(f"Only Tensors created explicitly by the user (graph leaves) support the {what} "
                               f"protocol: this tensor was computed by {self.grad_fn.name}. Copy "
                               f"tensor.detach() instead.")

    def __deepcopy__(self, memo):
        self._check_copyable("deepcopy")
        import copy
        new = _rebuild_tensor(type(self), self._data.copy(), self._requires_grad)
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = copy.deepcopy(self._grad, memo)
        return new

    def __reduce_ex__(self, protocol):
        self._check_copyable("pickle")
        return (_rebuild_tensor, (type(self), self._data, self._requires_grad))

    #: identity hash at C level (a Tensor defines ``__eq__`` elementwise, so it must name one): the
    #: optimizer's ``state[p]`` and every dict keyed by tensors look it up without a Python call
    __hash__ = object.__hash__

    def __repr__(self):
        return format_tensor(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    def to(self, *args, dtype=None, device=None, copy: bool = False, non_blocking: bool = False) -> "Tensor":
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, dtypes.dtype) or a in (float, int, bool):
                dtype = a
            else:
                device = a
        check_device(device)
        if dtype is None:
            return self.clone() if copy else self
        target = dtypes.to_dtype(dtype).np
        if target == self._data.dtype:
            return self.clone() if copy else self
        return E.Cast.apply(self, target)

    def type(self, dtype=None, non_blocking: bool = False, **_):
        """``x.type()`` → ``'torch.FloatTensor'``; ``x.type(torch.LongTensor)`` / ``x.type('torch.DoubleTensor')``
        / ``x.type(torch.float64)`` convert (see ``chainrule.tensor_types``)."""
        from . import tensor_types
        if dtype is None:
            return tensor_types.type_name(self.dtype)
        return self.to(tensor_types.resolve(dtype))

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    def cpu(self):
        return self

    def cuda(self, device=None):
        check_device("cuda")

    def contiguous(self, memory_format=None):
        """This tensor if its elements are laid out row by row in memory, else a copy that is."""
        return self if self._data.flags.c_contiguous else self.clone()

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        """Steps (in elements, as PyTorch counts them) between neighbours along each dimension."""
        steps = tuple(st // self._data.itemsize for st in self._data.strides)
        if self._data.size <= 1:   # NumPy's strides of a one-element array are arbitrary: use C order
            steps = tuple(int(np.prod(self._data.shape[i + 1:])) for i in range(self._data.ndim))
        return steps if dim is None else steps[normalize_dims(dim, self._data.ndim)[0]]

    def data_ptr(self) -> int:
        """Address of the first element (two tensors with equal data_ptr start at the same memory)."""
        return self._data.__array_interface__["data"][0]

    # --------------------------------------------------------------------------- graph methods
    def _edge(self):
        """The node a consumer's edge points to: our ``grad_fn``, or the leaf's ``AccumulateGrad``."""
        node = self.grad_fn
        if node is None:
            return accumulator_for(self)
        if type(node) is RefusedView:   # a view PyTorch would not re-base on its base's in-place change
            raise RuntimeError(node.message)
        return node

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Compute ∂self/∂leaf for every leaf that requires grad and add it into ``leaf.grad``."""
        from .autograd import backward as _backward
        _backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """The same data (shared memory and version counter), cut off from the graph."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> "Tensor":
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self, memory_format=None) -> "Tensor":
        return E.Clone.apply(self)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref
        self.grad_fn._retained = weakref.ref(self)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook) -> RemovableHandle:
        """``hook(grad) -> Tensor or None``, called with this tensor's gradient during backward."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            node = self.grad_fn
            if node._pre_hooks is None:
                node._pre_hooks = {}
            handle = RemovableHandle(node._pre_hooks)
            node._pre_hooks[handle._key] = hook
            return handle
        if self._hooks is None:
            self._hooks = {}
        handle = RemovableHandle(self._hooks)
        self._hooks[handle._key] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        handle = RemovableHandle(self._post_accumulate_hooks)
        self._post_accumulate_hooks[handle._key] = hook
        return handle


class Parameter(Tensor):
    """A tensor that a ``Module`` registers as a learnable parameter (``requires_grad=True`` by default).

    ``Parameter(tensor)`` shares the tensor's data.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            arr = np.zeros((0,), dtype=dtypes.get_default_dtype().np)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = _to_array(data)
        self._init(arr)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _rebuild_tensor(cls, data: np.ndarray, requires_grad: bool) -> Tensor:
    """Inverse of ``Tensor.__reduce_ex__``: a leaf of class ``cls`` (Tensor or Parameter) holding ``data``."""
    t = object.__new__(cls)
    t._init(data)
    t._requires_grad = bool(requires_grad)
    return t


bind(Tensor)
_function._Tensor[0] = Tensor
