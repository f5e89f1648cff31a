"""One browser tab's training run: the real engine's model, loss, optimizer and data, stepped on request.

    >>> s = Session.from_config(Config(dataset="xor", hidden=[4], activations=["tanh"]))
    >>> s.step(200)                  # 200 real steps: forward → loss → backward → optimizer.step()
    >>> s.rewind()                   # back to step 0 with the same initial weights and optimizer state
    >>> s.step(200)                  # the same 200 steps again: the same losses, bit for bit

Step t takes batch ⌊(t−1)/B⌋ of epoch e's permutation (``network.permutation``).  Before every step the
parameters, their gradients and the optimizer's state are kept (``before``), so the step shown can be
explained afterwards by taking it again from there (``derive.explain_current``).  A loss that is not a
number stops the run (``diverged``) until a rewind.  Every method holds the session's lock: the page's
requests come from several threads, and chainrule's grad mode (``no_grad``) and the explain recorder's
observers are process-wide, not per thread, so one engine lock (``ENGINE_LOCK``) serves every session —
two tabs take turns step by step, never interleave inside one.
"""
from __future__ import annotations

import math
import threading
import time

import numpy as np

from . import network
from .config import Config, SettingError

GRID = 48                  # the decision boundary is the model's output on GRID × GRID points
MAX_STEPS_PER_CALL = 1000


#: grad mode and forward observers are global in the engine: one session computes at a time
ENGINE_LOCK = threading.RLock()


class Diverged(RuntimeError):
    """The loss became NaN or infinite: training stops until the run is rewound."""


