"""Load a model to explain from a Python file or a TOML file.

**Python.**  The file runs in a fresh namespace with ``chainrule`` importable as ``torch`` (so the
seed's PyTorch code runs with ``import torch`` unchanged) and must define ``model``, ``criterion``
(or ``loss_fn``), ``optimizer``, ``x`` and ``y``.

**TOML.**  A declaration of the same things::

    layers      = [2, 2, 1]                    # input size, then each Linear layer's output size
    activations = ["sigmoid", "sigmoid"]       # one per Linear: sigmoid, tanh, relu, leaky_relu,
                                               # softplus, elu, gelu, silu, identity
    dtype       = "float64"                    # optional (float32 by default, as torch.Tensor)
    seed        = 0                            # used when [init] is missing
    x = [[1, 1]]                               # inputs, one row per sample
    y = [[0]]                                  # targets (class indices, or rows of class probabilities,
                                               # for cross_entropy)

    [init]                                     # optional initial values, per Linear layer
    weights = [[[0.4352, 0.3545], [0.1951, 0.4835]], [[-0.1725, 0.1129]]]
    biases  = [[-0.1419, 0.0439], [-0.3043]]

    [loss]
    name = "bce"          # bce, bce_with_logits, mse, l1, cross_entropy
    reduction = "mean"    # cross_entropy also takes label_smoothing = 0.1

    [optimizer]
    name = "sgd"          # sgd (lr, momentum, dampening, weight_decay, nesterov), adam or adamw
                          # (lr, betas, eps, weight_decay, amsgrad)
    lr = 1.0

Every mistake is reported as ``ModelFileError`` naming the file, the field or line, and what was
expected.  A TOML file is only read, never run: its numbers must be finite, and the model it declares
may hold at most ``MAX_PARAMETERS`` parameters (a typo such as ``layers = [2, 20000000, 1]`` is
refused before any memory is taken).
"""
from __future__ import annotations

import contextlib
import os
import traceback
from dataclasses import dataclass

from ..interop.torch_shim import TorchShim


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the field or line and what was expected."""


@dataclass
class ModelFile:
    model: object
    criterion: object
    optimizer: object
    x: object
    y: object
    path: str = ""

    @property
    def loss_fn(self):
        return self.criterion


ACTIVATION_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU",
                    "softplus": "Softplus", "elu": "ELU", "gelu": "GELU", "silu": "SiLU", "identity": None, "none": None, "linear": None}
LOSS_NAMES = {"bce": "BCELoss", "bce_with_logits": "BCEWithLogitsLoss", "mse": "MSELoss", "l1": "L1Loss",
              "cross_entropy": "CrossEntropyLoss"}


#: the most parameters a TOML model file may declare (explain writes out at most a few hundred)
MAX_PARAMETERS = 10_000_000


def load_model_file(path: str) -> ModelFile:
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ModelFileError(f"{path}: is a folder, not a model file")
    if path.endswith(".toml"):
        return load_toml(path)
    if path.endswith(".py"):
        return load_python(path)
    raise ModelFileError(f"{path}: expected a Python (.py) or TOML (.toml) model file")


# -- Python ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def run_model_code(code, path: str):
    """Run a Python model file's compiled ``code`` with chainrule standing in for ``torch``; yield the names
    it defines (a dict).  ``import torch`` keeps giving chainrule until the ``with`` block ends, so a
    ``build_model()`` called inside the block builds chainrule modules too.  The file failing, or calling
    ``exit()``, is a one-line ``ModelFileError`` naming the file and line::

        with run_model_code(compile(source, path, "exec"), path) as names:
            model = names["model"]
    """
    namespace = {"__name__": "__chainrule_model__", "__file__": path}
    with TorchShim():
        try:
            exec(code, namespace)
        except SystemExit:
            raise ModelFileError(f"{path}: the file called exit() while it was being loaded") from None
        except Exception as e:  # noqa: BLE001 - the user's file failed: say where and why
            raise ModelFileError(f"{_where(path, e)}: {type(e).__name__}: {e}") from None
        yield namespace


def _where(path: str, exc: BaseException) -> str:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return f"{path}:{line}" if line else path


#: a model file larger than this is not one (a link to /dev/zero, a data file given by mistake)
MAX_MODEL_FILE_BYTES = 2_000_000


def _read_text(path: str) -> str:
    """The file as text; a UTF-8 byte-order mark at its start (as Windows editors write) is dropped.
    At most ``MAX_MODEL_FILE_BYTES`` are read."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read(MAX_MODEL_FILE_BYTES + 1)
        if len(text) > MAX_MODEL_FILE_BYTES:
            raise ModelFileError(f"{path}: larger than {MAX_MODEL_FILE_BYTES // 1_000_000} MB, too large for a "
                                 f"model file")
        return text
    except UnicodeDecodeError as e:
        line = e.object[:e.start].count(b"\n") + 1
        raise ModelFileError(f"{path}:{line}: not UTF-8 text: save the model file as UTF-8") from None
    except OSError as e:
        raise ModelFileError(f"{path}: cannot read: {e.strerror or e}") from None


