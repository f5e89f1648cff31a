"""The autograd graph: ``Node`` (one recorded op), ``Function`` (how an op is defined) and ``apply``.

An op is a ``Function`` subclass with two static methods side by side::

    class Mul(Op):
        @staticmethod
        def forward(ctx, a, b):              # a, b: NumPy arrays (Tensors for user Functions)
            ctx.save_for_backward(a, b)
            return a * b
        @staticmethod
        def backward(ctx, grad):             # grad = ∂L/∂out; returns ∂L/∂a, ∂L/∂b
            a, b = ctx.saved_tensors
            return grad * b, grad * a

``Mul.apply(x, y)`` runs ``forward`` and, when some input requires grad and grad mode is on,
records the call: the instance ``ctx`` *is* the graph node (``out.grad_fn``), with one edge per
input pointing at the node that produced that input (or at the leaf's ``AccumulateGrad``).

``Node.backprop_step(grad)`` is the one public step of back-propagation: it turns the gradient of
the node's output into the gradients of its inputs, already summed back over broadcast dimensions
and cast to each input's dtype.  The engine walks these steps; the explainer walks the very same.
"""
from __future__ import annotations

import weakref

import numpy as np

from .grad_mode import _state, no_grad

# -- NumPy's floating-point warnings ----------------------------------------------------------------
# PyTorch computes inf/nan silently (exp(1000) = inf, 0/0 = nan): a built-in op's forward and backward
# run with NumPy's floating-point errors ignored, so no RuntimeWarning reaches a user that PyTorch would
# not give.  Entering ``np.errstate`` costs microseconds per op on the hot path; NumPy ≥ 2 keeps the state
# in a context variable, which is set (and reset) directly to a prepared "ignore all" state instead.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _FP_ERRORS, _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")
except (ImportError, TypeError):   # NumPy 1.x: the public (slower) way, behind the same two calls
    class _ErrstateVar:
        @staticmethod
        def get():
            return None

        @staticmethod
        def set(_state):
            state = np.errstate(all="ignore")
            state.__enter__()
            return state

        @staticmethod
        def reset(token) -> None:
            token.__exit__(None, None, None)

    _FP_ERRORS, _IGNORE_ALL = _ErrstateVar(), None


class quiet_numpy:
    """``with quiet_numpy():`` — NumPy's floating-point errors ignored inside (a whole backward pass runs
    in one, so its steps need not each set the state)."""

    __slots__ = ("_token",)

    def __enter__(self):
        self._token = _FP_ERRORS.set(_IGNORE_ALL)
        return self

    def __exit__(self, *exc):
        _FP_ERRORS.reset(self._token)


class VersionCounter:
    """Counts in-place modifications of one storage (shared by a tensor, its views and ``detach()``).

    ``views`` (set only once a view of the storage is taken) lists ``(weakref to the view, whether it was
    taken in grad mode)``: an in-place change that gives the storage a new history re-bases them."""

    __slots__ = ("value", "views")

    def __init__(self):
        self.value = 0


class _Freed:
    def __repr__(self):
        return "<freed>"


