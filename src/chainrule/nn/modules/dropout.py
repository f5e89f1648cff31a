"""``Dropout``: in training, zero each element with probability p and scale the rest by 1/(1 − p)."""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]


class Dropout(Module):
    """y = x·m/(1 − p), m ~ Bernoulli(1 − p) per element, in training mode; y = x in eval mode.

    The mask comes from chainrule's random stream (``chainrule.manual_seed`` repeats it)."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Channel-wise dropout of (N, C, L) or (C, L): each channel is zeroed whole with probability p
    (one draw per sample and channel), the rest scaled by 1/(1 − p); identity in eval mode."""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Channel-wise dropout of feature maps (N, C, H, W): y[n, c] = x[n, c]·m[n, c]/(1 − p),
    m[n, c] ~ Bernoulli(1 − p) — a whole map is kept or dropped, since neighbouring pixels are
    correlated and per-pixel dropout would barely regularise.  Identity in eval mode."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)