def compile_model_file(path: str):
    """Read a Python model file as UTF-8 and compile it; a ``ModelFileError`` naming the line otherwise."""
    source = _read_text(path)
    try:
        return compile(source, path, "exec")
    except (SyntaxError, ValueError) as e:   # ValueError: null bytes on Python < 3.12
        line = f":{e.lineno}" if getattr(e, "lineno", None) else ""
        raise ModelFileError(f"{path}{line}: syntax error: {getattr(e, 'msg', None) or e}") from None


def load_python(path: str) -> ModelFile:
    code = compile_model_file(path)
    with run_model_code(code, path) as namespace:
        pass
    found = {}
    for field, aliases, expected in (
            ("model", ("model",), "an nn.Module, e.g. model = CustomModel()"),
            ("criterion", ("criterion", "loss_fn"), "a loss, e.g. criterion = nn.BCELoss()"),
            ("optimizer", ("optimizer",), "an optimizer, e.g. optimizer = optim.SGD(model.parameters(), lr=1)"),
            ("x", ("x", "inputs"), "the input tensor, e.g. x = torch.tensor([[1.0, 1.0]])"),
            ("y", ("y", "target", "targets"), "the target tensor, e.g. y = torch.tensor([[0.0]])")):
        value = next((namespace[a] for a in aliases if a in namespace), None)
        if value is None:
            raise ModelFileError(f"{path}: defines no `{field}`: expected {expected}")
        found[field] = value
    return ModelFile(path=path, **found)


# -- TOML ------------------------------------------------------------------------------------------------

def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib


def _need(table, key, kind, path, where=""):
    if key not in table:
        raise ModelFileError(f"{path}: missing field '{where}{key}': expected {kind}")
    return table[key]


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _matrix(value, rows, cols, field, path):
    import numpy as np
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ModelFileError(f"{path}: field '{field}' must be numbers, got {_short(value)}") from None
    want = (rows, cols) if cols is not None else (rows,)
    if arr.shape != want:
        raise ModelFileError(f"{path}: field '{field}' has shape {list(arr.shape)}, expected {list(want)}")
    if not np.isfinite(arr).all():
        raise ModelFileError(f"{path}: field '{field}' holds a value that is not a finite number (nan or inf)")
    _check_magnitude(arr, field, path)
    return arr


#: the largest magnitude a TOML model file's numbers may have: beyond it float32 overflows (1e39 is inf)
#: and the step's squares and products overflow float64 (a target of 1e308 squared)
MAX_VALUE = 1e6


def _check_magnitude(arr, field, path) -> None:
    import numpy as np
    big = np.abs(arr).max(initial=0.0)
    if big > MAX_VALUE:
        raise ModelFileError(f"{path}: field '{field}' holds {big:g}, larger than the {MAX_VALUE:g} a model file "
                             f"may use (the step's values would overflow); rescale it")