FREED = _Freed()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class RemovableHandle:
    """Returned by ``register_hook``-style calls; ``handle.remove()`` takes the hook off again."""

    __slots__ = ("_hooks", "_key")
    _next_key = [0]

    def __init__(self, hooks: dict):
        self._hooks = hooks
        RemovableHandle._next_key[0] += 1
        self._key = RemovableHandle._next_key[0]

    def remove(self) -> None:
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` back to ``shape``: the gradient of NumPy/PyTorch broadcasting."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:  # e.g. a 0-d input broadcast against ()
        grad = grad.reshape(shape)
    return grad


class Node:
    """One recorded operation: the ``grad_fn`` of the tensor it produced.

    Attributes a reader (or the explainer) may rely on:
      ``name``           PyTorch's name for the node, e.g. ``"SigmoidBackward0"``;
      ``edges``          per input: the producing ``Node`` (an ``AccumulateGrad`` for a leaf) or None;
      ``input_meta``     per input: ``(shape, numpy dtype)`` or None;
      ``needs_input_grad`` per input: whether a gradient is wanted;
      ``saved_tensors``  what ``forward`` saved (raises once the graph has been freed).
    """

    # Hot attributes live in slots, set on every node; rarely used ones are class-level defaults that
    # an instance overrides in its ``__dict__`` only when it needs them (creating a node stays cheap).
    __slots__ = ("edges", "needs_input_grad", "input_meta", "_saved", "_saved_versions", "__dict__",
                 "__weakref__")

    _pre_hooks = None      # tensor hooks of the output (``register_hook`` on a non-leaf)
    _retained = None       # weakref to the output tensor when it called ``retain_grad()``
    _post_hooks = None     # ``node.register_hook`` hooks
    _fwd = None            # built-in ops: (input arrays, keyword arguments, output array) of the forward call

    def __init__(self):
        self.edges = ()
        self.needs_input_grad = ()
        self.input_meta = ()
        self._saved = ()
        self._saved_versions = ()

    @property
    def metadata(self) -> dict:
        """A dict for your own notes about this node (PyTorch's ``grad_fn.metadata``), created on first use."""
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    # -- identity ------------------------------------------------------------------------------
    #: PyTorch's node name where it is not ``<ClassName>Backward0`` (an op may also set ``ctx._name``
    #: in forward when the name depends on the call, e.g. ``SliceBackward0`` vs ``SelectBackward0``).
    _name = None

    @property
    def name(self) -> str:
        """PyTorch's name for this node (``SigmoidBackward0``; ``<Class>Backward`` for user Functions)."""
        if self._name is not None:
            return self._name
        return type(self).__name__ + ("Backward0" if getattr(self, "_arrays", True) else "Backward")

    def __repr__(self) -> str:
        return f"<{self.name} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: ``((node_or_None, 0), ...)``."""
        return tuple((e, 0) for e in self.edges)

    # -- saving for backward -------------------------------------------------------------------
    def save_for_backward(self, *values) -> None:
        """Keep values that ``backward`` needs; they are checked against in-place changes."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is FREED:
            raise RuntimeError(FREED_MESSAGE)
        for i, rec in enumerate(self._saved_versions):
            if rec is not None and rec[0].value != rec[1]:
                value = saved[i]
                shape = "x".join(map(str, np.shape(value.data if hasattr(value, "_data") else value)))
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{_dtype_name(value)} [{shape}]] is at version {rec[0].value}; "
                    f"expected version {rec[1]} instead. {self.name} saved it during the forward pass "
                    f"and needs its old value: make a copy (.clone()) before changing it in place, or "
                    f"use the out-of-place form of the operation.")
        return saved

    def release(self) -> None:
        """Free what ``forward`` saved (called after a backward without ``retain_graph``)."""
        if self._saved:
            self._saved = FREED
            self._saved_versions = ()
        if self._fwd is not None:
            self._fwd = None

    # -- hooks -----------------------------------------------------------------------------------
    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs) -> new grad_outputs or None`` before this node's backward."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        handle = RemovableHandle(self._pre_hooks)
        self._pre_hooks[handle._key] = lambda g: _first(fn((g,)))
        return handle

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = {}
        handle = RemovableHandle(self._post_hooks)
        self._post_hooks[handle._key] = fn
        return handle

    # -- the public backprop step ------------------------------------------------------------------
    def backprop_step(self, grad: np.ndarray) -> tuple:
        """Given ∂L/∂(this node's output), return ∂L/∂(each input) — one entry per edge.

        Entries are NumPy arrays shaped and typed like the inputs, or None where no gradient flows.
        This is the chain rule's local step: ``∂L/∂input = ∂L/∂out · ∂out/∂input``.
        """
        if isinstance(grad, np.generic):   # two 0-d gradients summed over paths are a NumPy scalar
            grad = np.asarray(grad)
        grads = self._call_backward(grad)
        if type(grads) is not tuple:
            grads = (grads,)
        edges, metas = self.edges, self.input_meta
        n = len(edges)
        if len(grads) < n:
            if not self._arrays:
                raise RuntimeError(f"function {self.name} returned an incorrect number of gradients "
                                   f"(expected {n}, got {len(grads)}): backward must return one gradient "
                                   f"(or None) per argument of forward")
            grads = grads + (None,) * (n - len(grads))  # built-in ops omit trailing non-tensor args
        out = []
        for i in range(n):
            g = grads[i]
            meta = metas[i]
            if meta is None or g is None or edges[i] is None:
                out.append(None)
                continue
            if type(g) is not np.ndarray:
                g = np.asarray(g, dtype=meta[1])
            if g.shape != meta[0]:
                try:
                    g = _unbroadcast(g, meta[0])
                except ValueError:
                    raise RuntimeError(f"function {self.name} returned an invalid gradient at index {i} - "
                                       f"got {list(g.shape)} but expected shape compatible with "
                                       f"{list(meta[0])}") from None
            if g.dtype is not meta[1] and g.dtype != meta[1]:
                g = g.astype(meta[1])
            out.append(g)
        out = tuple(out)
        if self._post_hooks:
            for hook in tuple(self._post_hooks.values()):
                hook(out, (grad,))
        return out

    def _call_backward(self, grad):
        return self.backward(self, grad)

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - overridden
        raise NotImplementedError


def _first(value):
    if isinstance(value, (tuple, list)):
        return value[0]
    return value


def _dtype_name(value) -> str:
    d = getattr(value, "dtype", None)
    name = getattr(d, "name", str(d))
    return {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor",
            "int64": "torch.LongTensor"}.get(name, name)


class AccumulateGrad(Node):
    """The end of every path: adds the incoming gradient into a leaf tensor's ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__()
        self.variable = variable
        self.input_meta = ()

    @property
    def name(self) -> str:
        return "AccumulateGrad"


class Function(Node):
    """Base class of every differentiable operation, built-in or user-defined (PyTorch's API).

    Subclass it, write ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as static methods, call
    ``YourFunction.apply(*args)``.  ``forward`` runs without recording; inside it,
    ``ctx.save_for_backward(*tensors)`` keeps what ``backward`` needs.  ``backward`` returns one
    gradient per ``forward`` argument (None for non-tensor arguments).
    """

    __slots__ = ()

    #: True for chainrule's own ops, whose forward/backward see NumPy arrays, not Tensors.
    _arrays = False

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and record the call in the graph if any input requires grad.

        Steps: (1) decide whether to record: grad mode is on and some input requires grad; (2) run
        ``forward`` (on Tensors, under no_grad) with a fresh node as ``ctx``; (3) wrap the result in a
        new Tensor; (4) when recording, point the node's edges at the inputs' producers and note the
        versions of saved inputs, so in-place changes are caught later.  Built-in ops (``Op``) take
        the same steps on arrays, in ``Op.apply``.
        """
        Tensor = _Tensor[0]
        inputs = args
        record = _state["enabled"] and any(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx = cls()
        ctx.needs_input_grad = tuple(record and isinstance(a, Tensor) and a._requires_grad for a in args)
        with no_grad():
            if cls.setup_context is Function.setup_context:
                out = cls.forward(ctx, *inputs, **kwargs)
            else:   # PyTorch 2's style: forward(*args) without ctx, then setup_context(ctx, inputs, output)
                out = cls.forward(*inputs, **kwargs)
                cls.setup_context(ctx, inputs, out)
        if isinstance(out, (tuple, list)):
            results = _apply_several(ctx, tuple(out), args, record)
            if _forward_observers:
                _notify_forward_observers(cls, args, results)
            return results
        if not isinstance(out, Tensor):
            out = Tensor._make(np.asarray(out))
        result = Tensor._make(out._data)
        if record and result._data.dtype.kind in "fc":
            ctx.edges = tuple(a._edge() if isinstance(a, Tensor) and a._requires_grad else None for a in args)
            ctx.input_meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) and a._requires_grad
                                   else None for a in args)
            if ctx._saved:
                ctx._saved_versions = _saved_versions(ctx._saved, args, result)
            if _anomaly[0]:
                _anomaly_forward(ctx, result, args)
            result.grad_fn = ctx
            result._requires_grad = True
        else:
            ctx._saved = ()
        if _forward_observers:
            _notify_forward_observers(cls, args, result)
        return result

    def _call_backward(self, grad):
        Tensor = _Tensor[0]
        if isinstance(grad, _Slots):   # several outputs: one gradient each, zeros for unused ones
            outs = [Tensor._make(grad.get(i) if grad.get(i) is not None else np.zeros(shape, dtype))
                    for i, (shape, dtype) in enumerate(self._output_meta)]
        else:
            outs = [Tensor._make(grad)]
        with no_grad():
            grads = self.backward(self, *outs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        # copy: a user's backward may hand back a tensor it keeps (a saved one, say)
        return tuple(None if g is None else np.array(g._data if isinstance(g, Tensor) else g) for g in grads)

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override (PyTorch 2 style) to save what backward needs when ``forward`` takes no ``ctx``."""

    # torch-compatible no-ops for custom Functions
    def mark_dirty(self, *tensors):
        pass

    def mark_non_differentiable(self, *tensors):
        pass

    def set_materialize_grads(self, value: bool):
        pass


class _Slots(dict):
    """Gradients of a several-output Function, by output number; adding two merges them."""

    def __add__(self, other):
        merged = _Slots(self)
        for i, g in other.items():
            merged[i] = g if merged.get(i) is None else merged[i] + g
        return merged


class OutputOf(Node):
    """Output ``index`` of a user Function that returned several tensors: its backprop step files the
    gradient under that number, so the Function's node receives all of them together."""

    __slots__ = ("index",)

    def __init__(self, fn_node, index: int, meta):
        super().__init__()
        self.edges = (fn_node,)
        self.needs_input_grad = (True,)
        self.input_meta = (meta,)
        self.index = index

    @property
    def name(self) -> str:
        return self.edges[0].name

    def backprop_step(self, grad):
        return (_Slots({self.index: grad}),)


def _apply_several(ctx, outs: tuple, args, record: bool) -> tuple:
    """``Function.apply`` for a forward that returned several tensors (PyTorch allows it)."""
    Tensor = _Tensor[0]
    results = tuple(Tensor._make((o if isinstance(o, Tensor) else Tensor._make(np.asarray(o)))._data) for o in outs)
    differentiable = [r._data.dtype.kind in "fc" for r in results]
    if not (record and any(differentiable)):
        ctx._saved = ()
        return results
    ctx.edges = tuple(a._edge() if isinstance(a, Tensor) and a._requires_grad else None for a in args)
    ctx.input_meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) and a._requires_grad
                           else None for a in args)
    ctx._output_meta = tuple((r._data.shape, r._data.dtype) for r in results)
    if ctx._saved:
        ctx._saved_versions = tuple(_saved_versions((s,), args + results, results[0])[0]
                                    for s in ctx._saved)
    for i, r in enumerate(results):
        if differentiable[i]:
            if _anomaly[0]:
                _anomaly_forward(ctx, r, args)
            r.grad_fn = OutputOf(ctx, i, ctx._output_meta[i])
            r._requires_grad = True
    return results


def _owner(a):
    """The array that owns ``a``'s memory (NumPy points every view's ``base`` at it), or ``a`` itself."""
    b = a.base
    return a if b is None else b


def _saved_versions(saved, args, result) -> tuple:
    """For each saved value that is an input (or the output) tensor, its (counter, version now)."""
    Tensor = _Tensor[0]
    return _saved_array_versions(tuple(s._data if isinstance(s, Tensor) else None for s in saved), args, result)


def once_differentiable(fn):
    """PyTorch's decorator for a backward that is not itself differentiable: it runs without recording,
    and a gradient it returns for an input that requires grad refuses to be differentiated again
    (``create_graph=True`` through it raises PyTorch's error instead of giving a wrong second derivative)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        Tensor = _Tensor[0]
        graph = _state["enabled"]
        with no_grad():
            out = fn(ctx, *grads)
        if not graph:
            return out
        live = [g for g in grads if isinstance(g, Tensor) and g._requires_grad]
        if not live:        # (as PyTorch: nothing to connect the refusal to)
            return out
        many = isinstance(out, tuple)
        outs = out if many else (out,)
        outs = tuple(_DelayedError.apply(o, *live) if isinstance(o, Tensor) and o._data.dtype.kind in "fc"
                     else o for o in outs)
        return outs if many else outs[0]
    return wrapper


class Op(Function):
    """A built-in op: ``forward`` and ``backward`` work on NumPy arrays directly (no wrapping)."""

    __slots__ = ()
    _arrays = True

    @classmethod
    def apply(cls, *args, **kwargs):
        """``Function.apply`` for arrays-in, arrays-out ops: the hot path of every forward pass.

        Same steps, with nothing done that a call does not need: tensors that need no gradient cost an
        unwrap, and only a recorded call builds edges, input metadata and saved-version records.
        """
        Tensor = _Tensor[0]
        inputs = list(args)
        record = False
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                inputs[i] = a._data
                if a._requires_grad:
                    record = True
        ctx = cls()
        if record and _state["enabled"]:
            needs, edges, meta = [], [], []
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    needs.append(True)
                    edges.append(a._edge())
                    meta.append((a._data.shape, a._data.dtype))
                else:
                    needs.append(False)
                    edges.append(None)
                    meta.append(None)
            ctx.needs_input_grad = tuple(needs)
        else:
            record = False
            ctx.needs_input_grad = (False,) * len(args)
        token = _FP_ERRORS.set(_IGNORE_ALL)     # no NumPy RuntimeWarnings (see above)
        try:
            out = cls.forward(ctx, *inputs, **kwargs)
        finally:
            _FP_ERRORS.reset(token)
        if type(out) is not np.ndarray:
            raw, out = out, np.asarray(out)
            if ctx._saved and record and isinstance(raw, np.generic):
                ctx._saved = _output_scalar_saved(ctx._saved, raw, out)
        result = Tensor._make(out)
        if record and out.dtype.kind in "fc":
            ctx.edges = tuple(edges)
            ctx.input_meta = tuple(meta)
            ctx._fwd = (inputs, kwargs, out)    # for a backward with create_graph=True (autograd/higher.py)
            if ctx._saved:
                ctx._saved_versions = _saved_array_versions(ctx._saved, args, result)
            if _anomaly[0]:
                _anomaly_forward(ctx, result, args)
            result.grad_fn = ctx
            result._requires_grad = True
        else:
            ctx._saved = ()
        if _forward_observers:
            _notify_forward_observers(cls, args, result)
        return result

    def _call_backward(self, grad):
        if _FP_ERRORS.get() is _IGNORE_ALL:     # inside a backward pass: already quiet
            return self.backward(self, grad)
        token = _FP_ERRORS.set(_IGNORE_ALL)     # a step taken on its own (the explainer's)
        try:
            return self.backward(self, grad)
        finally:
            _FP_ERRORS.reset(token)


def _output_scalar_saved(saved: tuple, raw: np.generic, out: np.ndarray) -> tuple:
    """A 0-d forward computes NumPy scalars, not arrays: the output it saved is a scalar that ``asarray``
    (or the forward's own ``astype``/``squeeze``) copied, so its version would not be tracked.  A saved
    scalar with the output's dtype and bits *is* the output: save the result's own array instead, so
    that an in-place change of the result is caught at backward (``y = x.exp(); y.mul_(2)``)."""
    bits = raw.tobytes()
    return tuple(out if s is raw or (isinstance(s, np.generic) and s.dtype == raw.dtype and s.tobytes() == bits)
                 else s for s in saved)


def _saved_array_versions(saved, args, result) -> tuple:
    """For each saved array, the (version counter, version now) of the tensor whose memory it is: an input,
    or the output — also when it is a view of one or one is a view of it (a reduction saves its keepdim
    result and returns it squeezed), so that an in-place change of either is caught later."""
    Tensor = _Tensor[0]
    recs = []
    for s in saved:
        rec = None
        if s is not None:
            for t in args:
                if isinstance(t, Tensor) and t._data is s:
                    rec = (t._vc, t._vc.value)
                    break
            else:
                if result._data is s:
                    rec = (result._vc, result._vc.value)
                elif type(s) is np.ndarray:
                    rec = _shared_memory_version(s, args, result)
        recs.append(rec)
    return tuple(recs)


def _shared_memory_version(s: np.ndarray, args, result):
    """``_saved_array_versions`` for a saved array that is not itself an input or the output."""
    Tensor = _Tensor[0]
    owner = _owner(s)
    out = result._data
    if _owner(out) is owner and np.may_share_memory(s, out):
        return (result._vc, result._vc.value)
    for t in args:
        if isinstance(t, Tensor) and _owner(t._data) is owner and np.may_share_memory(s, t._data):
            return (t._vc, t._vc.value)
    return None


# -- forward observers ----------------------------------------------------------------------------
#: Callbacks ``fn(function_class, args, output)`` run after every ``apply`` (built-in ops and user
#: Functions alike); ``output`` is the result Tensor (a tuple of them for a several-output Function),
#: with ``output.grad_fn`` set when the call was recorded.  Empty by default, and ``apply`` only looks
#: at it when it is not empty, so an unused hook costs one truth test per op.  Register through
#: ``register_forward_observer``; the viz ``GraphRecorder`` is the user.
_forward_observers: dict = {}


def register_forward_observer(fn) -> RemovableHandle:
    """See every op as it is created: ``fn(function_class, args, output)`` after each ``apply``.

    Returns a handle; ``handle.remove()`` (or leaving ``with handle:``) stops the observation.
    Observers must not modify the output; an exception in one propagates out of the op call.
    """
    handle = RemovableHandle(_forward_observers)
    _forward_observers[handle._key] = fn
    return handle


def _notify_forward_observers(cls, args, output) -> None:
    for fn in tuple(_forward_observers.values()):
        fn(cls, args, output)


# Filled in by chainrule.tensor (avoids an import cycle) and chainrule.autograd.anomaly.
_Tensor: list = [None]
_anomaly = [False]


def _anomaly_forward(ctx, result, args=()):  # replaced by anomaly.py when anomaly mode is switched on
    pass


def accumulator_for(tensor) -> AccumulateGrad:
    """The (cached) ``AccumulateGrad`` node of a leaf; the tensor keeps only a weak reference."""
    ref = tensor._accumulator
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(acc)
    return acc


class _DelayedError(Op):
    """A gradient computed by a ``@once_differentiable`` backward: its own backward refuses."""
    _name = "DelayedError"          # (PyTorch: <Error>)

    @staticmethod
    def forward(ctx, a, *grad_outputs):
        return a

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
