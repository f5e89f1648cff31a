"""Trace one real eager training step into a ``Program``: the ops it ran, in order, and the order in which
the backward engine processed them.

While the step runs, ``Op.apply`` is wrapped (only for the duration of the trace) so that every op call is
seen with its class, arguments and result; ``Node.backprop_step`` is wrapped so that the engine's own
processing order is seen.  Each tensor that reaches an op becomes a *slot*: the input ``x``, the target
``y``, a parameter or buffer of the model, an earlier op's output, or a constant (a tensor that existed
before the step began).  Anything whose replay could differ from running the code again makes the step
*not replayable*, and ``compile_step`` runs it eagerly instead — never a wrong number:

* a custom ``autograd.Function`` (its Python ``forward`` is not an op kernel);
* a tensor created inside the step by anything but an op (``torch.zeros(...)``, ``x.detach()`` …): its value
  could depend on the data or on the random stream;
* a tensor read as a Python value (``.item()``, ``.tolist()``, ``.numpy()``, ``bool(t)``): control flow may
  depend on it;
* a tensor changed in place (its version counter moved): the change is not an op output a replay could
  repeat;
* an op argument that is an array not held by any tensor of the step (computed outside the graph, e.g. a
  target converted with ``astype``, or random noise drawn by the caller), or an object other than plain
  Python values, dtypes and NumPy functions (a random generator);
* a parameter or buffer whose contents change during forward and backward (running statistics written
  directly): the replay would not repeat the write;
* hooks on any module or parameter: user code that runs in the middle of the step;
* a module whose plain attributes change during the step (a call counter, a flag its ``forward`` sets):
  Python state the replay would not update, so later steps could take another path.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd import function as F
from ..tensor import Tensor


class NotReplayable(RuntimeError):
    """Why a step cannot be replayed (the reason is shown once, then the step runs eagerly)."""


@dataclass
class Instr:
    """One op call: ``args`` are ``("slot", i)`` for tensors or ``("const", value)`` for Python values."""
    cls: type
    args: tuple
    kwargs: dict
    out: int                        # slot of the result
    needs: tuple                    # ctx.needs_input_grad as traced
    recorded: bool                  # whether the call built a graph node
    out_meta: tuple = None          # (shape, dtype) of the result


@dataclass
class Check:
    """A recorded call of a validator: ``fn(tensor_in_slot, *rest)`` before instruction ``before``."""
    fn: object
    slot: int
    rest: tuple
    kwargs: dict
    before: int


@dataclass
class Program:
    """A straight-line step: slots 0/1 are x and y, then parameters, buffers, constants, op outputs."""
    instrs: list
    n_slots: int
    x_slot: int
    y_slot: int | None
    param_slots: list               # slot of each parameter (in ``params`` order)
    constants: dict                 # slot -> array (buffers and captured tensors, read at replay time)
    loss_slot: int
    backward_order: list            # instruction indices in the order the engine ran their backward
    edge_slots: dict = field(default_factory=dict)   # instruction index -> per input: slot or None
    checks: list = field(default_factory=list)       # validators to call again, in order
    fn: object = None                                # the lowered step (compile.codegen.lower)
    guard: object = None                             # compile.guard's check of this program's key
    out_slot: int | None = None                      # the model's output (returned beside the loss)


_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__")

#: value checks written in Python beside the ops (not in a kernel): the trace records each call, and the
#: replay makes it again on the new data — so a replay refuses what the eager step refuses, with its message
VALIDATORS = (("chainrule.nn.functional", "_range_check"), ("chainrule.nn.functional", "_check_indices"))


class Tracer:
    """Context manager that records the ops run inside it (see the module docstring)."""

    def __init__(self, x, y, params, buffers):
        self.slots = {}                  # id(tensor) -> slot
        self.array_slot = {}             # id(tensor._data) -> slot (ops sometimes receive the array itself)
        self.keep = []                   # tensors kept alive while their ids are keys
        self.versions = {}               # slot -> version seen when the tensor first reached an op
        self.instrs = []
        self.constants = {}
        self.created = set()             # ids of tensors created during the trace by non-ops
        self.op_outputs = set()
        self.node_instr = {}             # id(node) -> instruction index
        self.backward_order = []
        self.checks = []
        self.reason = None
        self.x_slot = self._slot(x)
        self.y_slot = self._slot(y) if isinstance(y, Tensor) else None
        self.param_slots = [self._slot(p) for p in params]
        for b in buffers:
            s = self._slot(b)
            self.constants[s] = b
        self.state = [(t, np.array(t._data, copy=True)) for t in list(params) + list(buffers)]
        self._saved = {}

    def _slot(self, t) -> int:
        s = self.slots.get(id(t))
        if s is None:
            s = self.slots[id(t)] = len(self.slots)
            self.keep.append(t)
            self.versions[s] = t._vc.value
            self.array_slot.setdefault(id(t._data), s)
        return s

    def _const(self, cls, value):
        """A non-tensor argument as a replay reference: an array held by a slot's tensor, or a plain value."""
        if isinstance(value, np.ndarray):
            s = self.array_slot.get(id(value))
            if s is None:
                self.refuse(f"{cls.__name__} receives an array computed outside the graph (a converted target, "
                            f"noise drawn by the caller), which a replay could not recompute")
                return ("const", value)
            return ("slot", s)
        if isinstance(value, (list, tuple)):
            for v in value:
                self._const(cls, v)
            return ("const", value)
        plain = value is None or isinstance(value, (bool, int, float, complex, str, np.generic, np.dtype, type,
                                                    np.ufunc))
        numpy_function = callable(value) and getattr(value, "__module__", "") .startswith("numpy")
        if not (plain or numpy_function):
            self.refuse(f"{cls.__name__} receives a {type(value).__name__} (such as a random generator), whose "
                        f"state a replay would not follow")
        return ("const", value)

    def refuse(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    # -- the wrapped entry points --------------------------------------------------------------------------
    def __enter__(self):
        tracer = self
        op_apply = F.Op.__dict__["apply"].__func__
        fn_apply = F.Function.__dict__["apply"].__func__
        make = Tensor.__dict__["_make"].__func__
        step = F.Node.backprop_step
        self._saved = {"op": op_apply, "fn": fn_apply, "make": make, "step": step,
                       "reads": {n: getattr(Tensor, n) for n in _READS if hasattr(Tensor, n)}}

        def traced_apply(cls, *args, **kwargs):
            result = op_apply(cls, *args, **kwargs)
            tracer._record(cls, args, kwargs, result)
            return result

        def traced_function_apply(cls, *args, **kwargs):
            tracer.refuse(f"the step uses a custom autograd.Function ({cls.__name__}), whose Python forward is "
                          f"not an op kernel")
            return fn_apply(cls, *args, **kwargs)

        def traced_make(cls, data):
            t = make(cls, data)
            tracer.created.add(id(t))
            tracer.keep.append(t)
            return t

        def traced_step(node, grad):
            i = tracer.node_instr.get(id(node))
            if i is not None:
                tracer.backward_order.append(i)
            return step(node, grad)

        def reader(name, original):
            def read(t, *a, **k):
                if id(t) in tracer.slots:
                    tracer.refuse(f"the step reads a tensor as a Python value (.{name.strip('_')}()), so its "
                                  f"control flow may depend on the data")
                return original(t, *a, **k)
            return read

        import importlib
        self._saved["validators"] = []
        for module_name, name in VALIDATORS:
            module = importlib.import_module(module_name)
            original = getattr(module, name)
            self._saved["validators"].append((module, name, original))
            setattr(module, name, self._validator(original))

        F.Op.apply = classmethod(traced_apply)
        F.Function.apply = classmethod(traced_function_apply)
        Tensor._make = classmethod(traced_make)
        F.Node.backprop_step = traced_step
        for name, original in self._saved["reads"].items():
            setattr(Tensor, name, reader(name, original))
        return self

    def _validator(self, original):
        tracer = self

        def validate(t, *rest, **kwargs):
            if isinstance(t, Tensor) and id(t) in tracer.slots:
                tracer.checks.append(Check(original, tracer.slots[id(t)], rest, kwargs, len(tracer.instrs)))
            elif isinstance(t, Tensor):
                tracer.refuse(f"{original.__name__} checks a tensor the step made outside the ops")
            return original(t, *rest, **kwargs)
        return validate

    def __exit__(self, *exc):
        for module, name, original in self._saved.get("validators", ()):
            setattr(module, name, original)
        F.Op.apply = classmethod(self._saved["op"])
        F.Function.apply = classmethod(self._saved["fn"])
        Tensor._make = classmethod(self._saved["make"])
        F.Node.backprop_step = self._saved["step"]
        for name, original in self._saved["reads"].items():
            setattr(Tensor, name, original)
        return False

    def _record(self, cls, args, kwargs, result) -> None:
        refs = []
        for a in args:
            if isinstance(a, Tensor):
                known = id(a) in self.slots
                if not known and id(a) in self.created and id(a) not in self.op_outputs:
                    self.refuse("the step creates a tensor outside an op (a factory such as torch.zeros, or "
                                "detach()), whose value a replay could not reproduce")
                s = self._slot(a)
                if not known and id(a) not in self.op_outputs:
                    self.constants.setdefault(s, a)
                if a._vc.value != self.versions[s]:
                    self.refuse("a tensor is changed in place during the step")
                refs.append(("slot", s))
            elif isinstance(a, (list, tuple)) and any(isinstance(v, Tensor) for v in a):
                self.refuse(f"{cls.__name__} takes a list of tensors")
                refs.append(("const", a))
            else:
                refs.append(self._const(cls, a))
        for v in kwargs.values():
            if isinstance(v, Tensor):
                self.refuse(f"{cls.__name__} takes a tensor as a keyword argument")
            else:
                self._const(cls, v)
        self.op_outputs.add(id(result))
        out = self._slot(result)
        node = result.grad_fn
        recorded = node is not None and node.__class__ is cls
        if recorded:
            self.node_instr[id(node)] = len(self.instrs)
        needs = node.needs_input_grad if recorded else (False,) * len(args)
        self.instrs.append(Instr(cls, tuple(refs), dict(kwargs), out, tuple(needs), recorded,
                                 (result._data.shape, result._data.dtype)))

    def program(self, loss, params) -> Program:
        for t, before in self.state:
            if not np.array_equal(t._data, before, equal_nan=True):
                self.refuse("a parameter or buffer (running statistics) is written during the step outside the "
                            "ops, which a replay would not repeat")
                break
        for s, t in ((s, t) for t in self.keep if (s := self.slots.get(id(t))) is not None):
            if t._vc.value != self.versions[s]:
                self.refuse("a tensor is changed in place during the step")
                break
        if self.reason is not None:
            raise NotReplayable(self.reason)
        loss_slot = self.slots.get(id(loss))
        if loss_slot is None:
            raise NotReplayable("the loss is not the output of an op")
        constants = {s: t for s, t in self.constants.items()
                     if s not in (self.x_slot, self.y_slot) and s not in self.param_slots}
        edge_slots = {}
        for i, ins in enumerate(self.instrs):
            edge_slots[i] = tuple(ref[1] if ref[0] == "slot" and need else None
                                  for ref, need in zip(ins.args, ins.needs))
        return Program(self.instrs, len(self.slots), self.x_slot, self.y_slot, self.param_slots, constants,
                       loss_slot, self.backward_order, edge_slots, self.checks)


_PLAIN_STATE = (bool, int, float, complex, str, bytes, type(None))


def module_state(modules) -> list:
    """Each module's plain Python attributes (numbers, strings, flags): ``forward`` code that changes one
    (a counter, a switch) keeps state a replay would not update."""
    return [{k: v for k, v in vars(m).items() if type(v) in _PLAIN_STATE} for m in modules]


def changed_attribute(modules, before) -> str | None:
    for m, old in zip(modules, before):
        for k, v in vars(m).items():
            if type(v) in _PLAIN_STATE and (k not in old or old[k] != v):
                return f"{type(m).__name__}.{k}"
    return None


def buffers_of(model) -> list:
    return [b for _, b in model.named_buffers()] if hasattr(model, "named_buffers") else []


_HOOKS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


def has_hooks(modules, params) -> bool:
    """Whether any module or parameter carries a hook (user code inside the step)."""
    for m in modules:
        for attr in _HOOKS:
            if getattr(m, attr, None):
                return True
    for p in params:
        if p._hooks or p._post_accumulate_hooks:
            return True
    return False


def _hashable(value):
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


def signature(modules, params, optimizer, x, y) -> tuple:
    """The cache key: what a traced program depends on besides the data — the input and target shapes and
    dtypes, the parameters (which objects, their shapes and dtypes), the module tree and each module's mode,
    the optimizer's settings, and the grad / anomaly / observer modes."""
    tree = tuple((id(m), m.training, tuple(map(id, m._modules.values()))) for m in modules)
    shapes = tuple((id(p), p._data.shape, p._data.dtype, p._requires_grad) for p in params)
    settings = tuple(tuple((k, _hashable(v)) for k, v in g.items() if k != "params") for g in optimizer.param_groups)
    data = (x._data.shape, x._data.dtype, x._requires_grad,
            (y._data.shape, y._data.dtype) if isinstance(y, Tensor) else repr(y))
    return (data, shapes, tree, settings, F._state["enabled"], F._anomaly[0], bool(F._forward_observers))


def as_array(t):
    return t._data if isinstance(t, Tensor) else np.asarray(t)
