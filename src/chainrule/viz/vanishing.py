"""The vanishing-gradient study: the lecture's closing observation, measured.

For each activation and depth: build ``depth`` ``nn.Linear(width, width)`` layers (the last one
``Linear(width, 1)``), each hidden layer followed by the activation, initialised the way ``nn.Linear``
initialises itself (PyTorch's default: ``U(-1/√fan_in, 1/√fan_in)``); run one forward and one
backward pass of a mean-squared-error loss over a batch of standard-normal inputs; record
``‖∂L/∂W_l‖`` (Frobenius norm) for every layer ``l``.

Why sigmoid collapses: ``∂L/∂W_l = δ_l · a_{l-1}ᵀ`` with ``δ_l = σ'(z_l) ⊙ (W_{l+1}ᵀ δ_{l+1})``.  Each step
back multiplies by ``σ' ≤ 0.25`` and by a weight matrix of norm ≈ ``√(1/3)``, so ``‖δ‖`` shrinks by
roughly ``0.25·√(1/3)·…`` per layer, while the forward activations stay around 0.5.  With ReLU the
backward shrinkage per layer is matched by the same shrinkage of the activations going forward, so
``‖δ_l‖·‖a_{l-1}‖`` stays of the same order in the layers near the input (measured, width 64, depth 10:
first/last ≈ 1e-2..1e-3 for ReLU against ≈ 1e-8 for sigmoid).  PyTorch's default init has gain √(1/3),
so with ReLU every layer's gradient shrinks *together* as the network deepens; ``init="kaiming"``
(He initialisation, made for ReLU) keeps the overall scale too.

    >>> r = study([10], ["sigmoid", "relu"], seed=0)
    >>> r.ratio("sigmoid", 10) < 1e-3 < r.ratio("relu", 10)     # first / last layer
    True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


ACTIVATIONS = ("sigmoid", "tanh", "relu", "leakyrelu", "gelu", "elu", "softplus")


def _activation(name: str):
    from .. import nn
    table = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leakyrelu": "LeakyReLU",
             "gelu": "GELU", "elu": "ELU", "softplus": "Softplus"}
    key = name.lower().replace("_", "").replace("-", "")
    if key not in table or not hasattr(nn, table[key]):
        known = ", ".join(k for k in table if hasattr(nn, table[k]))
        raise ValueError(f"unknown activation '{name}': use one of {known}")
    return getattr(nn, table[key])()


INITS = ("default", "kaiming", "xavier")


def build_mlp(depth: int, activation: str, width: int = 64, in_features: int | None = None,
              init: str = "default"):
    """``depth`` Linear layers, each but the last followed by ``activation``.

    ``init``: "default" keeps ``nn.Linear``'s own initialisation (PyTorch's ``kaiming_uniform_(a=√5)``,
    i.e. ``U(-1/√fan_in, 1/√fan_in)``); "kaiming" uses ``kaiming_normal_`` (He: std ``√(2/fan_in)``) and
    "xavier" ``xavier_normal_`` (Glorot: std ``√(2/(fan_in+fan_out))``), biases zero.
    """
    from .. import nn
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    if init not in INITS:
        raise ValueError(f"unknown init '{init}': use one of {', '.join(INITS)}")
    layers = []
    n_in = width if in_features is None else in_features
    for _ in range(depth - 1):
        layers += [nn.Linear(n_in, width), _activation(activation)]
        n_in = width
    layers.append(nn.Linear(n_in, 1))
    if init != "default":
        for m in layers:
            if isinstance(m, nn.Linear):
                if init == "kaiming":
                    nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                else:
                    nn.init.xavier_normal_(m.weight)
                nn.init.zeros_(m.bias)
    return nn.Sequential(*layers)


def layer_gradient_norms(depth: int, activation: str, width: int = 64, batch: int = 256, seed: int = 0,
                         init: str = "default") -> np.ndarray:
    """``‖∂L/∂W_l‖`` for l = 1..depth after one backward pass (weights only, float64 norms)."""
    import chainrule
    from .. import nn
    chainrule.manual_seed(seed)
    model = build_mlp(depth, activation, width, init=init)
    x = chainrule.randn(batch, width)
    target = chainrule.randn(batch, 1)
    loss = nn.MSELoss()(model(x), target)
    loss.backward()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return np.array([float(np.linalg.norm(m.weight.grad.numpy().astype(np.float64))) for m in linears])


@dataclass
class StudyResult:
    """``norms[(activation, depth)]`` = array of per-layer gradient norms, layer 1 first."""

    norms: dict = field(default_factory=dict)
    width: int = 64
    batch: int = 256
    seed: int = 0
    init: str = "default"

    def ratio(self, activation: str, depth: int) -> float:
        """First layer's gradient norm over the last layer's (1 = no vanishing)."""
        n = self.norms[(activation, depth)]
        return float(n[0] / n[-1]) if n[-1] != 0 else float("inf")

    def table(self, lang: str = "en") -> str:
        """A plain-text table: one row per (activation, depth), one column per layer, and first/last."""
        words = TABLE_WORDS[lang]
        depths = sorted({d for _, d in self.norms})
        width = max(depths) if depths else 0
        head = [words["activation"], words["depth"]] + [words["layer"].format(i + 1) for i in range(width)] + [
            words["ratio"]]
        rows = []
        for (act, depth), n in self.norms.items():
            rows.append([act, str(depth)] + [f"{v:.2e}" for v in n] + [""] * (width - len(n))
                        + [f"{self.ratio(act, depth):.2e}"])
        from ..explain.render.text import width as columns        # Korean takes two columns a syllable
        cols = [max(columns(r[i]) for r in [head] + rows) for i in range(len(head))]

        def pad(c, w, right):
            return (" " * (w - columns(c)) + c) if right else (c + " " * (w - columns(c)))
        fmt = lambda r: "  ".join(pad(c, w, i > 1) for i, (c, w) in enumerate(zip(r, cols)))  # noqa: E731
        return "\n".join([fmt(head), fmt(["-" * w for w in cols])] + [fmt(r) for r in rows])

    def to_dict(self) -> dict:
        return {"width": self.width, "batch": self.batch, "seed": self.seed, "init": self.init,
                "results": [{"activation": a, "depth": d, "grad_norms": [float(v) for v in n],
                             "first_over_last": self.ratio(a, d)} for (a, d), n in self.norms.items()]}

    def plot(self, path: str | None = None, lang: str = "en"):
        """One panel per activation: gradient norm (log scale) against layer, one line per depth."""
        from .plots import plot_vanishing
        return plot_vanishing(self, path, lang=lang)


#: the table's headings in each language ``chainrule vanishing --lang`` offers
TABLE_WORDS = {"en": {"activation": "activation", "depth": "depth", "layer": "layer {}", "ratio": "first/last"},
               "ko": {"activation": "활성화 함수", "depth": "깊이", "layer": "계층 {}", "ratio": "첫 층/마지막 층"}}


def study(depths=range(2, 11), activations=("sigmoid", "tanh", "relu"), width: int = 64, batch: int = 256,
          seed: int = 0, init: str = "default") -> StudyResult:
    """Run ``layer_gradient_norms`` for every activation × depth (each from the same seed)."""
    result = StudyResult(width=width, batch=batch, seed=seed, init=init)
    for act in activations:
        _activation(act)  # fail early on a typo
        for d in depths:
            result.norms[(act, int(d))] = layer_gradient_norms(int(d), act, width, batch, seed, init)
    return result


MAX_DEPTH = 200


def parse_depths(spec: str) -> list:
    """``"2..10"`` -> [2, ..., 10]; ``"2,4,8"`` -> [2, 4, 8]; ``"3..9..3"`` -> [3, 6, 9]."""
    spec = spec.strip()
    try:
        if ".." in spec:
            parts = [int(p) for p in spec.split("..")]
            if len(parts) == 2:
                lo, hi, step = parts[0], parts[1], 1
            elif len(parts) == 3:
                lo, hi, step = parts
            else:
                raise ValueError
            if hi > MAX_DEPTH:
                raise ValueError(f"depth {hi} is more than this study needs (at most {MAX_DEPTH})")
            out = list(range(lo, hi + 1, step))
        else:
            out = [int(p) for p in spec.split(",") if p.strip()]
    except ValueError as e:
        if "more than this study needs" in str(e):
            raise
        raise ValueError(f"cannot read depths '{spec}': write a range like 2..10 or a list like 2,4,8") from None
    if not out or min(out) < 1:
        raise ValueError(f"depths '{spec}' must be whole numbers of at least 1")
    return out


# -- through time: the same lesson for a recurrent network ---------------------------------------------
#
# A sequence of length T goes through one ``nn.RNNCell`` / ``nn.LSTMCell`` / ``nn.GRUCell`` step by step
# (PyTorch's default init, U(−1/√H, 1/√H)); the loss is the mean squared error of a Linear(H, 1) on the
# last hidden state only; ``‖∂L/∂h⁽ᵗ⁾‖`` is recorded for every step t = 1..T (``retain_grad``).  Going
# back one step multiplies ∂L/∂h by diag(1 − h²)·W_hh for the tanh RNN — a factor below 1 per step, so
# the gradient reaching step 1 shrinks geometrically with T; the LSTM's cell path multiplies by the
# forget gate f⁽ᵗ⁾ instead (and the GRU's by its update gate z⁽ᵗ⁾), which keeps more of it.

CELLS = ("rnn", "lstm", "gru")


def _cell(kind: str, n_in: int, hidden: int):
    from .. import nn
    table = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
    key = kind.lower()
    if key not in table:
        raise ValueError(f"unknown cell '{kind}': use one of {', '.join(CELLS)}")
    return table[key](n_in, hidden)


def time_setup(kind: str, length: int, hidden: int, batch: int, n_in: int, seed: int, forget_bias: float):
    """The study's cell, its Linear head, the inputs x (T, batch, n_in) and the targets, drawn from ``seed``."""
    import chainrule
    from .. import nn
    if length < 1:
        raise ValueError(f"sequence length must be at least 1, got {length}")
    chainrule.manual_seed(seed)
    cell = _cell(kind, n_in, hidden)
    if forget_bias and kind.lower() == "lstm":
        with chainrule.no_grad():
            cell.bias_ih[hidden: 2 * hidden] += forget_bias
    head = nn.Linear(hidden, 1)
    x = chainrule.randn(length, batch, n_in)
    target = chainrule.randn(batch, 1)
    return cell, head, x, target


