"""The training loop behind ``chainrule train``: mini-batches, a progress bar, metrics, plots,
checkpoints every epoch, ``resume``, and a stop with a report when the loss stops being a number.

One step is the lecture's loop: forward → loss → ``loss.backward()`` → ``optimizer.step()``.

Reproducible by construction: ``manual_seed(seed)`` before the model is built; the data are
generated, split and shuffled by their own generators (seeded from ``seed``), whose states go into
every checkpoint together with the optimizer's; so a run resumed after a kill ends with the same
weights, bit for bit, as one that was never interrupted.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from . import checkpoints as ckpt
from .datasets import Dataset


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite; ``step``, ``epoch`` and ``checkpoint`` say where and what is kept."""

    def __init__(self, message, epoch, step, checkpoint):
        super().__init__(message)
        self.epoch, self.step, self.checkpoint = epoch, step, checkpoint


@dataclass
class TrainConfig:
    dataset: str = "moons"
    epochs: int = 30
    lr: float = 0.01
    batch_size: int = 32
    seed: int = 0
    optimizer: str = "adam"
    test_fraction: float = 0.2
    n: int | None = None          # number of generated points (None: the dataset's default)
    noise: float | None = None
    model_file: str | None = None
    arch: str = "mlp"             # the built-in model without a model file: mlp, cnn, rnn, lstm, gru


@dataclass
class TrainResult:
    model: object
    history: list
    train_accuracy: float
    test_accuracy: float | None
    files: dict = field(default_factory=dict)
    resumed_from: int | None = None


# ---------------------------------------------------------------------------------------- models
def default_model(data: Dataset):
    """A small ReLU MLP sized for the data: ``features → h → h → classes`` (h = 64 for spirals and
    digits, 32 otherwise)."""
    from .. import nn
    hidden = 64 if data.name.startswith(("spirals", "digits")) or data.n_features > 16 else 32
    return nn.Sequential(nn.Linear(data.n_features, hidden), nn.ReLU(),
                         nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, data.n_classes))


def _output_kind(model, data: Dataset):
    """What the model's output means: ("logits", k) for k class scores, ("prob", 1) after a Sigmoid,
    ("logit", 1) for one raw score.  Decides the loss and how predictions are read."""
    import chainrule
    from .. import nn
    was_training = getattr(model, "training", False)
    model.eval()  # a probe, not a training step (no dropout draws, no counted call)
    try:
        with chainrule.no_grad():
            out = model(chainrule.from_numpy(data.X[:2].copy()))
    except (RuntimeError, ValueError, TypeError) as e:
        raise ValueError(f"the model cannot take {data.name}'s inputs ({data.n_features} features per "
                         f"example): {e}") from None
    finally:
        model.train(was_training)
    if out.ndim != 2:
        raise ValueError(f"the model's output has shape {tuple(out.shape)}; train expects (batch, outputs)")
    k = out.shape[1]
    if k == 1:
        if data.n_classes != 2:
            raise ValueError(f"the model has one output but {data.name} has {data.n_classes} classes")
        last = list(model.modules())[-1]
        return ("prob", 1) if isinstance(last, nn.Sigmoid) else ("logit", 1)
    if k != data.n_classes:
        raise ValueError(f"the model has {k} outputs but {data.name} has {data.n_classes} classes; "
                         f"make the last layer Linear(..., {data.n_classes})")
    return "logits", k


def _loss_fn(kind):
    from .. import nn
    return {"prob": nn.BCELoss, "logit": nn.BCEWithLogitsLoss, "logits": nn.CrossEntropyLoss}[kind[0]]()


def _targets(kind, y, dtype):
    """The targets as the loss takes them: class indices, or 0/1 columns in the model's dtype."""
    import chainrule
    if kind[0] == "logits":
        return chainrule.from_numpy(y)
    return chainrule.from_numpy(y.astype(dtype).reshape(-1, 1))


def _predict(kind, out: np.ndarray) -> np.ndarray:
    if kind[0] == "logits":
        return out.argmax(1)
    return (out[:, 0] > (0.5 if kind[0] == "prob" else 0.0)).astype(np.int64)


