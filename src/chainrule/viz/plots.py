"""Training and study plots with matplotlib (an optional dependency, imported only here).

Figures are built with ``matplotlib.figure.Figure`` directly, not ``pyplot``: no global state, no
window, no GUI backend needed (saving uses Agg), and a returned ``Figure`` still displays inline in
Jupyter.  Each function returns the figure and, given ``path``, saves it (the extension picks PNG,
SVG or PDF).  ``lang="ko"`` writes the titles, axes and legends in Korean (with a Korean font where
the system has one: Nanum, Noto Sans CJK KR, Malgun Gothic, AppleGothic or UnDotum).

Legends sit below the axes, never over a curve; parameters are named by layer (``layer 1 W
(0.weight)``), not only by their module path.
"""
from __future__ import annotations

import contextlib

import numpy as np

WORDS = {
    "en": {"loss_title": "loss per epoch", "acc_title": "accuracy per epoch", "epoch": "epoch", "loss": "loss",
           "accuracy": "accuracy", "test_loss": "test loss", "test_accuracy": "test accuracy",
           "train_loss": "training loss", "train_accuracy": "training accuracy",
           "grad_title": "gradient norm per layer", "grad_y": "‖∂L/∂W‖ (mean over steps)",
           "param": "layer {layer} {kind} ({name})", "boundary": "{data}: decision boundary (accuracy {acc:.3f})",
           "depth": "depth {depth}", "layer_x": "layer (1 = nearest the input)",
           "vanish_y": "‖∂L/∂W‖ after one backward pass",
           "vanish_title": "gradient norm per layer (width {width}, batch {batch}, {init} init)"},
    "ko": {"loss_title": "에포크별 오차", "acc_title": "에포크별 정확도", "epoch": "에포크", "loss": "오차",
           "accuracy": "정확도", "test_loss": "테스트 오차", "test_accuracy": "테스트 정확도",
           "train_loss": "학습 오차", "train_accuracy": "학습 정확도",
           "grad_title": "계층별 기울기 노름", "grad_y": "‖∂L/∂W‖ (학습 단계 평균)",
           "param": "계층 {layer} {kind} ({name})", "boundary": "{data}: 결정 경계 (정확도 {acc:.3f})",
           "depth": "깊이 {depth}", "layer_x": "계층 (1 = 입력에 가장 가까운 계층)",
           "vanish_y": "역전파 한 번 뒤 ‖∂L/∂W‖",
           "vanish_title": "계층별 기울기 노름 (너비 {width}, 배치 {batch}, {init} 초기화)"},
}
KOREAN_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Malgun Gothic", "AppleGothic", "UnDotum", "Baekmuk Gulim")


def words(lang: str) -> dict:
    if lang not in WORDS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(WORDS)}")
    return WORDS[lang]


@contextlib.contextmanager
def _fonts(lang: str):
    """Text made inside takes a Korean font after DejaVu Sans (matplotlib falls back glyph by glyph)."""
    import matplotlib
    if lang != "ko":
        yield
        return
    from matplotlib import font_manager
    have = {f.name for f in font_manager.fontManager.ttflist}
    korean = [name for name in KOREAN_FONTS if name in have]
    with matplotlib.rc_context({"font.family": ["DejaVu Sans", *korean[:1]]}):
        yield


def _figure(*args, **kw):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib, which is not installed: pip install matplotlib "
                          "(or pip install chainrule[plot])") from None
    return Figure(*args, **kw)


def _legend_below(ax, n_items: int, fontsize=8):
    """A legend under the axes, in as many columns as fit: it never covers a curve."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(max(n_items, 1), 3), fontsize=fontsize,
              frameon=False)


def _whole_epochs(ax):
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))       # epoch 1, 2, 3 — never 1.25


def parameter_label(name: str, names: list, lang: str = "en") -> str:
    """``0.weight`` among a model's weights → ``layer 1 W (0.weight)``: its place in the forward order."""
    kind = "W" if name.endswith("weight") else name.rsplit(".", 1)[-1]
    return words(lang)["param"].format(layer=names.index(name) + 1, kind=kind, name=name)


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


