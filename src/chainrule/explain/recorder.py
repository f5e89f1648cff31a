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


def _group_of(optimizer, p) -> dict:
    for g in optimizer.param_groups:
        if any(q is p for q in g["params"]):
            return {k: v for k, v in g.items() if k != "params"}
    raise UnsupportedModel(f"a parameter of the model (shape {tuple(p.shape)}) is not in the optimizer's parameter "
                           f"groups, so the step would not update it: build the optimizer from model.parameters()")


def _train_step(model, criterion, optimizer, x, y) -> float:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss.item())


def record_step(model, criterion, optimizer, x, y, *, step: int = 1, numeric: bool = False) -> StepRecord:
    """Run steps 1…``step`` of training and record everything about the last one."""
    import chainrule
    from chainrule.autograd import grad as autograd_grad

    loss_cls, reduction = _check_loss(criterion)
    opt_kind = _check_optimizer(optimizer)
    if step < 1:
        raise UnsupportedModel(f"--steps must be at least 1, got {step}")
    losses = [_train_step(model, criterion, optimizer, x, y) for _ in range(step - 1)]

    # forward, with hooks on every leaf module
    names = {id(m): n for n, m in model.named_modules()}
    calls = []
    handles = []
    for name, m in _leaf_modules(model):
        handles.append(m.register_forward_hook(lambda mod, args, out: calls.append((mod, args[0], out))))
    optimizer.zero_grad()
    try:
        out = model(x)
    finally:
        for h in handles:
            h.remove()
    groups = _layers_from_calls(calls, names)
    if calls and calls[-1][2] is not out:
        raise UnsupportedModel("the model's output is not the output of its last layer; chainrule explain "
                               f"supports chains of {SUPPORTED}")

    layers = []
    for name, lin, inp, z, act_name, act, a in groups:
        width = lin.weight.shape[1]
        rec = LayerRecord(name=name, act_name=act_name, activation=act or Identity(),
                          weight=_np(lin.weight), bias=None if lin.bias is None else _np(lin.bias))
        rec.inp = _rows(_np(inp), width)
        rec.z = _rows(_np(z), lin.weight.shape[0])
        rec.a = rec.z if a is None else _rows(_np(a), lin.weight.shape[0])
        rec._tensors = (lin, z, a)
        if a is not None:   # ∂a/∂z through the activation's own graph nodes (element-wise: a sum of ones)
            (local,) = autograd_grad(a, z, grad_outputs=chainrule.ones_like(a), retain_graph=True)
            rec.local = _rows(_np(local), lin.weight.shape[0])
        else:
            rec.local = np.ones_like(rec.z)
        layers.append(rec)

    # hooks that catch ∂L/∂z, ∂L/∂a and ∂L/∂out as the engine's backward pass hands them on
    caught = {}

    def catch(key):
        def hook(g):
            caught[key] = _np(g)
        return hook

    for i, rec in enumerate(layers):
        lin, z, a = rec._tensors
        z.register_hook(catch(("z", i)))
        if a is not None:
            a.register_hook(catch(("a", i)))
    out.register_hook(catch("out"))
    loss = criterion(out, y)
    loss_value = float(loss.item())
    loss.backward()

    K = layers[-1].weight.shape[0]
    xs = _rows(_np(x), layers[0].weight.shape[1])
    N = xs.shape[0]
    ys = _np(y)
    if loss_cls.kind == "cross_entropy":
        if ys.dtype.kind in "iu":
            ys = ys.reshape(N)
            if ys.min() < 0:
                raise UnsupportedModel(f"CrossEntropyLoss target {int(ys.min())} (ignore_index) is not supported by "
                                       f"chainrule explain: every sample needs a class")
        else:                       # class probabilities, one row per sample (the loss has checked the shape)
            ys = ys.reshape(N, K).astype(np.float64)
    else:
        ys = ys.reshape(N, K).astype(xs.dtype)
    for i, rec in enumerate(layers):
        lin = rec._tensors[0]
        rec.dz = _rows(caught[("z", i)], rec.z.shape[1])
        rec.da = _rows(caught[("a", i)], rec.z.shape[1]) if ("a", i) in caught else rec.dz
        rec.weight_grad = _np(lin.weight.grad)
        rec.bias_grad = None if lin.bias is None else _np(lin.bias.grad)

    h = 0.0
    if numeric:
        h = _numeric(model, criterion, x, y, layers)

    for rec in layers:
        lin = rec._tensors[0]
        for pname in ("weight", "bias"):
            p = getattr(lin, pname)
            if p is not None:
                rec.opt[pname] = {"group": _group_of(optimizer, p), "before": _state_copy(optimizer, p)}
    optimizer.step()
    losses.append(loss_value)
    for rec in layers:
        lin = rec._tensors[0]
        rec.weight_after = _np(lin.weight)
        rec.bias_after = None if lin.bias is None else _np(lin.bias)
        for pname in rec.opt:
            rec.opt[pname]["after"] = _state_copy(optimizer, getattr(lin, pname))
        del rec._tensors

    return StepRecord(layers=layers, x=xs, y=ys, out=layers[-1].a, dout=_rows(caught["out"], K),
                      loss=loss_value, loss_fn=_loss_fn(loss_cls, reduction, K, criterion), optimizer=opt_kind, step=step,
                      losses=losses, dtype=layers[0].weight.dtype, model_repr=repr(model), numeric_h=h)


def _loss_fn(cls, reduction, K, criterion):
    if cls.kind == "cross_entropy":
        return cls(reduction, K, float(getattr(criterion, "label_smoothing", 0.0) or 0.0))
    return cls(reduction, K)


def _numeric(model, criterion, x, y, layers) -> float:
    """Central differences (L(θ+h) − L(θ−h)) / 2h for every parameter, on the real model."""
    import chainrule
    dtype = layers[0].weight.dtype
    h = 1e-6 if dtype == np.float64 else 1e-2
    with chainrule.no_grad():
        for rec in layers:
            lin = rec._tensors[0]
            for pname in ("weight", "bias"):
                p = getattr(lin, pname)
                if p is None:
                    continue
                arr = p._data
                est = np.zeros(arr.shape, dtype=np.float64)
                for idx in np.ndindex(arr.shape):
                    old = arr[idx]
                    arr[idx] = old + h
                    up = float(criterion(model(x), y).item())
                    arr[idx] = old - h
                    down = float(criterion(model(x), y).item())
                    arr[idx] = old
                    est[idx] = (up - down) / (2 * h)
                rec.numeric[pname] = est
    return h