def _optimizer(name, params, lr):
    from .. import optim
    table = {"adam": optim.Adam, "sgd": optim.SGD, "adamw": optim.AdamW, "rmsprop": optim.RMSprop}
    if name.lower() not in table:
        raise ValueError(f"unknown optimizer '{name}': use one of {', '.join(table)}")
    return table[name.lower()](params, lr=lr)


# ---------------------------------------------------------------------------------------- metrics
def evaluate(model, kind, data: Dataset, batch: int = 1024) -> tuple:
    """(mean loss, accuracy) over ``data`` without recording a graph."""
    import chainrule
    loss_fn = _loss_fn(kind)
    total, correct = 0.0, 0
    with chainrule.no_grad():
        for i in range(0, len(data), batch):
            x = chainrule.from_numpy(data.X[i:i + batch])
            out = model(x)
            total += float(loss_fn(out, _targets(kind, data.y[i:i + batch], out._data.dtype))) * len(x)
            correct += int((_predict(kind, out.numpy()) == data.y[i:i + batch]).sum())
    return total / max(len(data), 1), correct / max(len(data), 1)


def _layer_names(model) -> list:
    """(name, parameter) for every weight (parameters with 2+ dimensions: one per layer)."""
    return [(n, p) for n, p in model.named_parameters() if p.ndim >= 2]


def write_metrics(history: list, out: str) -> dict:
    """``metrics.csv`` (one row per epoch, grad norms as ``grad_norm/<layer>`` columns) and ``metrics.json``."""
    files = {}
    keys = [k for k in ("epoch", "loss", "accuracy", "test_loss", "test_accuracy")
            if any(k in h for h in history)]
    layers = list(history[0].get("grad_norms", {})) if history else []
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(keys + [f"grad_norm/{n}" for n in layers])
    for h in history:
        w.writerow([h.get(k, "") for k in keys] + [h.get("grad_norms", {}).get(n, "") for n in layers])
    files["metrics_csv"] = os.path.join(out, "metrics.csv")
    ckpt._write_atomic(files["metrics_csv"], buf.getvalue().encode("utf-8"))
    return files


# ---------------------------------------------------------------------------------------- loop
def _progress(total, mode, initial=0):
    """A tqdm bar when ``mode`` is "bar", or True and stderr is a terminal; None means per-epoch lines."""
    if not mode or (mode is True and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, leave=True, file=sys.stderr)


