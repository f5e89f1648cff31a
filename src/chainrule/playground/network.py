"""Build the playground's network, loss, optimizer and data from a ``Config`` — with the engine only.

The network is the lecture's chain: ``Linear → activation → … → Linear (→ Sigmoid for BCE)``, so
``chainrule explain`` writes every step of it in the per-unit form.  Everything random is seeded from
``Config.seed``: the data from one generator, the weights from another, the batch order of epoch e from a
third (``torch.randperm(N, generator=Generator().manual_seed(seed + 1 + e))``: PyTorch gives the same
permutation for the same seed, so the exported PyTorch script replays the run batch for batch).
"""
from __future__ import annotations

import threading

import numpy as np

from .config import Config, SettingError

ACTIVATION_CLASSES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU",
                      "elu": "ELU", "gelu": "GELU", "silu": "SiLU", "softplus": "Softplus"}
OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}
LOSS_CLASSES = {"bce": "BCELoss", "cross_entropy": "CrossEntropyLoss", "mse": "MSELoss"}

#: ``nn.Linear``'s default initialisation draws from the global generator: one build at a time
_SEED_LOCK = threading.Lock()


def load_data(cfg: Config, csv_dataset=None):
    """The ``Dataset`` the settings name (``csv_dataset``: the one uploaded to this session)."""
    from ..random import Generator
    from ..viz import datasets
    g = Generator().manual_seed(cfg.seed)
    if cfg.dataset == "csv":
        if csv_dataset is None:
            raise SettingError("dataset csv: upload a CSV file first (one example per line, the class in the "
                               "last column)")
        return csv_dataset
    try:
        if cfg.dataset == "digits":
            return datasets.digits()
        if cfg.dataset == "spirals":
            return datasets.spirals(cfg.n, classes=cfg.classes, noise=cfg.noise, generator=g)
        return datasets.load(cfg.dataset, n=cfg.n, noise=cfg.noise, generator=g)
    except datasets.DatasetError as e:
        raise SettingError(str(e)) from None


def build_model(cfg: Config, sizes: list):
    """``nn.Sequential`` of Linear layers and the chosen activations, initialised as ``cfg.init`` says."""
    from .. import manual_seed, nn
    from ..random import Generator
    acts = list(cfg.activations) + [("sigmoid" if cfg.loss == "bce" else "identity")]
    with _SEED_LOCK:
        manual_seed(cfg.seed)
        layers = []
        for (n_in, n_out), act in zip(zip(sizes, sizes[1:]), acts):
            layers.append(nn.Linear(n_in, n_out))
            if act != "identity":
                layers.append(getattr(nn, ACTIVATION_CLASSES[act])())
        model = nn.Sequential(*layers)
    if cfg.init != "pytorch":
        g = Generator().manual_seed(cfg.seed)
        for m in model:
            if isinstance(m, nn.Linear):
                if cfg.init == "xavier_uniform":
                    nn.init.xavier_uniform_(m.weight, generator=g)
                elif cfg.init == "kaiming_uniform":
                    nn.init.kaiming_uniform_(m.weight, nonlinearity="relu", generator=g)
                elif cfg.init == "normal":
                    nn.init.normal_(m.weight, 0.0, 0.5, generator=g)
                else:
                    nn.init.zeros_(m.weight)
                nn.init.zeros_(m.bias)
    return model


def build_optimizer(cfg: Config, params):
    from .. import optim
    cls = getattr(optim, OPTIMIZER_CLASSES[cfg.optimizer])
    if cfg.optimizer == "sgd":
        return cls(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "rmsprop":
        return cls(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    return cls(params, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)


def build_loss(cfg: Config):
    from .. import nn
    return getattr(nn, LOSS_CLASSES[cfg.loss])()


def targets(cfg: Config, y: np.ndarray, n_classes: int, dtype=np.float32) -> np.ndarray:
    """What the loss compares with: 0/1 in a column (BCE, MSE on two classes), class numbers
    (cross-entropy) or one-hot rows (MSE on K classes)."""
    if cfg.loss == "cross_entropy":
        return y.astype(np.int64)
    if cfg.loss == "bce" or n_classes == 2:
        return y.astype(dtype).reshape(-1, 1)
    return np.eye(n_classes, dtype=dtype)[y]


def permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order of the examples in ``epoch`` (0-based)."""
    from .. import randperm
    from ..random import Generator
    return randperm(n, generator=Generator().manual_seed(seed + 1 + epoch)).numpy()
