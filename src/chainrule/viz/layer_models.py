"""The built-in models of ``chainrule train --arch``: a small conv net for images, a recurrent one for sequences.

Both read the dataset's flat feature rows (what ``train`` feeds every model) and shape them themselves:

* ``cnn`` — the digits' 64 features as one 8×8 image: Conv2d(1, 8, 3, padding=1) → ReLU → MaxPool2d(2)
  → Conv2d(8, 16, 3, padding=1) → ReLU → MaxPool2d(2) → Linear(16·2·2, classes);
* ``rnn`` / ``lstm`` / ``gru`` — the features as a sequence of single values, x (N, T) → (N, T, 1):
  the cell with 32 hidden units (``batch_first``), then Linear(32, classes) on the last step's h⁽ᵀ⁾.
"""
from __future__ import annotations

import math

ARCHS = ("mlp", "cnn", "rnn", "lstm", "gru")


def conv_net(n_features: int, classes: int):
    """A small conv net for square images given as ``side²`` features (8×8 digits: 64)."""
    from .. import nn
    side = math.isqrt(n_features)
    if side * side != n_features or side < 4:
        raise ValueError(f"--arch cnn reads each example as a square image, but it has {n_features} features "
                         f"(not a square of at least 4×4); use it with --dataset digits")
    out = side // 4
    return nn.Sequential(nn.Unflatten(1, (1, side, side)),
                         nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * out * out, classes))


def sequence_net(cell: str, classes: int, hidden: int = 32):
    """``cell`` (rnn, lstm, gru) over the features read as a sequence, Linear on the last step."""
    from .. import nn

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](1, hidden, batch_first=True)
            self.fc = nn.Linear(hidden, classes)

        def forward(self, x):                   # x: (N, T) → (N, T, 1)
            out, _ = self.rnn(x.unsqueeze(-1))
            return self.fc(out[:, -1])
    Sequence.__name__ = Sequence.__qualname__ = f"{cell.upper()}Classifier"
    return Sequence()


def build(arch: str, data):
    """The model ``--arch`` names, sized for ``data`` (None for "mlp": train's own default)."""
    if arch == "mlp":
        return None
    if arch == "cnn":
        return conv_net(data.n_features, data.n_classes)
    return sequence_net(arch, data.n_classes)
