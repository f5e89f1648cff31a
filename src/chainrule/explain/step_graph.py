"""The ``StepGraph``: the one record of a real step (forward, backward, update) that explanations read.

``StepRecorder`` watches the engine while user code runs — a forward observer
(``autograd.function.register_forward_observer``) sees every op as ``apply`` creates it, forward
pre/post hooks on every sub-module say which module (and which call of it) is running, and a hook on
each recorded node catches, during ``backward``, both ∂L/∂out and what ``Node.backprop_step`` handed
to each input.  Out of that it builds:

* a ``Value`` for every tensor the step touched: parameters (named by ``named_parameters``), inputs,
  constants, intermediates and the loss, each with its value and, after backward, ∂L/∂v;
* an ``OpNode`` for every recorded op: its function class, its arguments (``Value``s or Python
  constants, in call order), its module path and call number (a module called three times gives calls
  1, 2, 3 — the time steps of a recurrent cell), and per input the contribution
  ∂L/∂out·∂out/∂in that ``backprop_step`` produced (``op.contribution[i]``);
* with an optimizer (``record_training_step``): each parameter's value after ``optimizer.step()``, its
  parameter group and the optimizer's state before and after.

The local factor ∂out/∂in of an element-wise op is ``op.local(i)``: ``backprop_step(1)`` of the
op's own node (the graph is kept until the explanation is built).  Nothing here computes a
derivative by formula; ``graph_builder`` checks every printed product against these numbers.

    >>> with StepRecorder(model) as rec:
    ...     loss = criterion(model(x), y)
    >>> graph = rec.finish(loss)                # backward (graph kept), gradients filled in
    >>> [v.name for v in graph.parameters()]     # ['layer1.0.weight', 'layer1.0.bias', …]

``viz.graph.GraphRecorder`` is this recorder (``values``, ``grads``, ``module_of`` keyed by node).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False)
class Value:
    """One tensor of the step.  ``kind``: "parameter", "input", "target", "leaf" (requires grad, not a
    parameter), "constant" (needs no gradient) or "intermediate" (an op's output)."""
    id: int
    kind: str
    name: str
    value: np.ndarray
    requires_grad: bool
    producer: "OpNode | None" = None
    consumers: list = field(default_factory=list)      # (OpNode, argument index)
    grad: np.ndarray | None = None                     # ∂L/∂v
    after: np.ndarray | None = None                    # parameters: the value after optimizer.step()
    opt: dict | None = None                            # {"group", "before", "after"} optimizer state
    tensor: object = None
    known: bool = True                                 # False: a value the graph did not keep (replayed graphs)

    @property
    def shape(self) -> tuple:
        return tuple(self.value.shape)

    @property
    def size(self) -> int:
        return int(self.value.size)

    @property
    def trained(self) -> bool:
        return self.opt is not None

    def __repr__(self) -> str:
        return f"<Value {self.id} {self.kind} {self.name or ''} {self.shape}>"


@dataclass(eq=False)
class OpNode:
    """One recorded op: ``args`` in call order (``Value`` or a Python constant), ``output`` a ``Value``."""
    id: int
    node: object                    # the autograd Node (out.grad_fn)
    cls: type                       # the op's Function class
    args: tuple
    output: Value
    module: str = ""                # innermost module path running it ("" outside modules)
    call: int = 0                   # that module's call number, 1-based
    scope: tuple = ()               # ((path, call), …) from the outermost module in
    contribution: dict = field(default_factory=dict)   # argument index -> ∂L/∂out·∂out/∂arg (backprop_step)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def inputs(self) -> list:
        """(argument index, Value) for every tensor argument."""
        return [(i, a) for i, a in enumerate(self.args) if isinstance(a, Value)]

    def elementwise(self, i: int) -> bool:
        """Whether out[k] depends on argument i only through its k-th element (same shape, no mixing)."""
        a = self.args[i]
        return isinstance(a, Value) and a.shape == self.output.shape and self.cls.__name__ in ELEMENTWISE

    def local(self, i: int) -> np.ndarray:
        """∂out/∂arg_i element by element, from the node's own ``backprop_step`` (element-wise ops, or any
        op whose output is one number)."""
        cache = self.__dict__.setdefault("_local", {})
        if i not in cache:
            seed = np.ones(self.output.shape, dtype=self.output.value.dtype)
            rec = _RECORDING.get(id(self.node))
            was = rec.quiet if rec is not None else None
            if rec is not None:
                rec.quiet = True
            try:
                cache[i] = np.asarray(self.node.backprop_step(seed)[i], dtype=np.float64)
            finally:
                if rec is not None:
                    rec.quiet = was
        return cache[i]


#: ops whose output element k depends only on element k of each same-shaped input
ELEMENTWISE = {"Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Log1p", "Sqrt", "Rsqrt", "Abs", "Sign",
               "Sin", "Cos", "Tanh", "UnaryMath", "Sigmoid", "Relu", "Clamp", "ClampTensor", "Maximum", "Minimum",
               "Where", "Rounding", "Cast", "Clone", "LeakyRelu", "Elu", "Gelu", "Silu", "Softplus", "LogSigmoid",
               "Hardtanh", "NativeDropout", "MseLoss", "SmoothL1Loss", "HuberLoss", "BinaryCrossEntropy",
               "BinaryCrossEntropyWithLogits"}

_RECORDING: dict = {}      # id(node) -> the recorder that hooked it (to silence its hook in local())


class StepGraph:
    """Values and ops of one recorded step, in the order they were created (a topological order)."""

    def __init__(self, values, ops, loss: Value | None, *, model_repr: str = ""):
        self.values = values
        self.ops = ops
        self.loss = loss
        self.model_repr = model_repr
        self.step = 1
        self.losses = []            # loss of every step run (training steps)
        self.optimizer = None       # the optimizer object (its class owns the update formula)
        self.leaf_calls = []        # (module path, call, input Value, output Value) of leaf modules
        self.numeric_h = 0.0
        self.numeric = {}           # parameter name -> central differences

    def parameters(self) -> list:
        return [v for v in self.values if v.kind == "parameter"]

    def leaves(self) -> list:
        return [v for v in self.values if v.producer is None]

    def by_name(self, name: str) -> Value | None:
        return next((v for v in self.values if v.name == name), None)

    def ancestors(self) -> set:
        """Ids of the values the loss depends on (the part of the graph worth explaining)."""
        keep, stack = set(), [self.loss]
        while stack:
            v = stack.pop()
            if v is None or v.id in keep:
                continue
            keep.add(v.id)
            if v.producer is not None:
                stack.extend(a for a in v.producer.args if isinstance(a, Value))
        return keep

    def keep_locals(self) -> None:
        """Compute every element-wise local factor now (``OpNode.local``), while the saved values are current."""
        keep = self.ancestors()
        for op in self.ops:
            if op.output.id not in keep:
                continue
            for i, a in op.inputs:
                if a.requires_grad and i in op.contribution and (op.elementwise(i) or op.output.size == 1):
                    try:
                        op.local(i)
                    except RuntimeError:
                        pass

    def release(self) -> None:
        """Free the autograd graph that was kept for ``OpNode.local``."""
        for op in self.ops:
            _RECORDING.pop(id(op.node), None)
            op.node.release()


class StepRecorder:
    """Record every op run inside the ``with`` block (see the module docstring).

    ``names``: ``{id(tensor): name}`` for leaves that are not parameters (inputs, a file's variables).
    The ``values``/``grads``/``module_of`` dicts, keyed by autograd node, are ``viz.graph``'s view.
    """

    def __init__(self, model=None, names=None):
        self.model = model
        self.param_names = {}
        if model is not None and hasattr(model, "named_parameters"):
            self.param_names = {id(p): n for n, p in model.named_parameters()}
        self.names = dict(names or {})
        self.values = {}        # node -> ndarray (its output)
        self.grads = {}         # node -> ndarray (∂L/∂output)
        self.module_of = {}     # node -> module path
        self.vals = []          # Values in creation order
        self.ops = []
        self._of_node = {}      # id(node) -> Value it produced
        self._of_tensor = {}    # id(leaf tensor) -> Value
        self._keep = []         # tensors kept alive while ids are keys
        self._stack = []        # [(path, call)]
        self._calls = {}        # path -> calls so far
        self._handles = []
        self.leaf_calls = []
        self.quiet = False
        self._leafmods = set()

    # -- the with block -------------------------------------------------------------------------------
    def __enter__(self):
        from ..autograd.function import register_forward_observer
        self._handles.append(register_forward_observer(self._observe))
        if self.model is not None and hasattr(self.model, "named_modules"):
            for name, module in self.model.named_modules():
                if not name:
                    continue
                if not any(True for _ in module.children()):
                    self._leafmods.add(name)
                self._handles.append(module.register_forward_pre_hook(self._push(name)))
                self._handles.append(module.register_forward_hook(self._pop(name)))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles.clear()
        self._stack.clear()
        return False

    def _push(self, name):
        def hook(module, args):
            self._calls[name] = self._calls.get(name, 0) + 1
            self._stack.append((name, self._calls[name], args[0] if args else None))
        return hook

    def _pop(self, name):
        def hook(module, args, output):
            if self._stack:
                path, call, inp = self._stack.pop()
                if path in self._leafmods and hasattr(output, "_data"):
                    self.leaf_calls.append((path, call, module, inp, output))
        return hook

    # -- values ---------------------------------------------------------------------------------------
    def value_of(self, t) -> "Value":
        """The ``Value`` of tensor ``t`` (created on first sight, its value copied then)."""
        node = t.grad_fn
        if node is not None:
            v = self._of_node.get(id(node))
            if v is not None:
                return v
        v = self._of_tensor.get(id(t))
        if v is not None and node is None:
            return v
        if id(t) in self.param_names:
            kind, name = "parameter", self.param_names[id(t)]
        elif node is not None:
            kind, name = "intermediate", self.names.get(id(t), "")
        else:
            name = self.names.get(id(t), "")
            kind = "leaf" if t.requires_grad else "constant"
        v = Value(len(self.vals), kind, name, np.array(t._data, copy=True), bool(t.requires_grad), tensor=t)
        self.vals.append(v)
        self._keep.append(t)
        if node is None:
            self._of_tensor[id(t)] = v
        else:
            self._of_node[id(node)] = v
        return v

    def _observe(self, function_class, args, output):
        if isinstance(output, tuple):        # a several-output user Function: each output on its own
            for o in output:
                if getattr(o, "grad_fn", None) is not None and id(o.grad_fn) not in self._of_node:
                    self._record(function_class, args, o)
            return
        if getattr(output, "grad_fn", None) is not None and id(output.grad_fn) not in self._of_node:
            self._record(function_class, args, output)

    def _record(self, cls, args, out):
        Tensor = type(out)
        spec = tuple(self.value_of(a) if isinstance(a, Tensor) else a for a in args)
        node = out.grad_fn
        v = Value(len(self.vals), "intermediate", self.names.get(id(out), ""), np.array(out._data, copy=True), True,
                  tensor=out)
        self.vals.append(v)
        self._keep.append(out)
        self._of_node[id(node)] = v
        scope = tuple((p, c) for p, c, _ in self._stack)
        module, call = scope[-1] if scope else ("", 0)
        op = OpNode(len(self.ops), node, cls, spec, v, module, call, scope)
        v.producer = op
        for i, a in enumerate(spec):
            if isinstance(a, Value):
                a.consumers.append((op, i))
        self.ops.append(op)
        self.values[node] = v.value
        if module:
            self.module_of[node] = module
        _RECORDING[id(node)] = self

        def capture(grad_inputs, grad_outputs, op=op, node=node):
            if self.quiet:
                return
            g = grad_outputs[0]
            if g is not None and not isinstance(g, dict):
                g = np.asarray(g)
                self.grads[node] = g.copy() if node not in self.grads else self.grads[node] + g
            for i, gi in enumerate(grad_inputs):
                if gi is not None and i < len(op.args):
                    gi = np.array(gi, dtype=np.float64, copy=True)
                    op.contribution[i] = gi if i not in op.contribution else op.contribution[i] + gi
        node.register_hook(capture)

    def note(self, t, name: str, kind: str | None = None) -> None:
        """Name a tensor (and optionally set its kind: "input", "target") once recorded."""
        v = self._of_node.get(id(t.grad_fn)) if t.grad_fn is not None else self._of_tensor.get(id(t))
        if v is not None:
            if name and not v.name:
                v.name = name
            if kind and v.kind in ("constant", "leaf"):
                v.kind = kind

    # -- after the forward pass ----------------------------------------------------------------------
    def finish(self, loss, backward: bool = True) -> StepGraph:
        """Run ``loss.backward`` (keeping the graph for ``OpNode.local``) and fill in every ∂L/∂v."""
        if backward:
            loss.backward(retain_graph=True)
        g = self.graph(loss)
        self.quiet = True           # recorded: later walks of the kept graph (local factors) must not add to it
        return g

    def graph(self, loss) -> StepGraph:
        lv = self._of_node.get(id(loss.grad_fn)) if loss.grad_fn is not None else None
        for v in self.vals:
            if v.producer is not None:
                g = self.grads.get(v.producer.node)
                v.grad = None if g is None else np.asarray(g, dtype=np.float64).reshape(v.shape)
            else:      # a leaf: the sum of what its consumers' backprop steps handed it (AccumulateGrad's sum)
                parts = [op.contribution[i] for op, i in v.consumers if i in op.contribution]
                v.grad = None if not parts else np.sum(parts, axis=0).reshape(v.shape)
        if lv is not None and lv.grad is None:
            lv.grad = np.ones(lv.shape)
        g = StepGraph(self.vals, self.ops, lv, model_repr=repr(self.model) if self.model is not None else "")
        g.leaf_calls = [(p, c, m, self.value_of(i) if hasattr(i, "_data") else None, self.value_of(o))
                        for p, c, m, i, o in self.leaf_calls]
        return g


def _state_copy(optimizer, p) -> dict:
    st = optimizer.state.get(p, {}) if hasattr(optimizer.state, "get") else {}
    out = {}
    for k, v in st.items():
        a = np.array(v._data if hasattr(v, "_data") else v, dtype=np.float64, copy=True)
        out[k] = float(a) if k == "step" else a
    return out


def group_of(optimizer, p) -> dict | None:
    for g in optimizer.param_groups:
        if any(q is p for q in g["params"]):
            return {k: v for k, v in g.items() if k != "params"}
    return None


def record_training_step(model, criterion, optimizer, x, y, *, input_grads: bool = False,
                         numeric: bool = False, before_update=None) -> StepGraph:
    """Take one real training step — ``zero_grad``, ``loss = criterion(model(x), y)``, ``backward``,
    ``optimizer.step()`` — and return its ``StepGraph``.  ``input_grads``: x gets requires_grad (a copy),
    so ∂L/∂x is recorded.  ``numeric``: central differences of every trained parameter, before the update."""
    if input_grads and hasattr(x, "detach") and np.asarray(x._data).dtype.kind == "f":
        x = x.detach().clone().requires_grad_(True)
    names = {id(x): "x", id(y): "y"}
    optimizer.zero_grad()
    with StepRecorder(model, names) as rec:
        out = model(x)
        loss = criterion(out, y)
    if not hasattr(loss, "grad_fn") or loss.grad_fn is None:
        from .errors import UnsupportedModel
        raise UnsupportedModel("the loss does not depend on anything that requires grad, so there is no graph to "
                               "walk: give the model parameters (requires_grad=True) or make an input require grad")
    if loss.numel() != 1:
        from .errors import UnsupportedModel
        raise UnsupportedModel(f"the criterion returned a tensor of shape {tuple(loss.shape)}, not one number: "
                               f"use reduction='mean' or 'sum' (or .sum() in a hand-written loss)")
    rec.note(x, "x", "input")
    rec.note(y, "y", "target")
    rec.note(out, "ŷ")
    graph = rec.finish(loss)
    graph.output = rec._of_node.get(id(out.grad_fn)) if out.grad_fn is not None else None
    graph.optimizer = optimizer
    params = {id(p): p for p in model.parameters()} if hasattr(model, "parameters") else {}
    for v in graph.parameters():
        p = params.get(id(v.tensor))
        grp = group_of(optimizer, p) if p is not None else None
        if grp is not None and p.requires_grad:
            v.opt = {"group": grp, "before": _state_copy(optimizer, p)}
    if numeric:
        graph.numeric_h = _numeric(model, criterion, x, y, graph)
    graph.keep_locals()                 # the nodes' backprop steps read θ: take the local factors before the update
    if before_update is not None:       # a reader that needs the graph's nodes before the update changes θ
        before_update(graph)
    optimizer.step()
    for v in graph.parameters():
        v.after = np.array(v.tensor._data, copy=True)
        if v.opt is not None:
            v.opt["after"] = _state_copy(optimizer, v.tensor)
    graph.loss_value = float(loss.item())
    return graph


def record_pass(model, x, y=None, criterion=None, optimizer=None) -> StepGraph:
    """The ``StepGraph`` of as much of a step as is given: with ``criterion``, ``y`` and ``optimizer`` the
    whole training step (``record_training_step``); with a criterion and no optimizer, forward and
    backward (the parameters keep their values); with no criterion (or no target), the forward pass
    only, ``graph.loss`` then being the model's output, without gradients.  ``graph.output`` is the
    model's output and ``graph.has_loss`` says whether a loss was computed.  ``chainrule draw`` records
    its one step so, then draws it as a layered network or as the graph itself."""
    if criterion is not None and y is not None and optimizer is not None:
        graph = record_training_step(model, criterion, optimizer, x, y)
        graph.has_loss = True
        return graph
    if hasattr(model, "zero_grad"):
        model.zero_grad()
    names = {id(x): "x"} if y is None else {id(x): "x", id(y): "y"}
    with StepRecorder(model, names) as rec:
        out = model(x)
        loss = criterion(out, y) if criterion is not None and y is not None else None
    rec.note(x, "x", "input")
    if y is not None:
        rec.note(y, "y", "target")
    if loss is not None and getattr(loss, "grad_fn", None) is not None:
        graph = rec.finish(loss)
        graph.loss_value = float(loss.item())
        graph.has_loss = True
    else:
        graph = rec.finish(out, backward=False)
        for v in graph.values:
            v.grad = None
        graph.loss_value = None
        graph.has_loss = False
    graph.output = rec.value_of(out) if hasattr(out, "_data") else None
    graph.optimizer = None
    return graph


def _numeric(model, criterion, x, y, graph) -> float:
    """Central differences (L(θ+h) − L(θ−h)) / 2h for every trained parameter, on the real model."""
    import chainrule
    params = [v for v in graph.parameters() if v.trained]
    if not params:
        return 0.0
    h = 1e-6 if params[0].value.dtype == np.float64 else 1e-2
    with chainrule.no_grad():
        for v in params:
            arr = v.tensor._data
            est = np.zeros(arr.shape, dtype=np.float64)
            for idx in np.ndindex(arr.shape):
                old = arr[idx]
                arr[idx] = old + h
                up = float(criterion(model(x), y).item())
                arr[idx] = old - h
                down = float(criterion(model(x), y).item())
                arr[idx] = old
                est[idx] = (up - down) / (2 * h)
            graph.numeric[v.name] = est
    return h


def _replay(output) -> StepRecorder:
    """A recorder filled from a graph built without one: walk ``output.grad_fn`` back to the leaves.

    Leaves' values are known (``AccumulateGrad.variable``); an intermediate's value is known only for the
    output itself (the rest are marked ``known = False`` and shown without numbers)."""
    rec = StepRecorder()
    order, seen, stack = [], set(), [output.grad_fn]
    while stack:                                 # iterative post-order: producers before consumers
        node = stack[-1]
        if id(node) in seen:
            stack.pop()
            if node not in order:
                order.append(node)
            continue
        seen.add(id(node))
        for e in node.edges:
            if e is not None and type(e).__name__ != "AccumulateGrad" and id(e) not in seen:
                stack.append(e)
    vals = {}
    for node in order:
        args = []
        for i, e in enumerate(node.edges):
            if e is None:
                args.append(None)
            elif type(e).__name__ == "AccumulateGrad":
                args.append(rec.value_of(e.variable))
            else:
                args.append(vals[id(e)])
        meta = node.input_meta
        shape = tuple(output.shape) if node is output.grad_fn else None
        if shape is None:     # the shape from a consumer's input_meta
            for other in order:
                for j, e in enumerate(other.edges):
                    if e is node and meta is not None and other.input_meta[j] is not None:
                        shape = tuple(other.input_meta[j][0])
        value = np.array(output._data, copy=True) if node is output.grad_fn else np.full(shape or (), np.nan)
        v = Value(len(rec.vals), "intermediate", "", value, True)
        v.known = node is output.grad_fn
        rec.vals.append(v)
        rec._of_node[id(node)] = v
        op = OpNode(len(rec.ops), node, type(node), tuple(args), v)
        v.producer = op
        for i, a in enumerate(args):
            if isinstance(a, Value):
                a.consumers.append((op, i))
        rec.ops.append(op)
        _RECORDING[id(node)] = rec
        vals[id(node)] = v

        def capture(grad_inputs, grad_outputs, op=op, node=node):
            if rec.quiet:
                return
            g = grad_outputs[0]
            if g is not None:
                rec.grads[node] = np.asarray(g).copy()
            for i, gi in enumerate(grad_inputs):
                if gi is not None:
                    op.contribution[i] = np.array(gi, dtype=np.float64, copy=True)
        node.register_hook(capture)
    return rec


StepRecorder.replay = staticmethod(_replay)