def time_gradient_norms(kind: str, length: int, hidden: int = 32, batch: int = 16, n_in: int = 4,
                        seed: int = 0, forget_bias: float = 0.0) -> np.ndarray:
    """``‖∂L/∂h⁽ᵗ⁾‖`` for t = 1..``length`` (step 1 first) after one backward pass of a loss on the last step.

    ``forget_bias``: added to the LSTM's forget-gate bias (``bias_ih[H:2H]``, PyTorch's gate order i, f, g, o)
    — 1 is the usual choice (Jozefowicz et al. 2015): f⁽ᵗ⁾ ≈ σ(1) = 0.73 instead of σ(0) = 0.5 per step."""
    import chainrule
    from .. import nn
    cell, head, x, target = time_setup(kind, length, hidden, batch, n_in, seed, forget_bias)
    h = chainrule.zeros(batch, hidden)
    c = chainrule.zeros(batch, hidden)
    states = []
    for t in range(length):
        if kind.lower() == "lstm":
            h, c = cell(x[t], (h, c))
        else:
            h = cell(x[t], h)
        h.retain_grad()
        states.append(h)
    loss = nn.MSELoss()(head(h), target)
    loss.backward()
    return np.array([float(np.linalg.norm(s.grad.numpy().astype(np.float64))) for s in states])