class Session:
    def __init__(self, model, criterion, optimizer, X, T, *, labels=None, n_classes=None, batch_size=None,
                 seed=0, config=None, source="settings", class_names=None, dataset_name=""):
        from .. import tensor
        self.lock = ENGINE_LOCK
        self.model, self.criterion, self.optimizer = model, criterion, optimizer
        self.X = np.ascontiguousarray(X)
        self.T = np.ascontiguousarray(T)
        self._Xt, self._Tt = tensor(self.X), tensor(self.T)
        self.labels = labels
        self.n_classes = n_classes
        self.class_names = class_names or ([str(k) for k in range(n_classes)] if n_classes else [])
        self.dataset_name = dataset_name
        self.batch_size = min(batch_size or len(self.X), len(self.X))
        self.seed, self.config, self.source = seed, config, source
        self.params = list(model.parameters())
        self.names = [n for n, _ in model.named_parameters()]
        self.linears = _linear_chain(model)
        self.initial = self.snapshot()
        self.touched = time.monotonic()
        self._reset_run()

    # -- construction ----------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, cfg: Config, csv_dataset=None) -> "Session":
        ds = network.load_data(cfg, csv_dataset)
        cfg.check_data(ds.n_features, ds.n_classes)
        if cfg.batch_size > len(ds):
            raise SettingError(f"batch_size must be at most the number of examples ({len(ds)}), "
                               f"got {cfg.batch_size}")
        sizes = cfg.layer_sizes(ds.n_features, ds.n_classes)
        model = network.build_model(cfg, sizes)
        opt = network.build_optimizer(cfg, model.parameters())
        T = network.targets(cfg, ds.y, ds.n_classes)
        return cls(model, network.build_loss(cfg), opt, ds.X, T, labels=ds.y, n_classes=ds.n_classes,
                   batch_size=cfg.batch_size, seed=cfg.seed, config=cfg, class_names=ds.class_names,
                   dataset_name=ds.name)

    @classmethod
    def from_model_file(cls, path: str) -> "Session":
        """A Python or TOML model file (``chainrule explain``'s format): its model, loss, optimizer and its
        ``x``, ``y`` as the data; every step is one step on the whole of ``x``, as ``chainrule explain`` takes."""
        from ..explain.model_file import load_model_file
        m = load_model_file(path)
        X = m.x.detach().numpy().copy()
        T = m.y.detach().numpy().copy()
        if X.ndim != 2:
            raise SettingError(f"{path}: the playground trains on x with one row per example (2-D); x has shape "
                               f"{tuple(X.shape)}")
        labels, k = _labels_of(m.criterion, T)
        return cls(m.model, m.criterion, m.optimizer, X, T, labels=labels, n_classes=k, batch_size=len(X),
                   source="file", dataset_name=path)

    # -- state kept around steps ---------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """Copies of the parameters, their gradients and the optimizer's per-parameter state (by position,
        as ``optimizer.state_dict()`` numbers them), taken before every step: NumPy copies, not the
        deep-copied ``state_dict()``, so a step stays cheap."""
        state = {}
        for k, p in enumerate(self.params):
            st = self.optimizer.state.get(p)
            if st:
                state[k] = {n: (np.array(v.detach().numpy()) if hasattr(v, "detach") else v) for n, v in st.items()}
        return {"params": [p.detach().numpy().copy() for p in self.params],
                "grads": [None if p.grad is None else p.grad.detach().numpy().copy() for p in self.params],
                "optimizer": {"state": state}}

    def restore(self, snap: dict) -> None:
        from .. import no_grad, tensor
        with no_grad():
            for p, v, g in zip(self.params, snap["params"], snap["grads"]):
                p.copy_(tensor(v))
                p.grad = None if g is None else tensor(g.copy())
        sd = self.optimizer.state_dict()
        sd["state"] = {k: {n: (tensor(v.copy()) if isinstance(v, np.ndarray) else v) for n, v in st.items()}
                       for k, st in snap["optimizer"]["state"].items()}
        self.optimizer.load_state_dict(sd)

    def _reset_run(self) -> None:
        self.t = 0
        self.losses = []             # batch loss of every step
        self.grad_norms = []         # per step: ‖∂L/∂W‖ of every Linear layer
        self.evals = []              # (step, loss on all the data, accuracy)
        self.before = None           # snapshot before the last step
        self.diverged = None
        self.explained = {}

    def rewind(self) -> None:
        """Back to step 0: the initial parameters, an empty optimizer state, no history."""
        with self.lock:
            self.restore(self.initial)
            self._reset_run()

    # -- training ---------------------------------------------------------------------------------------------
    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.X) / self.batch_size)

    def batch(self, t: int) -> np.ndarray:
        """The example numbers of step ``t`` (1-based)."""
        if self.source == "file":
            return np.arange(len(self.X))
        epoch, k = divmod(t - 1, self.steps_per_epoch)
        perms = self.__dict__.setdefault("_perms", {})   # kept across rewinds: a replay draws none again
        if epoch not in perms:
            if len(perms) > 64:
                perms.pop(next(iter(perms)))
            perms[epoch] = network.permutation(self.seed, epoch, len(self.X))
        return perms[epoch][k * self.batch_size:(k + 1) * self.batch_size]

    def batch_tensors(self, t: int):
        from .. import tensor
        idx = self.batch(t)
        if len(idx) == len(self.X) and self.source == "file":
            return self._Xt, self._Tt
        return tensor(self.X[idx]), tensor(self.T[idx])

    def step(self, n: int = 1) -> int:
        """Take ``n`` real training steps (fewer if the loss stops being a number); returns how many ran."""
        if not 1 <= n <= MAX_STEPS_PER_CALL:
            raise SettingError(f"steps per request must be from 1 to {MAX_STEPS_PER_CALL}, got {n}")
        with self.lock:
            self.touched = time.monotonic()
            if self.diverged:
                raise Diverged(self.diverged)
            done = 0
            for _ in range(n):
                with np.errstate(all="ignore"):        # a diverging run is reported once, below
                    self._one_step()
                done += 1
                if self.diverged:
                    break
            return done

    def epoch(self) -> int:
        """Steps up to the end of the current epoch."""
        left = self.steps_per_epoch - self.t % self.steps_per_epoch
        return self.step(min(left, MAX_STEPS_PER_CALL))

    def _one_step(self) -> None:
        t = self.t + 1
        xb, yb = self.batch_tensors(t)
        self.before = self.snapshot()
        self.optimizer.zero_grad()
        loss = self.criterion(self.model(xb), yb)
        loss.backward()
        self.optimizer.step()
        self.t = t
        value = float(loss.item())
        self.losses.append(value)
        self.grad_norms.append([float(np.linalg.norm(L.weight.grad.detach().numpy())) if L.weight.grad is not None
                                else 0.0 for L, _ in self.linears])
        if not math.isfinite(value):
            self.diverged = (f"the loss became {value} at step {t}: training stopped (a smaller learning rate "
                             f"usually helps); rewind to start again")

    # -- what the page shows ----------------------------------------------------------------------------------
    def predict(self, X: np.ndarray) -> np.ndarray:
        from .. import no_grad, tensor
        with no_grad(), np.errstate(all="ignore"):
            return self.model(tensor(X.astype(self.X.dtype))).detach().numpy()

    def evaluate(self) -> tuple:
        """(loss, accuracy) on all the data now; accuracy is None when the loss is not a classifier's."""
        from .. import no_grad, tensor
        with no_grad(), np.errstate(all="ignore"):
            out_t = self.model(self._Xt)
            loss = float(self.criterion(out_t, tensor(self.T)).item())
        out = out_t.detach().numpy()
        pred = self._classes(out)
        acc = None if pred is None or self.labels is None else float(np.mean(pred == self.labels))
        return loss, acc

    def _classes(self, out: np.ndarray):
        if self.labels is None:
            return None
        if out.ndim == 2 and out.shape[1] > 1:
            return out.argmax(1)
        sigmoid_out = type(self.criterion).__name__ != "BCEWithLogitsLoss"
        return (out.reshape(-1) > (0.5 if sigmoid_out else 0.0)).astype(np.int64)

    def boundary(self):
        """The model's output over a grid covering the data (2-D inputs only): class-1 probability (one
        output) or the winning class and its share (K outputs)."""
        if self.X.shape[1] != 2:
            return None
        lo, hi = self.X.min(0), self.X.max(0)
        pad = (hi - lo) * 0.1 + 1e-6
        lo, hi = lo - pad, hi + pad
        xs = np.linspace(lo[0], hi[0], GRID)
        ys = np.linspace(lo[1], hi[1], GRID)
        gx, gy = np.meshgrid(xs, ys)
        out = self.predict(np.stack([gx.ravel(), gy.ravel()], 1))
        if out.shape[1] == 1:
            if type(self.criterion).__name__ == "BCEWithLogitsLoss":
                out = 1 / (1 + np.exp(-out))
            value, cls = np.clip(out[:, 0], 0, 1), (out[:, 0] > 0.5).astype(int)
        else:
            e = np.exp(out - out.max(1, keepdims=True))
            p = e / e.sum(1, keepdims=True)
            cls, value = p.argmax(1), p.max(1)
        return {"x": [float(lo[0]), float(hi[0])], "y": [float(lo[1]), float(hi[1])], "n": GRID,
                "cls": cls.astype(int).tolist(), "value": np.round(value.astype(np.float64), 3).tolist()}


def _linear_chain(model) -> list:
    """[(Linear, activation name)] when the model is a chain of Linear layers and activations, else []."""
    from .. import nn
    mods = list(model) if isinstance(model, nn.Sequential) else []
    out = []
    for m in mods:
        if isinstance(m, nn.Linear):
            out.append([m, "identity"])
        elif out and out[-1][1] == "identity" and type(m).__name__ in _ACT_NAMES:
            out[-1][1] = _ACT_NAMES[type(m).__name__]
        else:
            return []
    return [tuple(x) for x in out]


_ACT_NAMES = {v: k for k, v in network.ACTIVATION_CLASSES.items()}


def _labels_of(criterion, T: np.ndarray):
    """Class numbers of a model file's targets, when its loss is a classifier's."""
    name = type(criterion).__name__
    if name == "CrossEntropyLoss" and T.ndim == 1:
        return T.astype(np.int64), int(T.max()) + 1 if T.size else 0
    if name in ("BCELoss", "BCEWithLogitsLoss") and T.ndim == 2 and T.shape[1] == 1 and np.isin(T, (0, 1)).all():
        return T.reshape(-1).astype(np.int64), 2
    return None, None
