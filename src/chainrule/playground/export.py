"""What the page exports: the step shown as a Python or TOML model file, the whole run as PyTorch code,
the parameters as a safetensors checkpoint, and the explanation of the step in any of explain's formats.

* **Model files** (``model.py``, ``model.toml``) hold *the step the page shows*: the parameters and the
  optimizer's state as they were before it, and its batch as ``x``, ``y``.  ``chainrule explain`` on the
  file writes the derivation the page shows, number for number.  At step 0 that is step 1.  A TOML file
  has no place for optimizer state (momentum, Adam's moments): past the first step of such an optimizer
  only the Python file can hold the step, and the TOML export says so.
* **PyTorch code** (``playground_torch.py``): a script for the real PyTorch that starts from the same
  initial weights, feeds the same batches (``torch.randperm`` with the same seeds) and takes as many steps
  as the page has taken, printing the loss; the parameters it ends with are the page's, to float32 rounding.
* **safetensors**: the current parameters, named as ``model.state_dict()`` names them.
"""
from __future__ import annotations

import numpy as np

from . import network
from .config import SettingError

FORMATS = {"text": ("txt", "text/plain"), "markdown": ("md", "text/markdown"), "latex": ("tex", "application/x-tex"),
           "html": ("html", "text/html")}
OPT_KEYS = {"SGD": ("lr", "momentum", "dampening", "weight_decay", "nesterov"),
            "Adam": ("lr", "betas", "eps", "weight_decay", "amsgrad"),
            "AdamW": ("lr", "betas", "eps", "weight_decay", "amsgrad"),
            "RMSprop": ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")}


def _num(v) -> str:
    """A float32/float64 number written so that reading it back gives the same bits."""
    f = float(v)
    if f.is_integer() and abs(f) < 1e16:
        return f"{f:.1f}"
    return repr(f)


def _list(a) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return _num(a) if a.dtype.kind == "f" else str(int(a))
    return "[" + ", ".join(_list(v) for v in a) + "]"


def _chain(session):
    if not session.linears:
        raise SettingError("this model is not a chain of Linear layers and activations: the playground exports "
                           "only such a chain as code (the safetensors checkpoint works for any model)")
    return session.linears


def _step_state(session):
    """(snapshot, t, x, y) of the step shown: before it, its number, its batch."""
    t = session.t if session.t > 0 else 1
    snap = session.before if session.t > 0 else session.snapshot()
    return snap, t, session.X[session.batch(t)], session.T[session.batch(t)]


def _values(session, snap, module) -> tuple:
    ix = {id(p): k for k, p in enumerate(session.params)}
    w = snap["params"][ix[id(module.weight)]]
    b = snap["params"][ix[id(module.bias)]] if module.bias is not None else None
    return w, b


def _optimizer_code(session) -> str:
    name = type(session.optimizer).__name__
    if name not in OPT_KEYS:
        raise SettingError(f"the optimizer {name} has no export: use SGD, Adam, AdamW or RMSprop")
    g = session.optimizer.param_groups[0]
    args = []
    for k in OPT_KEYS[name]:
        if k in g:
            v = g[k]
            args.append(f"{k}={tuple(float(x) for x in v) if isinstance(v, (tuple, list)) else v!r}")
    return f"optimizer = torch.optim.{name}(model.parameters(), {', '.join(args)})"


def _dtype_code(a) -> str:
    a = np.asarray(a)
    return "torch.int64" if a.dtype.kind in "iu" else "torch.float64" if a.dtype == np.float64 else "torch.float32"


def _model_code(session) -> str:
    parts = []
    for lin, act in _chain(session):
        parts.append(f"nn.Linear({lin.in_features}, {lin.out_features}"
                     + ("" if lin.bias is not None else ", bias=False") + ")")
        if act != "identity":
            parts.append(f"nn.{network.ACTIVATION_CLASSES[act]}()")
    wide = session.params[0].detach().numpy().dtype == np.float64
    to = ".to(torch.float64)" if wide else ""
    names = [name for name, _ in session.model.named_children()]
    if len(names) == len(parts) and not all(name.isdigit() for name in names):
        # a model file's named layers (linear1, sigmoid1, …) keep their names, so the file explains alike
        rows = [f"({name!r}, {part})" for name, part in zip(names, parts)]
        return ("from collections import OrderedDict\n\nmodel = nn.Sequential(OrderedDict([\n    "
                + ",\n    ".join(rows) + ",\n]))" + to)
    return "model = nn.Sequential(\n    " + ",\n    ".join(parts) + ",\n)" + to


def _loss_code(session) -> str:
    c = session.criterion
    return f"criterion = nn.{type(c).__name__}(reduction={c.reduction!r})"


def _weights_code(session, snap) -> str:
    lines = ["with torch.no_grad():"]
    for k, (lin, _) in enumerate(session.linears):
        w, b = _values(session, snap, lin)
        idx = list(session.model).index(lin)
        lines.append(f"    model[{idx}].weight.copy_(torch.tensor({_list(w)}, dtype={_dtype_code(w)}))")
        if b is not None:
            lines.append(f"    model[{idx}].bias.copy_(torch.tensor({_list(b)}, dtype={_dtype_code(b)}))")
    return "\n".join(lines)


def _state_of(snap) -> dict:
    """The optimizer's per-parameter state that holds something (SGD without momentum keeps None)."""
    return {k: {n: v for n, v in s.items() if v is not None} for k, s in snap["optimizer"]["state"].items()
            if any(v is not None for v in s.values())}


def _state_code(snap) -> str:
    state = _state_of(snap)
    if not state:
        return ""
    rows = []
    for k, s in state.items():
        items = ", ".join(f"{name!r}: torch.tensor({_list(v)}, dtype={_dtype_code(v)})"
                          for name, v in ((n, np.asarray(v.detach().numpy() if hasattr(v, "detach") else v))
                                          for n, v in s.items()))
        rows.append(f"    {k!r}: {{{items}}},")
    return ("# the optimizer's state before this step (its running averages, its step count)\n"
            "state = optimizer.state_dict()\nstate['state'] = {\n" + "\n".join(rows) + "\n}\n"
            "optimizer.load_state_dict(state)\n")


def _tensor_code(name, a) -> str:
    return f"{name} = torch.tensor({_list(a)}, dtype={_dtype_code(a)})"


def explain_command(session, path: str) -> str:
    """The command line that writes the page's derivation from an exported model file."""
    from .derive import form_for
    return f"chainrule explain {path}" + (" --form scalar" if form_for(session) == "scalar" else "")


def python_model_file(session) -> str:
    snap, t, x, y = _step_state(session)
    return "\n".join([
        f'"""chainrule playground: step {t} of the run ({session.dataset_name}) as a model file.',
        "",
        "The parameters and optimizer state as they were before that step, and its batch as x, y:",
        f"    {explain_command(session, 'playground_model.py')}     # writes the derivation the playground shows",
        '"""',
        "import torch",
        "from torch import nn",
        "",
        _model_code(session), _weights_code(session, snap), _loss_code(session), _optimizer_code(session),
        _state_code(snap), _tensor_code("x", x), _tensor_code("y", y), ""])


def toml_model_file(session) -> str:
    snap, t, x, y = _step_state(session)
    chain = _chain(session)
    if _state_of(snap):
        raise SettingError(f"a TOML model file holds no optimizer state, and {type(session.optimizer).__name__} "
                           f"has some before step {t} (its running averages): export the Python model file, "
                           f"which does, or rewind to step 0")
    opt = type(session.optimizer).__name__.lower()
    if opt not in ("sgd", "adam", "adamw"):
        raise SettingError(f"a TOML model file takes the optimizers sgd, adam and adamw, not {opt}: export the "
                           f"Python model file")
    crit = type(session.criterion).__name__
    loss = {"BCELoss": "bce", "CrossEntropyLoss": "cross_entropy", "MSELoss": "mse", "L1Loss": "l1",
            "BCEWithLogitsLoss": "bce_with_logits"}.get(crit)
    if loss is None or any(lin.bias is None for lin, _ in chain):
        raise SettingError("this model has no TOML form (a loss or layer TOML model files do not declare): "
                           "export the Python model file")
    ws, bs = zip(*(_values(session, snap, lin) for lin, _ in chain))
    sizes = [chain[0][0].in_features] + [lin.out_features for lin, _ in chain]
    g = session.optimizer.param_groups[0]
    opt_lines = [f'name = "{opt}"'] + [f"{k} = {_toml_value(g[k])}" for k in OPT_KEYS[type(session.optimizer).__name__]
                                       if k in g]
    dtype = "float64" if x.dtype == np.float64 else "float32"
    return "\n".join([
        f"# chainrule playground: step {t} of the run ({session.dataset_name}) as a TOML model file:",
        "# the parameters before that step and its batch.  The page's derivation:",
        f"#   {explain_command(session, 'playground_model.toml')}",
        f"layers = {sizes}",
        "activations = [" + ", ".join(f'"{a}"' for _, a in chain) + "]",
        f'dtype = "{dtype}"',
        f"x = {_list(x)}",
        f"y = {_list(y)}",
        "",
        "[init]",
        "weights = [" + ", ".join(_list(w) for w in ws) + "]",
        "biases = [" + ", ".join(_list(b) for b in bs) + "]",
        "",
        "[loss]",
        f'name = "{loss}"',
        f'reduction = "{session.criterion.reduction}"',
        "",
        "[optimizer]",
        *opt_lines, ""])


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_num(x) for x in v) + "]"
    return _num(v)


