"""``--verify-torch``: run the same training steps in PyTorch and compare every recorded number.

The PyTorch model mirrors the chainrule model's own structure: nested ``Sequential``s become nested
``torch.nn.Sequential``s under the same names (``layer1.0.weight`` is ``layer1.0.weight`` in both), a
custom container becomes a module calling the same children in order, and every ``Linear`` starts from
the same values.  The optimiser gets the same parameter groups, each with its own settings (lr,
momentum, betas, weight decay, nesterov, amsgrad, …), and the loss its own (reduction, label
smoothing).  Hooks on the modules the explanation names capture z and a of the explained step.
Comparison rows are (label, chainrule value, PyTorch value).
"""
from __future__ import annotations

import inspect

import numpy as np

from .errors import UnsupportedModel
from .formulas import ACTIVATION_PARAMS

GROUP_KEYS = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "betas", "eps", "amsgrad",
              "maximize", "decoupled_weight_decay")
LOSS_KEYS = ("reduction", "label_smoothing")


def _import_torch():
    try:
        import torch
    except ImportError:
        raise UnsupportedModel("--verify-torch needs PyTorch, which is not installed (pip install torch)") from None
    if not hasattr(torch, "nn") or torch.__name__ != "torch" or getattr(torch, "__file__", "").find("chainrule") >= 0:
        raise UnsupportedModel("--verify-torch needs the real PyTorch package")
    return torch


def _blueprint(module):
    """A plain description of the module tree, taken now (before any step changes the weights)."""
    kind = type(module).__name__
    children = list(module.named_children())
    if kind == "Linear":
        return ("Linear", np.array(module.weight._data), None if module.bias is None else np.array(module.bias._data))
    if not children:
        return ("leaf", kind, {k: getattr(module, k) for k in ACTIVATION_PARAMS if hasattr(module, k)})
    return ("Sequential" if kind == "Sequential" else "chain", kind, [(n, _blueprint(m)) for n, m in children])