def plot_history(history: list, path: str | None = None, lang: str = "en"):
    """Loss and accuracy per epoch.  ``history``: dicts with ``epoch``, ``loss``, ``accuracy`` and
    optionally ``test_loss``, ``test_accuracy``."""
    w = words(lang)
    with _fonts(lang):
        fig = _figure(figsize=(9, 4))
        ax_loss, ax_acc = fig.subplots(1, 2)
        epochs = [h["epoch"] for h in history]
        shown = {ax_loss: 0, ax_acc: 0}
        for key, style, ax, label in (("loss", "-", ax_loss, "train_loss"), ("test_loss", "--", ax_loss, "test_loss"),
                                      ("accuracy", "-", ax_acc, "train_accuracy"),
                                      ("test_accuracy", "--", ax_acc, "test_accuracy")):
            vals = [h.get(key) for h in history]
            if any(v is not None for v in vals):
                ax.plot(epochs, [np.nan if v is None else v for v in vals], style, marker="o", markersize=3,
                        label=w[label])
                shown[ax] += 1
        ax_loss.set(title=w["loss_title"], xlabel=w["epoch"], ylabel=w["loss"])
        ax_acc.set(title=w["acc_title"], xlabel=w["epoch"], ylabel=w["accuracy"], ylim=(0, 1.02))
        for ax in (ax_loss, ax_acc):
            _whole_epochs(ax)
            ax.grid(alpha=0.3)
            _legend_below(ax, shown[ax], fontsize=9)
        fig.tight_layout()
    return _save(fig, path)


def plot_grad_norms(history: list, path: str | None = None, lang: str = "en"):
    """Gradient norm per layer per epoch (log scale).  ``history`` dicts carry ``grad_norms``:
    ``{parameter name: norm}`` (averaged over the epoch's steps)."""
    w = words(lang)
    with _fonts(lang):
        fig = _figure(figsize=(6.5, 4.6))
        ax = fig.subplots()
        names = list(history[0].get("grad_norms", {})) if history else []
        epochs = [h["epoch"] for h in history]
        for name in names:
            ax.plot(epochs, [h["grad_norms"].get(name, np.nan) for h in history], marker="o", markersize=3,
                    label=parameter_label(name, names, lang))
        ax.set(title=w["grad_title"], xlabel=w["epoch"], ylabel=w["grad_y"])
        _whole_epochs(ax)
        ax.set_yscale("log")
        ax.grid(alpha=0.3, which="both")
        if names:
            _legend_below(ax, len(names))
        fig.tight_layout()
    return _save(fig, path)


def plot_decision_boundary(predict, X: np.ndarray, y: np.ndarray, path: str | None = None,
                           title: str = "decision boundary", resolution: int = 200, lang: str = "en"):
    """Colour the plane by ``predict(points) -> class numbers`` and scatter the data on top (2-D only)."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2-D inputs; these have {X.shape[1]} features")
    pad = 0.1 * (X.max(0) - X.min(0)) + 1e-3
    lo, hi = X.min(0) - pad, X.max(0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    z = np.asarray(predict(grid)).reshape(gx.shape)
    with _fonts(lang):
        fig = _figure(figsize=(5, 4.5))
        ax = fig.subplots()
        k = int(max(z.max(), y.max())) + 1
        ax.contourf(gx, gy, z, levels=np.arange(k + 1) - 0.5, cmap="coolwarm" if k == 2 else "tab10", alpha=0.3)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm" if k == 2 else "tab10", s=10, edgecolors="k",
                   linewidths=0.2, vmin=0, vmax=max(k - 1, 1))
        ax.set(title=title, xlabel="x1", ylabel="x2")
        fig.tight_layout()
    return _save(fig, path)


def plot_vanishing(result, path: str | None = None, lang: str = "en"):
    """One panel per activation: ‖∂L/∂W_l‖ against layer l (log scale), one line per depth."""
    w = words(lang)
    acts = list(dict.fromkeys(a for a, _ in result.norms))
    depths = sorted({d for _, d in result.norms})
    with _fonts(lang):
        fig = _figure(figsize=(4.2 * max(len(acts), 1), 4.6))
        axes = np.atleast_1d(fig.subplots(1, max(len(acts), 1), sharey=True))
        from matplotlib import colormaps
        cmap = colormaps["viridis"]
        for ax, act in zip(axes, acts):
            for i, d in enumerate(depths):
                n = result.norms.get((act, d))
                if n is None:
                    continue
                ax.plot(np.arange(1, len(n) + 1), n, marker="o", markersize=3,
                        color=cmap(i / max(len(depths) - 1, 1)), label=w["depth"].format(depth=d))
            ax.set_yscale("log")
            ax.set(title=act, xlabel=w["layer_x"])
            ax.grid(alpha=0.3, which="both")
        axes[0].set_ylabel(w["vanish_y"])
        handles, labels = axes[-1].get_legend_handles_labels()
        fig.suptitle(w["vanish_title"].format(width=result.width, batch=result.batch,
                                              init=getattr(result, "init", "default")))
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        if labels:
            fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 9), fontsize=8, frameon=False)
    return _save(fig, path)
