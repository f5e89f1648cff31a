"""Model files for ``draw``, ``graph`` and ``train``: the same Python or TOML files ``chainrule explain``
reads (its TOML loader is used), normalised to a ``ModelSpec``.

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
    """TOML files go through ``chainrule explain``'s loader (same format, same messages); Python files
    run the same way as there (``import torch`` gives chainrule) but only ``model`` is required."""
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such model file")
    from ..explain import model_file as explain_loader
    if path.endswith(".toml"):
        try:
            return _normalise(explain_loader.load_toml(path), path)
        except explain_loader.ModelFileError as e:
            raise ModelFileError(str(e)) from None
    if not path.endswith(".py"):
        raise ModelFileError(f"{path}: expected a Python (.py) or TOML (.toml) model file")
    try:
        code = explain_loader.compile_model_file(path)
        with explain_loader.run_model_code(code, path) as names:
            return _normalise(names, path)     # inside the block: build_model() gets chainrule as torch too
    except explain_loader.ModelFileError as e:
        raise ModelFileError(str(e)) from None