def pytorch_script(session) -> str:
    """The whole run, from step 0, for the real PyTorch."""
    if session.source != "settings":
        raise SettingError("PyTorch code is exported for networks built on the page; a model file is already "
                           "PyTorch code")
    cfg = session.config
    return "\n".join([
        f'"""chainrule playground run ({session.dataset_name}) for PyTorch: {session.t} steps from the same start.',
        "",
        "    python3 playground_torch.py      # prints the loss of every step; needs torch",
        '"""',
        "import torch",
        "from torch import nn",
        "",
        _model_code(session), _weights_code(session, session.initial), _loss_code(session), _optimizer_code(session),
        _tensor_code("X", session.X), _tensor_code("T", session.T),
        f"SEED, BATCH, STEPS = {cfg.seed}, {session.batch_size}, {session.t}",
        "per_epoch = -(-len(X) // BATCH)",
        "for t in range(1, STEPS + 1):",
        "    epoch, k = divmod(t - 1, per_epoch)",
        "    if k == 0:      # the playground's batch order: a permutation per epoch, seeded SEED + 1 + epoch",
        "        order = torch.randperm(len(X), generator=torch.Generator().manual_seed(SEED + 1 + epoch))",
        "    idx = order[k * BATCH:(k + 1) * BATCH]",
        "    optimizer.zero_grad()",
        "    loss = criterion(model(X[idx]), T[idx])",
        "    loss.backward()",
        "    optimizer.step()",
        "    print(f'step {t}: loss {loss.item():.8g}')",
        ""])


def safetensors_bytes(session) -> bytes:
    from safetensors.numpy import save
    return save({name: np.ascontiguousarray(p.detach().numpy()) for name, p in zip(session.names, session.params)},
                metadata={"chainrule.playground.step": str(session.t)})


def explanation(session, fmt: str, lang: str) -> str:
    from .derive import explain_current
    if fmt not in FORMATS:
        raise SettingError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    sol, _ = explain_current(session, lang)
    return sol.render(fmt, lang)