def _check_targets(loss_name: str, y, path) -> None:
    """BCE's targets are probabilities: each must lie in [0, 1]."""
    import numpy as np
    if loss_name == "bce":
        arr = np.asarray(y)
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            raise ModelFileError(f"{path}: field 'y' holds {arr.max() if arr.max() > 1 else arr.min():g}; the bce "
                                 f"loss needs targets between 0 and 1 (use cross_entropy for class numbers)")


def _check_lr(lr, path) -> None:
    if lr > MAX_VALUE:
        raise ModelFileError(f"{path}: field 'optimizer.lr' = {lr:g} is larger than the {MAX_VALUE:g} a model "
                             f"file may use (its updates would overflow to ±inf)")


def _check_finite_step(model, criterion, x, y, path) -> None:
    """The declared values must give a finite loss: a model file whose forward pass overflows (deep layers
    of large weights) is refused here rather than explained as inf/nan."""
    import math
    import numpy as np
    import chainrule
    with chainrule.no_grad(), np.errstate(all="ignore"):     # an overflow here is reported, not warned about
        loss = float(criterion(model(x), y))
    if not math.isfinite(loss):
        raise ModelFileError(f"{path}: with these values (x, y, init, layers) the loss is {loss}, not a finite "
                             f"number: the forward pass overflows; use smaller values or fewer layers")


def _table(doc, key, default, path):
    value = doc.get(key, default)
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise ModelFileError(f"{path}: '{key}' must be a table such as [{key}] with name = ..., got {_short(value)}")
    return value


def _is_number(value) -> bool:
    import math
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


#: the keys a TOML model file may hold, per table ("" is the top level); each optimizer adds its own options
TOML_KEYS = {"": ("layers", "activations", "dtype", "seed", "x", "y", "init", "loss", "optimizer"),
             "init": ("weights", "biases"), "loss": ("name", "reduction", "label_smoothing"),
             "optimizer": ("name", "lr")}
#: names people write for a key under another name, which a spelling comparison would not find
TOML_SYNONYMS = {"learning_rate": "lr", "learningrate": "lr", "lr_rate": "lr", "alpha": "lr", "step_size": "lr",
                 "activation": "activations", "act": "activations", "layer": "layers", "sizes": "layers",
                 "weight": "weights", "bias": "biases", "input": "x", "inputs": "x", "target": "y", "targets": "y",
                 "labels": "y", "criterion": "loss", "loss_fn": "loss", "optim": "optimizer", "random_seed": "seed",
                 "type": "name", "kind": "name"}


def _did_you_mean(key: str, valid) -> str:
    """" (did you mean 'activations'?)" for the valid key closest to ``key``, or "" when none is close."""
    import difflib
    key_l = str(key).lower()
    guess = TOML_SYNONYMS.get(key_l) if TOML_SYNONYMS.get(key_l) in valid else None
    if guess is None:
        close = difflib.get_close_matches(key_l, list(valid), n=1, cutoff=0.6)
        guess = close[0] if close else None
    return f" (did you mean '{guess}'?)" if guess else ""


def _reject_unknown_keys(table: dict, valid, where: str, path: str, optimizer: str | None = None) -> None:
    """A key of ``table`` that is not in ``valid`` is a ``ModelFileError`` naming the key, its table and
    the closest valid key: a misspelt key must never be silently ignored (``activation = [...]`` would
    otherwise explain a sigmoid network).  ``optimizer``: the optimizer's name, whose options ``valid`` are."""
    for key in table:
        if key in valid:
            continue
        hint, expected = _did_you_mean(key, valid), ", ".join(sorted(valid))
        if optimizer:
            raise ModelFileError(f"{path}: optimizer field '{key}' is not an option of {optimizer}{hint}: "
                                 f"expected {expected}")
        place = f"in [{where}]" if where else "at the top level"
        raise ModelFileError(f"{path}: unknown key '{key}' {place}{hint}: expected {expected}")


