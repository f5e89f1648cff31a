"""Run real training steps and record every number the engine produced in the one being explained.

The step is the user's own: ``out = model(x)``, ``loss = criterion(out, y)``, ``loss.backward()``,
``optimizer.step()``.  While it runs:

* forward hooks on the leaf modules record, in call order, each module's input and output
  (so a custom ``nn.Module`` calling its ``Sequential`` children works like a ``Sequential``);
* tensor hooks on every weighted sum z and activation a record ∂L/∂z and ∂L/∂a as the engine's
  backward pass delivers them;
* ∂a/∂z of each activation comes from the autograd graph itself (``autograd.grad`` through the
  activation's nodes, i.e. their ``backprop_step``), before the backward pass frees the graph;
* parameter values before/after and the optimiser's state (momentum buffers, Adam's moments) are
  copied around the real ``optimizer.step()``.

Nothing here computes a derivative by formula; ``chain.py`` checks the chain rule on these numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import UnsupportedModel
from .formulas import LOSSES, Identity, activation_for

SUPPORTED = ("Linear, Sigmoid, Tanh, ReLU, LeakyReLU, Softplus, ELU, GELU, SiLU, Identity (in Sequentials or a module "
             "calling them in order)")


@dataclass
class LayerRecord:
    name: str                 # module path, e.g. "layer1.0"
    act_name: str             # module path of its activation ("" when none)
    activation: object        # formulas.Activation
    weight: np.ndarray        # [out, in], before the step
    bias: np.ndarray | None
    inp: np.ndarray = None    # [N, in]
    z: np.ndarray = None      # [N, out]
    a: np.ndarray = None      # [N, out] (= z without activation)
    dz: np.ndarray = None     # ∂L/∂z from the backward pass
    da: np.ndarray = None     # ∂L/∂a from the backward pass
    local: np.ndarray = None  # ∂a/∂z from the graph's backprop steps
    weight_grad: np.ndarray = None
    bias_grad: np.ndarray = None
    weight_after: np.ndarray = None
    bias_after: np.ndarray = None
    opt: dict = field(default_factory=dict)   # "weight"/"bias" -> {"group", "before", "after"}
    numeric: dict = field(default_factory=dict)   # "weight"/"bias" -> central differences
    ids: dict = field(default_factory=dict)       # "weight"/"bias"/"inp"/"z"/"a" -> the StepGraph Value.id

    @property
    def sizes(self):
        return self.weight.shape[1], self.weight.shape[0]


@dataclass
class StepRecord:
    layers: list
    x: np.ndarray             # [N, in]
    y: np.ndarray             # [N, K] (class indices [N] for cross-entropy)
    out: np.ndarray           # network output [N, K]
    dout: np.ndarray          # ∂L/∂out
    loss: float
    loss_fn: object           # formulas.Loss
    optimizer: str            # "SGD" | "Adam"
    step: int                 # the step explained (1-based)
    losses: list              # loss of every step run
    dtype: np.dtype
    model_repr: str = ""
    numeric_h: float = 0.0
    ids: dict = field(default_factory=dict)   # "x", "out", "loss" -> the StepGraph Value.id

    def refs(self) -> dict:
        """What ``naming.Names`` needs to tie each symbol to the value it names: the record's ids and
        each layer's."""
        return {**self.ids, "layers": [L.ids for L in self.layers]}


def _np(t) -> np.ndarray:
    return np.array(t._data if hasattr(t, "_data") else t, copy=True)


def _rows(a: np.ndarray, width: int) -> np.ndarray:
    return a.reshape(-1, width)


def _leaf_modules(model):
    for name, m in model.named_modules():
        if not any(True for _ in m.children()):
            yield name, m


