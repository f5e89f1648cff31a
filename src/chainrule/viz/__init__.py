"""``chainrule.viz``: see what the engine does.

  network diagram  ``draw(model, x, y, loss_fn, optimizer)``, ``draw_network(NetworkState)``,
                   ``capture_network(model, x, y, loss_fn, optimizer)``,
                   ``seed_diagram()``, ``DiagramWords`` (its headings) — plain SVG, shown inline in Jupyter;
  autograd graph   ``GraphRecorder``, ``make_dot(tensor)``, ``trace(model, x, ...)`` — Graphviz DOT;
  training         ``training.train(TrainConfig, out)`` with ``datasets`` and ``plots`` (matplotlib);
  the study        ``vanishing.study(depths, activations)``.
Only NumPy is needed until a plot or a rendered graph is asked for.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "draw": "network", "draw_network": "network", "NetworkState": "network", "LayerState": "network", "NetworkDiagram": "network",
    "DiagramWords": "network",
    "capture_network": "network", "seed_model": "network", "seed_diagram": "network",
    "GraphRecorder": "graph", "make_dot": "graph", "trace": "graph", "DotGraph": "graph",
    "GraphvizNotInstalled": "graph",
}
_SUBMODULES = ("network", "graph", "datasets", "plots", "training", "vanishing", "checkpoints", "model_files")

__all__ = sorted(_EXPORTS) + list(_SUBMODULES)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'chainrule.viz' has no attribute '{name}'")