def load_toml(path: str) -> ModelFile:
    import numpy as np
    import chainrule
    from chainrule import nn, optim
    tomllib = _toml()
    try:
        doc = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as e:
        raise ModelFileError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise ModelFileError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None
    _reject_unknown_keys(doc, TOML_KEYS[""], "", path)
    for table in ("init", "loss", "optimizer"):
        if isinstance(doc.get(table), dict) and table != "optimizer":    # the optimizer's keys depend on its name
            _reject_unknown_keys(doc[table], TOML_KEYS[table], table, path)
    layers = _need(doc, "layers", "a list of layer sizes such as [2, 2, 1]", path)
    if (not isinstance(layers, list) or len(layers) < 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in layers)):
        raise ModelFileError(f"{path}: field 'layers' must list at least two positive integers "
                             f"(input size, then each layer's size), got {_short(layers)}")
    n_params = sum((a + 1) * b for a, b in zip(layers, layers[1:]))
    if n_params > MAX_PARAMETERS:
        raise ModelFileError(f"{path}: field 'layers' = {_short(layers)} declares {n_params:,} parameters; "
                             f"a model file may declare at most {MAX_PARAMETERS:,}")
    nL = len(layers) - 1
    acts = doc.get("activations", ["sigmoid"] * nL)
    if not isinstance(acts, list) or len(acts) != nL:
        raise ModelFileError(f"{path}: field 'activations' must list {nL} names (one per Linear layer), "
                             f"got {_short(acts)}")
    dtype_name = doc.get("dtype", "float32")
    if dtype_name not in ("float32", "float64"):
        raise ModelFileError(f"{path}: field 'dtype' must be \"float32\" or \"float64\", got {_short(dtype_name)}")
    dtype = getattr(chainrule, dtype_name)
    seed = doc.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ModelFileError(f"{path}: field 'seed' must be a non-negative integer, got {_short(seed)}")
    chainrule.manual_seed(seed)
    modules = []
    for l in range(nL):
        name = acts[l]
        if not isinstance(name, str) or name.lower() not in ACTIVATION_NAMES:
            raise ModelFileError(f"{path}: activations[{l}] = {_short(name)} is not known: expected one of "
                                 f"{', '.join(ACTIVATION_NAMES)}")
        lin = nn.Linear(layers[l], layers[l + 1]).to(dtype)
        modules.append((f"linear{l + 1}", lin))         # readable names: linear1.weight, not 0.weight
        cls = ACTIVATION_NAMES[name.lower()]
        if cls:
            modules.append((f"{cls.lower()}{l + 1}", getattr(nn, cls)()))
    from collections import OrderedDict
    model = nn.Sequential(OrderedDict(modules))
    init = doc.get("init")
    if init is not None:
        if not isinstance(init, dict):
            raise ModelFileError(f"{path}: 'init' must be a table with 'weights' and 'biases'")
        ws = _need(init, "weights", f"{nL} weight matrices", path, "init.")
        bs = init.get("biases")
        if not isinstance(ws, list) or len(ws) != nL:
            raise ModelFileError(f"{path}: field 'init.weights' must hold {nL} matrices (one per Linear layer)")
        if bs is not None and (not isinstance(bs, list) or len(bs) != nL):
            raise ModelFileError(f"{path}: field 'init.biases' must hold {nL} vectors (one per Linear layer)")
        lins = [m for _, m in modules if isinstance(m, nn.Linear)]
        with chainrule.no_grad():
            for l, lin in enumerate(lins):
                w = _matrix(ws[l], layers[l + 1], layers[l], f"init.weights[{l}]", path)
                lin.weight._data[...] = w
                if bs is not None:
                    lin.bias._data[...] = _matrix(bs[l], layers[l + 1], None, f"init.biases[{l}]", path)
    xv = _need(doc, "x", "the inputs, one row per sample, e.g. x = [[1, 1]]", path)
    if not isinstance(xv, list):
        raise ModelFileError(f"{path}: field 'x' must list the inputs, one row per sample (e.g. x = [[1, 1]]), "
                             f"got {_short(xv)}")
    x = _matrix(xv, len(xv), layers[0], "x", path)
    loss = _table(doc, "loss", {"name": "mse"}, path)
    lname = str(loss.get("name", "")).lower()
    if lname not in LOSS_NAMES:
        raise ModelFileError(f"{path}: loss.name = {_short(loss.get('name'))} is not known: expected one of "
                             f"{', '.join(LOSS_NAMES)}")
    reduction = loss.get("reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise ModelFileError(f"{path}: loss.reduction must be \"mean\" or \"sum\", got {_short(reduction)}")
    loss_kw = {"reduction": reduction}
    if lname == "cross_entropy" and "label_smoothing" in loss:
        ls = loss["label_smoothing"]
        if not _is_number(ls) or not 0 <= ls <= 1:
            raise ModelFileError(f"{path}: loss.label_smoothing must be a number from 0 to 1, got {_short(ls)}")
        loss_kw["label_smoothing"] = float(ls)
    if lname != "cross_entropy" and "label_smoothing" in loss:
        raise ModelFileError(f"{path}: loss.label_smoothing is an option of cross_entropy only, not of {lname}")
    criterion = getattr(nn, LOSS_NAMES[lname])(**loss_kw)
    yv = _need(doc, "y", "the targets, e.g. y = [[0]]", path)
    if lname == "cross_entropy":
        try:
            yarr = np.array(yv)
        except (TypeError, ValueError):
            yarr = None
        if yarr is not None and yarr.ndim == 2 and yarr.dtype.kind in "iuf":     # class probabilities per sample
            yarr = _matrix(yv, len(x), layers[-1], "y", path)
            y = chainrule.tensor(yarr, dtype=dtype)
        elif yarr is None or yarr.ndim != 1 or yarr.dtype.kind not in "iu" or len(yarr) != len(x):
            raise ModelFileError(f"{path}: field 'y' must list {len(x)} class indices (integers from 0 to "
                                 f"{layers[-1] - 1}) for cross_entropy, or one row of {layers[-1]} class "
                                 f"probabilities per sample, got {_short(yv)}")
        elif yarr.min() < 0 or yarr.max() >= layers[-1]:
            raise ModelFileError(f"{path}: field 'y' has a class index outside 0..{layers[-1] - 1}")
        else:
            y = chainrule.tensor(yarr.astype(np.int64))
    else:
        y = chainrule.tensor(_matrix(yv, len(x), layers[-1], "y", path), dtype=dtype)
    _check_targets(lname, y.numpy(), path)
    opt = _table(doc, "optimizer", {"name": "sgd", "lr": 0.1}, path)
    oname = str(opt.get("name", "")).lower()
    allowed = {"sgd": {"momentum", "dampening", "weight_decay", "nesterov"},
               "adam": {"betas", "eps", "weight_decay", "amsgrad"}, "adamw": {"betas", "eps", "weight_decay", "amsgrad"}}
    if oname not in allowed:
        raise ModelFileError(f"{path}: optimizer.name = {_short(opt.get('name'))} is not known: "
                             f"expected sgd, adam or adamw")
    _reject_unknown_keys(opt, set(TOML_KEYS["optimizer"]) | allowed[oname], "optimizer", path, optimizer=oname)
    lr = opt.get("lr")
    if not _is_number(lr) or lr < 0:
        raise ModelFileError(f"{path}: field 'optimizer.lr' must be a non-negative number, got {_short(lr)}")
    _check_lr(lr, path)
    kw = {k: v for k, v in opt.items() if k not in ("name", "lr")}
    for key, value in kw.items():
        if key in ("nesterov", "amsgrad"):
            if not isinstance(value, bool):
                raise ModelFileError(f"{path}: field 'optimizer.{key}' must be true or false, got {_short(value)}")
            continue
        numbers = value if key == "betas" and isinstance(value, list) else [value]
        if not all(_is_number(v) for v in numbers):
            raise ModelFileError(f"{path}: field 'optimizer.{key}' must be a finite number"
                                 f"{' pair' if key == 'betas' else ''}, got {_short(value)}")
    cls = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW}[oname]
    try:
        optimizer = cls(model.parameters(), lr=float(lr), **kw)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: [optimizer]: {e}") from None
    x = chainrule.tensor(x, dtype=dtype)
    _check_finite_step(model, criterion, x, y, path)
    return ModelFile(model=model, criterion=criterion, optimizer=optimizer, x=x, y=y, path=path)