@dataclass
class TimeStudyResult:
    """``norms[(cell, T)]`` = ‖∂L/∂h⁽ᵗ⁾‖ for t = 1..T."""

    norms: dict = field(default_factory=dict)
    hidden: int = 32
    batch: int = 16
    seed: int = 0
    forget_bias: float = 0.0

    def ratio(self, cell: str, length: int) -> float:
        """The gradient reaching step 1 over the one at step T (1 = nothing vanished)."""
        n = self.norms[(cell, length)]
        return float(n[0] / n[-1]) if n[-1] != 0 else float("inf")

    def table(self) -> str:
        """One row per (cell, T): ‖∂L/∂h⁽ᵗ⁾‖ at a few steps back from the last, and step 1 / step T."""
        rows = []
        head = ["cell", "T", "step T", "step T-1", "step T/2", "step 1", "step 1 / step T"]
        for (cell, T), n in self.norms.items():
            pick = [n[-1], n[-2] if T > 1 else n[-1], n[(T - 1) // 2], n[0]]
            rows.append([cell, str(T)] + [f"{v:.2e}" for v in pick] + [f"{self.ratio(cell, T):.2e}"])
        cols = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
        fmt = lambda r: "  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, cols)))  # noqa: E731
        return "\n".join([fmt(head), fmt(["-" * w for w in cols])] + [fmt(r) for r in rows])

    def to_dict(self) -> dict:
        return {"hidden": self.hidden, "batch": self.batch, "seed": self.seed, "forget_bias": self.forget_bias,
                "results": [{"cell": c, "length": T, "grad_norms_per_step": [float(v) for v in n],
                             "first_over_last": self.ratio(c, T)} for (c, T), n in self.norms.items()]}

    def plot(self, path: str | None = None):
        """One panel per cell: ‖∂L/∂h⁽ᵗ⁾‖ (log scale) against the step t, one line per length T."""
        from matplotlib import colormaps

        from .plots import _figure, _save
        cells = list(dict.fromkeys(c for c, _ in self.norms))
        fig = _figure(figsize=(4.2 * max(len(cells), 1), 4))
        axes = np.atleast_1d(fig.subplots(1, max(len(cells), 1), sharey=True))
        lengths = sorted({T for _, T in self.norms})
        cmap = colormaps["viridis"]
        for ax, cell in zip(axes, cells):
            for i, T in enumerate(lengths):
                n = self.norms.get((cell, T))
                if n is not None:
                    ax.plot(np.arange(1, T + 1), n, marker="o", markersize=2,
                            color=cmap(i / max(len(lengths) - 1, 1)), label=f"T = {T}")
            ax.set_yscale("log")
            ax.set(title=cell.upper(), xlabel="time step t (the loss reads step T)")
            ax.grid(alpha=0.3, which="both")
        axes[0].set_ylabel("‖∂L/∂h⁽ᵗ⁾‖ after one backward pass")
        axes[-1].legend(fontsize=7, ncol=2)
        fb = f", LSTM forget bias +{self.forget_bias:g}" if self.forget_bias else ""
        fig.suptitle(f"gradient reaching each time step (hidden {self.hidden}, batch {self.batch}{fb})")
        fig.tight_layout()
        return _save(fig, path)


def time_study(lengths=(5, 10, 20, 50), cells=CELLS, hidden: int = 32, batch: int = 16,
               seed: int = 0, forget_bias: float = 0.0) -> TimeStudyResult:
    """``time_gradient_norms`` for every cell × sequence length (each from the same seed).

    >>> r = time_study([30], ["rnn", "lstm"], seed=0, forget_bias=1.0)
    >>> r.ratio("rnn", 30) < r.ratio("lstm", 30)      # the LSTM keeps more of the gradient at step 1
    True
    """
    result = TimeStudyResult(hidden=hidden, batch=batch, seed=seed, forget_bias=forget_bias)
    for cell in cells:
        _cell(cell, 1, 1)       # fail early on a typo
        for T in lengths:
            result.norms[(cell, int(T))] = time_gradient_norms(cell, int(T), hidden, batch, seed=seed,
                                                               forget_bias=forget_bias)
    return result
