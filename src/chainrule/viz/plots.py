"""Training and study plots with matplotlib (an optional dependency, imported only here).

Figures are built with ``matplotlib.figure.Figure`` directly, not ``pyplot``: no global state, no
window, no GUI backend needed (saving uses Agg), and a returned ``Figure`` still displays inline in
Jupyter.  Each function returns the figure and, given ``path``, saves it (the extension picks PNG,
SVG or PDF).
"""
from __future__ import annotations

import numpy as np


def _figure(*args, **kw):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib, which is not installed: pip install matplotlib "
                          "(or pip install chainrule[plot])") from None
    return Figure(*args, **kw)


#: what matplotlib would stamp into a file that changes with its version or the clock, left out so the same
#: figure gives the same bytes (a regenerated picture is byte-identical when nothing changed)
STABLE_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                   "pdf": {"CreationDate": None, "Producer": None, "Creator": None}}


def figure_bytes(fig, fmt: str = "png") -> bytes:
    """The figure saved as ``fmt`` (png, svg, pdf) with no version or date in it, SVG ids from a fixed salt."""
    import io as _io
    import matplotlib
    buf = _io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "chainrule"}):
        fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight", metadata=STABLE_METADATA.get(fmt))
    return buf.getvalue()


def _save(fig, path):
    if path:
        from ._svg import write_bytes_atomic
        fmt = path.rsplit(".", 1)[-1].lower() if "." in path else "png"
        write_bytes_atomic(path, figure_bytes(fig, fmt))
    return fig


def plot_history(history: list, path: str | None = None):
    """Loss and accuracy per epoch.  ``history``: dicts with ``epoch``, ``loss``, ``accuracy`` and
    optionally ``test_loss``, ``test_accuracy``."""
    fig = _figure(figsize=(9, 3.6))
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = [h["epoch"] for h in history]
    for key, style, ax in (("loss", "-", ax_loss), ("test_loss", "--", ax_loss),
                           ("accuracy", "-", ax_acc), ("test_accuracy", "--", ax_acc)):
        vals = [h.get(key) for h in history]
        if any(v is not None for v in vals):
            ax.plot(epochs, [np.nan if v is None else v for v in vals], style, marker="o", markersize=3,
                    label=key.replace("_", " "))
    ax_loss.set(title="loss per epoch", xlabel="epoch", ylabel="loss")
    ax_acc.set(title="accuracy per epoch", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def plot_grad_norms(history: list, path: str | None = None):
    """Gradient norm per layer per epoch (log scale).  ``history`` dicts carry ``grad_norms``:
    ``{parameter name: norm}`` (averaged over the epoch's steps)."""
    fig = _figure(figsize=(6.5, 4))
    ax = fig.subplots()
    names = list(history[0].get("grad_norms", {})) if history else []
    epochs = [h["epoch"] for h in history]
    for name in names:
        ax.plot(epochs, [h["grad_norms"].get(name, np.nan) for h in history], marker="o", markersize=3, label=name)
    ax.set(title="gradient norm per layer", xlabel="epoch", ylabel="‖∂L/∂W‖ (mean over steps)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    if names:
        ax.legend(fontsize=8, ncol=2 if len(names) > 6 else 1)
    fig.tight_layout()
    return _save(fig, path)


def plot_decision_boundary(predict, X: np.ndarray, y: np.ndarray, path: str | None = None,
                           title: str = "decision boundary", resolution: int = 200):
    """Colour the plane by ``predict(points) -> class numbers`` and scatter the data on top (2-D only)."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2-D inputs; these have {X.shape[1]} features")
    pad = 0.1 * (X.max(0) - X.min(0)) + 1e-3
    lo, hi = X.min(0) - pad, X.max(0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    z = np.asarray(predict(grid)).reshape(gx.shape)
    fig = _figure(figsize=(5, 4.5))
    ax = fig.subplots()
    k = int(max(z.max(), y.max())) + 1
    ax.contourf(gx, gy, z, levels=np.arange(k + 1) - 0.5, cmap="coolwarm" if k == 2 else "tab10", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm" if k == 2 else "tab10", s=10, edgecolors="k", linewidths=0.2,
               vmin=0, vmax=max(k - 1, 1))
    ax.set(title=title, xlabel="x1", ylabel="x2")
    fig.tight_layout()
    return _save(fig, path)


def plot_vanishing(result, path: str | None = None):
    """One panel per activation: ‖∂L/∂W_l‖ against layer l (log scale), one line per depth."""
    acts = list(dict.fromkeys(a for a, _ in result.norms))
    fig = _figure(figsize=(4.2 * max(len(acts), 1), 4))
    axes = np.atleast_1d(fig.subplots(1, max(len(acts), 1), sharey=True))
    depths = sorted({d for _, d in result.norms})
    from matplotlib import colormaps
    cmap = colormaps["viridis"]
    for ax, act in zip(axes, acts):
        for i, d in enumerate(depths):
            n = result.norms.get((act, d))
            if n is None:
                continue
            ax.plot(np.arange(1, len(n) + 1), n, marker="o", markersize=3,
                    color=cmap(i / max(len(depths) - 1, 1)), label=f"depth {d}")
        ax.set_yscale("log")
        ax.set(title=act, xlabel="layer (1 = nearest the input)")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("‖∂L/∂W‖ after one backward pass")
    axes[-1].legend(fontsize=7, ncol=2)
    fig.suptitle(f"gradient norm per layer (width {result.width}, batch {result.batch}, "
                 f"{getattr(result, 'init', 'default')} init)")
    fig.tight_layout()
    return _save(fig, path)