def train(config: TrainConfig, out: str, model=None, data: Dataset | None = None, resume: bool = False,
          progress=True, plots: bool = True, log=print, compile: bool = True,  # noqa: A002
          lang: str = "en") -> TrainResult:
    """Train, writing metrics, plots and per-epoch checkpoints under ``out``.

    ``compile``: run each step through ``chainrule.compile_step`` (traced once per batch shape and
    replayed; the same numbers bit for bit, see docs/performance.md); False runs the eager loop.

    ``progress``: True shows a tqdm bar on a terminal and one line per epoch otherwise (logs stay
    readable); "bar" always shows the bar; False shows nothing.  Metrics hold no timings, so two runs
    with the same seed write identical metrics files.

    Raises ``NonFiniteLoss`` (after writing the metrics so far) when a loss is NaN/inf: the weights
    of the last finished epoch stay in ``out/checkpoints``.
    """
    import chainrule
    from ..random import Generator, state_from_json, state_to_json
    from . import datasets

    os.makedirs(out, exist_ok=True)
    ck_dir = os.path.join(out, "checkpoints")
    data_gen = Generator().manual_seed(config.seed)
    if data is None:
        data = datasets.load(config.dataset, n=config.n, noise=config.noise, generator=data_gen)
    if config.test_fraction > 0:
        train_set, test_set = data.split(config.test_fraction, generator=data_gen)
    else:
        train_set, test_set = data, None
    chainrule.manual_seed(config.seed)
    if model is None:
        from .layer_models import build
        model = build(config.arch, data) or default_model(data)
    elif callable(model) and not hasattr(model, "parameters"):
        model = model()  # a factory, called after the seed is set
    params = list(model.parameters())
    if not params:
        raise ValueError("the model has no parameters to train")
    dtype = params[0]._data.dtype  # feed the data in the model's own precision
    for part in (data, train_set, test_set):
        if part is not None and part.X.dtype != dtype:
            part.X = part.X.astype(dtype)
    kind = _output_kind(model, data)
    loss_fn = _loss_fn(kind)
    optimizer = _optimizer(config.optimizer, model.parameters(), config.lr)
    shuffle = Generator().manual_seed(config.seed + 1)
    compiled = None
    if compile:
        from ..compile import compile_step
        compiled = compile_step(model, loss_fn, optimizer)
        compiled.note = log

    history, start_epoch, resumed_from = [], 1, None
    if resume:
        meta = ckpt.load_checkpoint(ck_dir, model, optimizer)
        saved = meta.get("config", {})
        for key in ("dataset", "lr", "batch_size", "seed", "optimizer", "test_fraction", "n", "noise", "arch"):
            if key in saved and saved[key] != getattr(config, key):
                raise ckpt.CheckpointError(
                    f"the checkpoint in {ck_dir} was made with {key}={saved[key]!r}, this run has "
                    f"{key}={getattr(config, key)!r}: resume with the same settings (only --epochs may change)")
        try:
            shuffle.set_state(state_from_json(meta["shuffle_rng"]))
            chainrule.set_rng_state(state_from_json(meta["global_rng"]))
        except (ValueError, RuntimeError) as e:
            raise ckpt.CheckpointError(f"the checkpoint in {ck_dir} is damaged: its random state is unusable ({e}); "
                                       f"delete the checkpoints folder to start fresh") from None
        history = meta["history"]
        start_epoch = meta["epoch"] + 1
        resumed_from = meta["epoch"]
        log(f"resuming from the checkpoint of epoch {meta['epoch']} in {ck_dir}")

    n = len(train_set)
    steps_per_epoch = max(1, math.ceil(n / config.batch_size))
    layers = _layer_names(model)
    bar = _progress(config.epochs * steps_per_epoch, progress, initial=(start_epoch - 1) * steps_per_epoch)
    last_good = os.path.join(ck_dir, ckpt.POINTER) if resume else None
    try:
        for epoch in range(start_epoch, config.epochs + 1):
            t0 = time.perf_counter()
            order = shuffle.np.permutation(n)
            model.train()
            sum_loss, correct, seen = 0.0, 0, 0
            norms = {name: 0.0 for name, _ in layers}
            for step in range(steps_per_epoch):
                idx = order[step * config.batch_size:(step + 1) * config.batch_size]
                x = chainrule.from_numpy(train_set.X[idx])
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # reported below instead
                    if compiled is not None:       # forward and backward at once; the update waits below
                        out_t, loss = compiled.forward_backward(x, _targets(kind, train_set.y[idx], dtype))
                        value = float(loss)
                    else:
                        out_t = model(x)
                        loss = loss_fn(out_t, _targets(kind, train_set.y[idx], out_t._data.dtype))
                        value = float(loss)
                        if math.isfinite(value):
                            optimizer.zero_grad()
                            loss.backward()
                bad = None if math.isfinite(value) else f"the loss became {value}"
                if bad is None:
                    for name, p in model.named_parameters():
                        if p.grad is None:
                            continue
                        g = float(np.linalg.norm(p.grad.numpy().astype(np.float64)))
                        if not math.isfinite(g):
                            bad = f"the gradient of {name} became {'nan' if math.isnan(g) else 'inf'}"
                            break
                        if name in norms:
                            norms[name] += g
                if bad is not None:
                    global_step = (epoch - 1) * steps_per_epoch + step + 1
                    kept = (f"the last good checkpoint (epoch {epoch - 1}) is in {ck_dir}" if epoch > 1
                            else "no epoch finished, so there is no checkpoint")
                    if history:
                        write_metrics(history, out)
                    raise NonFiniteLoss(
                        f"{bad} at epoch {epoch}, step {step + 1} (step {global_step} overall); training "
                        f"stopped before updating the weights with it; {kept}. A smaller --lr (now "
                        f"{config.lr}) usually helps.", epoch, global_step, last_good)
                if compiled is not None:
                    compiled.update()
                else:
                    optimizer.step()
                sum_loss += value * len(idx)
                correct += int((_predict(kind, out_t.detach().numpy()) == train_set.y[idx]).sum())
                seen += len(idx)
                if bar is not None:
                    bar.update(1)
                    if step == steps_per_epoch - 1 or step % 10 == 0:
                        bar.set_postfix_str(f"epoch {epoch}/{config.epochs} loss {sum_loss / seen:.4f} "
                                            f"acc {correct / seen:.3f}")
            model.eval()
            record = {"epoch": epoch, "loss": sum_loss / seen, "accuracy": correct / seen}
            if test_set is not None and len(test_set):
                record["test_loss"], record["test_accuracy"] = evaluate(model, kind, test_set)
            record["grad_norms"] = {k: v / steps_per_epoch for k, v in norms.items()}
            seconds = time.perf_counter() - t0
            history.append(record)
            if bar is None and progress:
                log(f"epoch {epoch}/{config.epochs}  loss {record['loss']:.4f}  acc {record['accuracy']:.3f}"
                    + (f"  test acc {record['test_accuracy']:.3f}" if "test_accuracy" in record else "")
                    + f"  ({seconds:.2f} s)")
            ckpt.save_checkpoint(ck_dir, epoch, model, optimizer, {
                "config": asdict(config), "history": history,
                "shuffle_rng": state_to_json(shuffle.get_state()),
                "global_rng": state_to_json(chainrule.get_rng_state())})
            last_good = os.path.join(ck_dir, ckpt.POINTER)
    finally:
        if bar is not None:
            bar.close()

    files = write_metrics(history, out)
    final = {"config": asdict(config), "output": {"kind": kind[0], "classes": data.n_classes},
             "history": history, "resumed_from": resumed_from}
    if history:
        final["final"] = {k: history[-1][k] for k in ("loss", "accuracy", "test_loss", "test_accuracy")
                          if k in history[-1]}
    files["metrics_json"] = os.path.join(out, "metrics.json")
    ckpt._write_atomic(files["metrics_json"], json.dumps(final, indent=1).encode("utf-8"))
    weights = os.path.join(out, "model.safetensors")
    ckpt._save_tensors({k: v.numpy() for k, v in model.state_dict().items()}, weights)
    files["model"] = weights
    if plots and history:
        files.update(write_plots(model, kind, data, history, out, lang=lang))
    train_acc = history[-1]["accuracy"] if history else float("nan")
    test_acc = history[-1].get("test_accuracy") if history else None
    return TrainResult(model, history, train_acc, test_acc, files, resumed_from)


def write_plots(model, kind, data: Dataset, history: list, out: str, lang: str = "en") -> dict:
    """loss_accuracy.png, grad_norms.png and, for 2-D data, decision_boundary.png (words in ``lang``)."""
    import chainrule
    from . import plots
    files = {"plot_loss_accuracy": os.path.join(out, "loss_accuracy.png"),
             "plot_grad_norms": os.path.join(out, "grad_norms.png")}
    plots.plot_history(history, files["plot_loss_accuracy"], lang=lang)
    plots.plot_grad_norms(history, files["plot_grad_norms"], lang=lang)
    if data.n_features == 2:
        def predict(points):
            with chainrule.no_grad():
                return _predict(kind, model(chainrule.from_numpy(points.astype(data.X.dtype))).numpy())
        files["plot_decision_boundary"] = os.path.join(out, "decision_boundary.png")
        acc = history[-1].get("test_accuracy", history[-1]["accuracy"])
        plots.plot_decision_boundary(predict, data.X, data.y, files["plot_decision_boundary"],
                                     title=plots.words(lang)["boundary"].format(data=data.name, acc=acc), lang=lang)
    return files