def _layers_from_calls(calls, names) -> list:
    """Group the leaf-module calls into (Linear, activation) layers, checking they form a chain."""
    layers = []
    prev_out = None
    pending = None
    for m, inp, out in calls:
        name = names.get(id(m), type(m).__name__)
        kind = type(m).__name__
        if prev_out is not None and inp is not prev_out:
            raise UnsupportedModel(
                f"module '{name}' ({kind}) does not receive the output of the module called before it; "
                f"chainrule explain supports chains of {SUPPORTED}")
        prev_out = out
        if kind == "Linear":
            if pending is not None:
                layers.append(pending)
            pending = [name, m, inp, out, "", None, None]
            continue
        act = activation_for(m)
        if act is None:
            raise UnsupportedModel(
                f"layer '{name}' ({kind}) is not supported by chainrule explain; supported: {SUPPORTED}")
        if pending is None:
            raise UnsupportedModel(f"activation '{name}' ({kind}) comes before any Linear layer; "
                                   f"chainrule explain expects Linear first")
        if act.kind == "identity":
            continue
        if pending[5] is not None:
            raise UnsupportedModel(f"layer '{pending[0]}' is followed by two activations "
                                   f"('{pending[4]}' and '{name}'); put at most one after each Linear")
        pending[4], pending[5], pending[6] = name, act, out
    if pending is not None:
        layers.append(pending)
    if not layers:
        raise UnsupportedModel("the model has no Linear layer: nothing to explain")
    return layers


def _check_loss(criterion):
    cls = LOSSES.get(type(criterion).__name__)
    if cls is None:
        raise UnsupportedModel(f"loss {type(criterion).__name__} is not supported by chainrule explain; "
                               f"supported: {', '.join(LOSSES)}")
    reduction = getattr(criterion, "reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise UnsupportedModel(f"{type(criterion).__name__}(reduction={reduction!r}) is not supported: "
                               f"use 'mean' or 'sum' (the loss must be one number)")
    for attr in ("weight", "pos_weight"):
        if getattr(criterion, attr, None) is not None:
            raise UnsupportedModel(f"{type(criterion).__name__} with {attr}= is not supported by chainrule explain")
    return cls, reduction


def _check_optimizer(optimizer) -> str:
    kind = type(optimizer).__name__
    if kind not in ("SGD", "Adam", "AdamW"):
        raise UnsupportedModel(f"optimizer {kind} is not supported by chainrule explain; use SGD, Adam or AdamW")
    for g in optimizer.param_groups:
        if g.get("maximize"):
            raise UnsupportedModel(f"{kind}(maximize=True) is not supported by chainrule explain")
    if kind == "Adam" and all(g.get("decoupled_weight_decay") for g in optimizer.param_groups):
        return "AdamW"      # Adam(decoupled_weight_decay=True) is AdamW, and is explained as such
    return kind


def _state_copy(optimizer, p) -> dict:
    st = optimizer.state.get(p, {}) if hasattr(optimizer.state, "get") else {}
    out = {}
    for k, v in st.items():
        out[k] = float(np.asarray(v._data if hasattr(v, "_data") else v)) if k == "step" else _np(v)
    return out


def _train_step(model, criterion, optimizer, x, y) -> float:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss.item())


