"""Model files for ``draw``, ``graph`` and ``train``: the same Python or TOML files ``chainrule explain``
reads (its loader is used when it is installed), normalised to a ``ModelSpec``.

A Python model file is run as a script and may define:
  ``model`` (an ``nn.Module``) or ``build_model()`` / ``Model`` (called with no arguments);
  optionally ``x`` and ``y`` (one example batch), ``criterion`` or ``loss_fn``, ``optimizer``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


class ModelFileError(ValueError):
    """A model file that cannot be used; the message says what is missing."""


@dataclass
class ModelSpec:
    model: object
    x: object = None
    y: object = None
    loss_fn: object = None
    optimizer: object = None
    path: str | None = None


def _get(obj, *names):
    for n in names:
        if isinstance(obj, dict) and n in obj:
            return obj[n]
        if not isinstance(obj, dict) and hasattr(obj, n):
            return getattr(obj, n)
    return None


def _normalise(found, path) -> ModelSpec:
    model = _get(found, "model")
    if model is None:
        factory = _get(found, "build_model", "Model")
        if callable(factory):
            model = factory()
    if model is None or not hasattr(model, "parameters"):
        raise ModelFileError(f"{path} defines no model: set `model = ...` (an nn.Module) or define build_model()")
    return ModelSpec(model, _get(found, "x", "inputs"), _get(found, "y", "target", "targets"),
                     _get(found, "criterion", "loss_fn", "loss"), _get(found, "optimizer"), path)


def load_model_file(path: str) -> ModelSpec:
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such model file")
    try:
        from ..explain import model_file as explain_loader
    except ImportError:
        explain_loader = None
    if explain_loader is not None:
        for name in ("load_model_file", "load", "load_file"):
            fn = getattr(explain_loader, name, None)
            if callable(fn):
                try:
                    return _normalise(fn(path), path)
                except ModelFileError:
                    raise
                except Exception as e:  # noqa: BLE001 - the loader's own errors carry the explanation
                    raise ModelFileError(f"{path}: {e}") from None
    if path.endswith(".toml"):
        raise ModelFileError(f"{path}: reading TOML model files needs chainrule explain's model-file loader, "
                             f"which this installation lacks; use a Python model file")
    if not path.endswith(".py"):
        raise ModelFileError(f"{path}: a model file is a .py or .toml file")
    import runpy
    try:
        namespace = runpy.run_path(path, run_name="__chainrule_model__")
    except Exception as e:  # noqa: BLE001 - the user's file failed: say where
        raise ModelFileError(f"{path} failed while running: {type(e).__name__}: {e}") from None
    return _normalise(namespace, path)
