"""Random numbers: one global NumPy generator, reseeded by ``manual_seed``, and ``Generator`` objects
for code that wants its own stream (``DataLoader(shuffle=True, generator=g)``).

Same seed, same numbers — within chainrule.  Matching PyTorch's stream bit for bit is not a goal.
"""
from __future__ import annotations

import numpy as np


class Generator:
    """A seeded source of random numbers (PyTorch's ``torch.Generator``)."""

    def __init__(self, device="cpu"):
        self._seed = 0
        self.np = np.random.default_rng(0)

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self.np = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def get_state(self) -> dict:
        return self.np.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        self.np.bit_generator.state = state
        return self


default_generator = Generator()
default_generator.manual_seed(np.random.SeedSequence().entropy % (2 ** 63))


def manual_seed(seed: int) -> Generator:
    """Reseed the global generator: every later ``rand``, ``randn``, layer initialisation and shuffle repeats."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def rng(generator=None) -> np.random.Generator:
    return (generator or default_generator).np