def record_step(model, criterion, optimizer, x, y, *, step: int = 1, numeric: bool = False,
                input_grads: bool = False, steps_run=None) -> StepRecord:
    """Run steps 1…``step`` of training and record the last one as a ``StepGraph``; read off it, when the
    model is a chain of (Linear, activation) layers with a loss and optimizer the lecture's form knows,
    the per-layer ``StepRecord`` the lecture's builder writes out.  Otherwise the ``StepGraph`` itself is
    returned, its ``why`` saying what kept it from the lecture's form (the step has been taken either way)."""
    import chainrule
    from chainrule.autograd import grad as autograd_grad
    from .step_graph import record_training_step

    if step < 1:
        raise UnsupportedModel(f"--steps must be at least 1, got {step}")
    why = None
    try:
        loss_cls, reduction = _check_loss(criterion)
        opt_kind = _check_optimizer(optimizer)
    except UnsupportedModel as e:
        why = str(e)
    run = steps_run if steps_run is not None else (lambda: _train_step(model, criterion, optimizer, x, y))
    losses = [run() for _ in range(step - 1)]
    locals_ = {}

    def activation_locals(graph):     # ∂a/∂z through each activation's own nodes, before θ changes
        for _, _, m, i, o in graph.leaf_calls:
            if i is not None and o is not i and o.producer is not None and activation_for(m) is not None:
                try:
                    (local,) = autograd_grad(o.tensor, i.tensor, grad_outputs=chainrule.ones_like(o.tensor),
                                             retain_graph=True)
                except RuntimeError:      # not a chain the lecture's form can show; the graph form will
                    continue
                locals_[o.id] = _np(local)
    graph = record_training_step(model, criterion, optimizer, x, y, input_grads=input_grads, numeric=numeric,
                                 before_update=activation_locals)
    graph.step = step
    graph.losses = losses + [graph.loss_value]
    graph.why = why
    if why is not None:
        return graph
    calls = [(m, i, o) for _, _, m, i, o in graph.leaf_calls]
    names = {id(m): n for n, m in model.named_modules()}
    try:
        groups = _layers_from_calls(calls, names)
    except UnsupportedModel as e:
        graph.why = str(e)
        return graph
    if calls and calls[-1][2] is not graph.output:
        graph.why = f"the model's output is not the output of its last layer ({SUPPORTED})"
    elif any(p is not None and (not p.requires_grad or group_of_value(graph, p) is None)
             for _, lin, *_ in groups for p in (lin.weight, lin.bias)):
        graph.why = "a parameter is not trained by the optimizer"
    elif len(graph.parameters()) != sum(1 + (lin.bias is not None) for _, lin, *_ in groups):
        graph.why = "the model has parameters outside its Linear layers"
    elif any(a is not None and a.id not in locals_ for *_, a in groups):
        graph.why = "an activation without a local derivative"
    if graph.why is not None:
        return graph

    layers = []
    for name, lin, inp, z, act_name, act, a in groups:
        width = lin.weight.shape[1]
        wv, bv = _param_value(graph, lin.weight), _param_value(graph, lin.bias)
        rec = LayerRecord(name=name, act_name=act_name, activation=act or Identity(),
                          weight=wv.value, bias=None if bv is None else bv.value)
        rec.ids = {"weight": wv.id, "bias": None if bv is None else bv.id, "inp": inp.id, "z": z.id,
                   "a": z.id if a is None else a.id}
        rec.inp = _rows(inp.value, width)
        rec.z = _rows(z.value, lin.weight.shape[0])
        rec.a = rec.z if a is None else _rows(a.value, lin.weight.shape[0])
        if a is not None:   # ∂a/∂z through the activation's own graph nodes (kept by the recorder)
            rec.local = _rows(locals_[a.id], lin.weight.shape[0])
        else:
            rec.local = np.ones_like(rec.z)
        rec.dz = _rows(z.grad.astype(rec.z.dtype), rec.z.shape[1])
        rec.da = _rows(a.grad.astype(rec.z.dtype), rec.z.shape[1]) if a is not None else rec.dz
        rec.weight_grad = _np(lin.weight.grad)
        rec.bias_grad = None if lin.bias is None else _np(lin.bias.grad)
        rec.weight_after = wv.after
        rec.bias_after = None if bv is None else bv.after
        for pname, v in (("weight", wv), ("bias", bv)):
            if v is not None:
                rec.opt[pname] = v.opt
                if v.name in graph.numeric:
                    rec.numeric[pname] = graph.numeric[v.name]
        layers.append(rec)

    K = layers[-1].weight.shape[0]
    xs = _rows(_np(x), layers[0].weight.shape[1])
    N = xs.shape[0]
    ys = _np(y)
    if loss_cls.kind == "cross_entropy":
        if ys.dtype.kind in "iu":
            ys = ys.reshape(N)
            if ys.min() < 0:
                graph.why = f"CrossEntropyLoss target {int(ys.min())} ignored (ignore_index)"
                return graph
        else:                       # class probabilities, one row per sample (the loss has checked the shape)
            ys = ys.reshape(N, K).astype(np.float64)
    else:
        ys = ys.reshape(N, K).astype(xs.dtype)
    out = graph.output
    rec = StepRecord(layers=layers, x=xs, y=ys, out=layers[-1].a, dout=_rows(out.grad.astype(xs.dtype), K),
                     loss=graph.loss_value, loss_fn=_loss_fn(loss_cls, reduction, K, criterion), optimizer=opt_kind,
                     step=step, losses=graph.losses, dtype=layers[0].weight.dtype, model_repr=repr(model),
                     numeric_h=graph.numeric_h, ids={"x": layers[0].ids["inp"], "out": layers[-1].ids["a"],
                                                     "loss": graph.loss.id})
    rec.graph = graph
    return rec


def _param_value(graph, p):
    if p is None:
        return None
    return next(v for v in graph.parameters() if v.tensor is p)


def group_of_value(graph, p):
    v = next((v for v in graph.parameters() if v.tensor is p), None)
    return None if v is None else v.opt


def _loss_fn(cls, reduction, K, criterion):
    if cls.kind == "cross_entropy":
        return cls(reduction, K, float(getattr(criterion, "label_smoothing", 0.0) or 0.0))
    return cls(reduction, K)
