"""What a playground network is: the settings a page sends (``POST /api/build``), checked.

Every setting has a sane range; anything outside it raises ``SettingError`` (HTTP 400 with the reason,
never a server crash): a negative width, 10⁹ units, a NaN learning rate, an unknown activation.

    >>> cfg = Config.from_json({"dataset": "xor", "hidden": [4], "activations": ["tanh"], "lr": 0.1})
    >>> cfg.layer_sizes(2, 2)          # input 2 → 4 tanh → 1 sigmoid (BCE: one output for two classes)
    [2, 4, 1]
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


class SettingError(ValueError):
    """A playground setting outside its range: the message names the setting and what would work."""


DATASETS = ("xor", "moons", "circles", "spirals", "digits", "csv")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "silu", "softplus", "identity")
LOSSES = ("bce", "cross_entropy", "mse")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
INITS = ("pytorch", "xavier_uniform", "kaiming_uniform", "normal", "zeros")

MAX_LAYERS = 8          # hidden layers
MAX_WIDTH = 256         # units in one hidden layer
MAX_PARAMETERS = 200_000
MAX_POINTS = 5_000      # generated points (a step stays well under 5 ms)
MAX_NOISE = 2.0
MAX_LR = 10.0
MAX_SEED = 2**31 - 1


@dataclass
class Config:
    dataset: str = "xor"
    n: int = 200                       # generated points
    noise: float = 0.1
    classes: int = 2                   # spirals only: arms
    hidden: list = field(default_factory=lambda: [4])
    activations: list = field(default_factory=lambda: ["tanh"])
    loss: str = "bce"
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.0              # sgd, rmsprop
    beta1: float = 0.9                 # adam, adamw
    beta2: float = 0.999
    weight_decay: float = 0.0
    batch_size: int = 32
    seed: int = 0
    init: str = "pytorch"

    @classmethod
    def from_json(cls, data) -> "Config":
        if not isinstance(data, dict):
            raise SettingError("the settings must be a JSON object such as {\"dataset\": \"xor\", \"hidden\": [4]}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingError(f"unknown setting '{unknown[0]}': the settings are {', '.join(sorted(known))}")
        cfg = cls(**data)
        cfg.check()
        return cfg

    def to_json(self) -> dict:
        return asdict(self)

    # -- checks ----------------------------------------------------------------------------------------
    def check(self) -> None:
        _choice("dataset", self.dataset, DATASETS)
        _choice("loss", self.loss, LOSSES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("init", self.init, INITS)
        self.n = _int("n", self.n, 4, MAX_POINTS)
        self.classes = _int("classes", self.classes, 2, 6)
        self.noise = _float("noise", self.noise, 0.0, MAX_NOISE)
        if not isinstance(self.hidden, list):
            raise SettingError(f"hidden must be a list of layer widths such as [4, 4], got {self.hidden!r}")
        if len(self.hidden) > MAX_LAYERS:
            raise SettingError(f"hidden: at most {MAX_LAYERS} hidden layers, got {len(self.hidden)}")
        self.hidden = [_int(f"hidden[{i}] (the width of hidden layer {i + 1})", w, 1, MAX_WIDTH)
                       for i, w in enumerate(self.hidden)]
        if not isinstance(self.activations, list) or len(self.activations) != len(self.hidden):
            raise SettingError(f"activations: one per hidden layer ({len(self.hidden)}), got {self.activations!r}")
        for i, a in enumerate(self.activations):
            _choice(f"activations[{i}]", a, ACTIVATIONS)
        self.lr = _float("lr (the learning rate)", self.lr, 0.0, MAX_LR, open_low=True)
        self.momentum = _float("momentum", self.momentum, 0.0, 0.999)
        self.beta1 = _float("beta1", self.beta1, 0.0, 0.9999)
        self.beta2 = _float("beta2", self.beta2, 0.0, 0.999999)
        self.weight_decay = _float("weight_decay", self.weight_decay, 0.0, 1.0)
        self.batch_size = _int("batch_size", self.batch_size, 1, MAX_POINTS)
        self.seed = _int("seed", self.seed, 0, MAX_SEED)

    def check_data(self, n_features: int, n_classes: int) -> None:
        """The settings against the data: BCE needs two classes; the network must stay small."""
        if self.loss == "bce" and n_classes != 2:
            raise SettingError(f"loss bce is for two classes; this dataset has {n_classes}: use cross_entropy "
                               f"(or mse)")
        sizes = self.layer_sizes(n_features, n_classes)
        count = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
        if count > MAX_PARAMETERS:
            raise SettingError(f"the network {'-'.join(map(str, sizes))} has {count:,} parameters; the playground "
                               f"trains at most {MAX_PARAMETERS:,}: use fewer or narrower layers")

    def layer_sizes(self, n_features: int, n_classes: int) -> list:
        """Input width, the hidden widths, then the output: 1 for BCE (and MSE on two classes), else K."""
        out = 1 if self.loss == "bce" or (self.loss == "mse" and n_classes == 2) else n_classes
        return [n_features, *self.hidden, out]


def _choice(name, value, options) -> None:
    if value not in options:
        raise SettingError(f"{name} must be one of {', '.join(options)}, got {value!r}")


def _int(name, value, low, high) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float)
                                                                          and not value.is_integer()):
        raise SettingError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r}")
    value = int(value)
    if not low <= value <= high:
        raise SettingError(f"{name} must be from {low:,} to {high:,}, got {value:,}")
    return value


def _float(name, value, low, high, open_low=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise SettingError(f"{name} must be a finite number, got {value}")
    if value < low or value > high or (open_low and value == low):
        lo = f"above {low:g}" if open_low else f"from {low:g}"
        raise SettingError(f"{name} must be {lo} up to {high:g}, got {value:g}")
    return value