def torch_model(blueprint, torch, dtype):
    """The PyTorch twin of a ``_blueprint``, with the same module names and initial values."""
    from collections import OrderedDict
    tag = blueprint[0]
    if tag == "Linear":
        _, w, b = blueprint
        lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=b is not None).to(dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            if b is not None:
                lin.bias.copy_(torch.from_numpy(b))
        return lin
    if tag == "leaf":
        _, kind, params = blueprint
        cls = getattr(torch.nn, kind)        # the recorder admits only activations PyTorch has
        accepted = inspect.signature(cls).parameters
        return cls(**{k: v for k, v in params.items() if k in accepted})
    _, kind, children = blueprint
    built = OrderedDict((name, torch_model(child, torch, dtype)) for name, child in children)
    if tag == "Sequential":
        return torch.nn.Sequential(built)

    def forward(self, x):
        for m in self.children():
            x = m(x)
        return x

    # a custom container: a module of the same class name calling its children in order, the chain the
    # recorder found the model's forward to be
    chain = type(kind, (torch.nn.Module,), {"forward": forward, "__doc__": f"PyTorch twin of {kind}"})()
    for name, m in built.items():
        chain.add_module(name, m)
    return chain


def _param_groups(model, optimizer, tnet, opt_cls):
    """The optimiser's groups, each with its own settings and the PyTorch parameters of the same names."""
    names = {id(p): n for n, p in model.named_parameters()}
    tparams = dict(tnet.named_parameters())
    accepted = inspect.signature(opt_cls).parameters
    groups = []
    for g in optimizer.param_groups:
        settings = {k: (tuple(v) if k == "betas" else v) for k, v in g.items() if k in GROUP_KEYS and k in accepted}
        params = [tparams[names[id(p)]] for p in g["params"] if id(p) in names]
        groups.append({"params": params, **settings})
    return groups


def _pname(module: str, pname: str) -> str:
    return f"{module}.{pname}" if module else pname


def torch_reference(model, criterion, optimizer, x, y, steps: int):
    """Snapshot the starting point now; return ``rows(record)`` that runs PyTorch and compares."""
    torch = _import_torch()
    blueprint = _blueprint(model)
    xs, ys = np.array(x._data), np.array(y._data)
    loss_kind = type(criterion).__name__
    loss_kw = {k: getattr(criterion, k) for k in LOSS_KEYS if hasattr(criterion, k)}
    opt_kind = type(optimizer).__name__

    def rows(rec):
        dtype = torch.float64 if rec.dtype == np.float64 else torch.float32
        net = torch_model(blueprint, torch, dtype)
        crit = getattr(torch.nn, loss_kind)(**loss_kw)
        opt_cls = getattr(torch.optim, opt_kind)
        opt = opt_cls(_param_groups(model, optimizer, net, opt_cls))
        tx, ty = torch.from_numpy(xs), torch.from_numpy(ys)
        modules = dict(net.named_modules())
        outs = {}
        for step in range(1, steps + 1):
            hooks = []
            if step == steps:
                for L in rec.layers:
                    for name in (L.name, L.act_name):
                        if name:
                            hooks.append(modules[name].register_forward_hook(
                                lambda mod, inp, out, name=name: outs.__setitem__(name, out.detach().numpy().copy())))
            opt.zero_grad()
            loss = crit(net(tx), ty)
            for h in hooks:
                h.remove()
            loss.backward()
            if step == steps:
                grads = {n: p.grad.numpy().copy() for n, p in net.named_parameters()}
                tloss = float(loss.item())
            opt.step()
        after = {n: p.detach().numpy().copy() for n, p in net.named_parameters()}
        result = [("L", rec.loss, tloss)]
        for k, L in enumerate(rec.layers, 1):
            result.append((f"z⁽{k}⁾", L.z, outs[L.name].reshape(L.z.shape)))
            if L.act_name:
                result.append((f"a⁽{k}⁾", L.a, outs[L.act_name].reshape(L.a.shape)))
            result.append((f"∂L/∂W⁽{k}⁾", L.weight_grad, grads[_pname(L.name, "weight")]))
            if L.bias is not None:
                result.append((f"∂L/∂b⁽{k}⁾", L.bias_grad, grads[_pname(L.name, "bias")]))
            result.append((f"W⁽{k}⁾ ({rec.step + 1})", L.weight_after, after[_pname(L.name, "weight")]))
            if L.bias is not None:
                result.append((f"b⁽{k}⁾ ({rec.step + 1})", L.bias_after, after[_pname(L.name, "bias")]))
        return result

    return rows


# -- any graph: the model file again, with the real PyTorch ------------------------------------------------
def graph_reference(twin, model, steps: int):
    """``--verify-torch`` for a model outside the layered form.  ``twin()`` builds the same problem with the
    real PyTorch — ``chainrule explain`` runs the model file a second time with ``import torch`` giving
    PyTorch itself — and chainrule's starting parameters are copied into it by name (so a seeded
    initialisation, which draws different random numbers in the two libraries, still starts the same).

    Returns ``rows(graph, symbol=None)``: (label, chainrule value, PyTorch value) for the loss, then — node
    by node — every value of the StepGraph and its gradient beside the PyTorch tensor its autograd graph
    made at the same place (PyTorch's step is recorded with a ``TorchFunctionMode``; the two graphs are
    matched by their nodes' names in creation order, which agree because the engine names its nodes as
    PyTorch does), then every parameter's gradient and value after the update.  ``symbol(value)`` gives
    a value's label in the solution's notation.  Where the two graphs do not match op for op (an op
    PyTorch composes differently), only the loss and the parameters are compared."""
    torch = _import_torch()
    start = {n: np.array(p._data, copy=True) for n, p in model.named_parameters()}

    def rows(graph, symbol=None):
        tm, tcrit, topt, tx, ty = twin()
        tparams = dict(tm.named_parameters())
        missing = sorted(set(start) - set(tparams))
        if missing:
            raise UnsupportedModel(f"--verify-torch: the PyTorch model has no parameter {missing[0]}")
        with torch.no_grad():
            for n, a in start.items():
                tparams[n].copy_(torch.from_numpy(a).to(tparams[n].dtype))
        made = []
        for step in range(1, steps + 1):
            topt.zero_grad()
            if step == steps:
                with _TorchRecorder(torch, made):
                    loss = tcrit(tm(tx), ty)
            else:
                loss = tcrit(tm(tx), ty)
            loss.backward()
            grads = {n: None if p.grad is None else p.grad.numpy().copy() for n, p in tm.named_parameters()}
            topt.step()
        from .graph_builder import _symbol_of_name
        from .render.text import TextMath
        math = TextMath(4)
        out = [("L", graph.loss_value, float(loss.item()))]
        out += _node_rows(graph, made, loss, symbol)
        for v in graph.parameters():
            sym = math(_symbol_of_name(v.name))
            if v.grad is not None and grads.get(v.name) is not None:
                out.append((f"∂L/∂{sym}", np.asarray(v.tensor.grad._data), grads[v.name]))
            out.append((f"{sym}({graph.step + 1})", v.after, tparams[v.name].detach().numpy()))
        return out

    return rows


def _torch_function_mode(torch):
    class Recorder(torch.overrides.TorchFunctionMode):
        """Every tensor PyTorch's forward makes with a grad_fn, in creation order (its gradient retained)."""

        def __init__(self, made):
            super().__init__()
            self.made, self.seen = made, set()

        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for o in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(o, torch.Tensor) and o.grad_fn is not None and id(o.grad_fn) not in self.seen:
                    self.seen.add(id(o.grad_fn))
                    o.retain_grad()
                    self.made.append(o)
            return out
    return Recorder


def _TorchRecorder(torch, made):
    return _torch_function_mode(torch)(made)


def _node_rows(graph, made, loss, symbol) -> list:
    """(label, ours, PyTorch's) for each value and ∂L/∂value, the two graphs matched node by node."""
    keep = graph.ancestors()
    ours = [op for op in graph.ops if op.output.id in keep]
    reach, stack = set(), [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in reach:
            continue
        reach.add(id(fn))
        stack.extend(f for f, _ in fn.next_functions)
    theirs = [t for t in made if id(t.grad_fn) in reach]
    if [op.name for op in ours] != [type(t.grad_fn).__name__ for t in theirs]:
        return []
    out = []
    for op, t in zip(ours, theirs):
        v = op.output
        if v is graph.loss or tuple(t.shape) != v.shape:
            continue
        label = symbol(v) if symbol is not None else f"{op.name}#{op.id}"
        out.append((label, v.value, t.detach().numpy()))
        if v.grad is not None and t.grad is not None:
            out.append((f"∂L/∂{label}", v.grad, t.grad.numpy()))
    return out


def torch_twin_of_file(path: str):
    """A ``twin()`` for ``graph_reference``: the Python model file run with the real PyTorch."""
    def twin():
        torch = _import_torch()
        from .model_file import compile_model_file
        namespace = {"__name__": "__chainrule_model__", "__file__": path, "torch": torch}
        exec(compile_model_file(path), namespace)         # noqa: S102 - the user's own model file
        crit = namespace.get("criterion", namespace.get("loss_fn"))
        x = namespace.get("x", namespace.get("inputs"))
        y = next((namespace[k] for k in ("y", "target", "targets") if k in namespace), None)
        return namespace["model"], crit, namespace["optimizer"], x, y
    return twin
