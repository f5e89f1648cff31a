"""Training checkpoints that survive a kill at any moment.

A checkpoint is two files in ``DIR/checkpoints/``:
  ``epoch-0003.safetensors``  every tensor: the model's state dict (``model.<name>``) and the
                              optimizer's tensor state (``optim.<param index>.<key>``);
  ``latest.json``             written *after* the tensors, atomically (temp file, fsync, rename):
                              the epoch, the tensors' file name, the optimizer's non-tensor state,
                              the random generators' states, the metrics so far and the run's config.
A kill before ``latest.json`` is replaced leaves the previous checkpoint whole; older tensor files
are removed only after the new ``latest.json`` is in place (the last two are kept).  A kill during a
write leaves its temporary file (``.latest.json.XXXX.tmp``); the next save or resume removes it.
"""
from __future__ import annotations

import json
import os
import re

import numpy as np

POINTER = "latest.json"
MAX_POINTER_BYTES = 4_000_000           # latest.json holds the metrics of every epoch: kilobytes
# the temporary files of io.atomic (".NAME.XXXXXXXX.tmp") and of _svg's fallback (".NAME.PID.tmp") for a
# checkpoint's own files: left behind only by a write that was killed
_STALE = re.compile(r"\.(latest\.json|epoch-\d{4,}\.safetensors)\.[A-Za-z0-9_]+\.tmp")


def remove_stale_temporaries(directory: str) -> list:
    """Delete what killed checkpoint writes left in ``directory``; return the names removed."""
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if _STALE.fullmatch(name):
            try:
                os.remove(os.path.join(directory, name))
                removed.append(name)
            except OSError:
                pass
    return removed


def _write_atomic(path: str, data: bytes) -> None:
    from ._svg import write_bytes_atomic
    write_bytes_atomic(path, data)


def _contiguous(a) -> np.ndarray:
    """A C-contiguous copy that keeps 0-d arrays 0-d (``np.ascontiguousarray`` would make them 1-d)."""
    return np.array(a, order="C", copy=True)


def _save_tensors(tensors: dict, path: str) -> None:
    """Write ``{name: ndarray}`` as safetensors via ``chainrule.save`` (atomic), or safetensors directly."""
    import chainrule
    try:
        save = chainrule.save
    except (AttributeError, ImportError):
        save = None
    if save is not None:
        save({k: chainrule.from_numpy(_contiguous(v)) for k, v in tensors.items()}, path)
        return
    from safetensors.numpy import save as st_save  # chainrule.io not available: same format by hand
    _write_atomic(path, st_save({k: _contiguous(v) for k, v in tensors.items()}))


def _load_tensors(path: str) -> dict:
    import chainrule
    try:
        load = chainrule.load
    except (AttributeError, ImportError):
        load = None
    if load is not None:
        loaded = load(path)
        return {k: (v.numpy() if hasattr(v, "numpy") else np.asarray(v)) for k, v in loaded.items()}
    from safetensors.numpy import load_file
    return load_file(path)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_checkpoint(directory: str, epoch: int, model, optimizer, extra: dict, keep: int = 2) -> str:
    """Write the checkpoint for the end of ``epoch``; return the tensors' path."""
    from ..tensor import Tensor
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(directory)
    tensors = {f"model.{k}": v.numpy() for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    opt_scalars = {}
    for idx, state in opt["state"].items():
        for key, value in state.items():
            if isinstance(value, Tensor):
                tensors[f"optim.{idx}.{key}"] = value.numpy()
            else:
                opt_scalars.setdefault(str(idx), {})[key] = _jsonable(value)
    name = f"epoch-{epoch:04d}.safetensors"
    path = os.path.join(directory, name)
    _save_tensors(tensors, path)
    meta = {"format": "chainrule-train-checkpoint/1", "epoch": epoch, "tensors": name,
            "optimizer": {"param_groups": _jsonable(opt["param_groups"]), "scalars": opt_scalars,
                          "tensor_keys": sorted(k for k in tensors if k.startswith("optim."))},
            **_jsonable(extra)}
    _write_atomic(os.path.join(directory, POINTER), json.dumps(meta, indent=1).encode("utf-8"))
    old = sorted(f for f in os.listdir(directory) if f.startswith("epoch-") and f.endswith(".safetensors"))
    for f in old[:-keep]:
        try:
            os.remove(os.path.join(directory, f))
        except OSError:
            pass
    return path


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed from (missing, damaged, or from a different run)."""


def load_checkpoint(directory: str, model, optimizer) -> dict:
    """Restore ``model`` and ``optimizer`` from ``directory``; return the checkpoint's metadata."""
    import chainrule
    pointer = os.path.join(directory, POINTER)
    remove_stale_temporaries(directory)
    if not os.path.exists(pointer):
        raise CheckpointError(f"no checkpoint to resume from in {directory} (expected {POINTER}); "
                              f"run without --resume to start fresh")
    try:
        with open(pointer, "rb") as f:
            raw = f.read(MAX_POINTER_BYTES + 1)
    except OSError as e:
        raise CheckpointError(f"{pointer} is damaged ({e}); delete the checkpoints folder to start fresh") from None
    if len(raw) > MAX_POINTER_BYTES:
        raise CheckpointError(f"{pointer} is damaged: larger than {MAX_POINTER_BYTES // 1_000_000} MB (it holds "
                              f"the epoch, metrics and settings); delete the checkpoints folder to start fresh")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"{pointer} is damaged ({e}); delete the checkpoints folder to start fresh") from None
    if not isinstance(meta, dict) or meta.get("format") != "chainrule-train-checkpoint/1":
        raise CheckpointError(f"{pointer} is not a chainrule train checkpoint")
    name = meta.get("tensors")
    if not isinstance(name, str) or not re.fullmatch(r"epoch-\d{4,}\.safetensors", name):
        raise CheckpointError(f"{pointer} is damaged: 'tensors' should name an epoch-NNNN.safetensors file "
                              f"beside it, got {name!r}")
    for key, kind in (("epoch", int), ("history", list), ("shuffle_rng", dict), ("global_rng", dict),
                      ("optimizer", dict)):
        if not isinstance(meta.get(key), kind):
            raise CheckpointError(f"{pointer} is damaged: '{key}' is missing or not a {kind.__name__}")
    path = os.path.join(directory, name)
    try:
        tensors = _load_tensors(path)
    except Exception as e:  # noqa: BLE001 - any reader error means the file cannot be trusted
        raise CheckpointError(f"cannot read {path}: {e}") from None
    state = {k[len("model."):]: chainrule.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError) as e:
        raise CheckpointError(f"the checkpoint in {directory} does not fit this model (was the model file "
                              f"changed?): {e}") from None
    try:
        opt_state = {}
        for key in meta["optimizer"]["tensor_keys"]:
            _, idx, key_name = key.split(".", 2)
            opt_state.setdefault(int(idx), {})[key_name] = chainrule.from_numpy(tensors[key].copy())
        for idx, scalars in meta["optimizer"]["scalars"].items():
            opt_state.setdefault(int(idx), {}).update(scalars)
        optimizer.load_state_dict({"state": opt_state, "param_groups": meta["optimizer"]["param_groups"]})
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        raise CheckpointError(f"the optimizer state in {pointer} cannot be restored: {e}") from None
    return meta
