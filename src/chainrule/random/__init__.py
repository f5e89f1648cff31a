"""Random numbers with PyTorch's CPU stream: after ``chainrule.manual_seed(s)`` every random function
(``rand``, ``randn``, ``randint``, ``randperm``, ``Tensor.normal_`` …, ``nn.init``, dropout,
``DataLoader(shuffle=True)``, ``random_split``) gives the numbers ``torch.manual_seed(s)`` gives.

    >>> chainrule.manual_seed(0)
    >>> chainrule.randn(3)                    # tensor([ 1.5410, -0.2934, -2.1788]), as in PyTorch

``generator.py`` holds the engine and its state (PyTorch's byte layout), ``mt19937.py`` the seeding,
``distributions.py`` the sampling algorithms, ``avx_math.py`` the float32 log/sin/cos PyTorch's ``randn``
uses.  Where PyTorch's own numbers depend on the machine, see docs/errors.md ("Random streams").
"""
from __future__ import annotations

import contextlib

import numpy as np

from .generator import DEFAULT_SEED, Generator  # noqa: F401  (DEFAULT_SEED: torch.Generator().initial_seed())

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng", "rng", "resolve", "state_to_json", "state_from_json"]

default_generator = Generator()
default_generator.seed()                   # like PyTorch: a fresh seed per process until manual_seed


def manual_seed(seed) -> Generator:
    """Reseed the global generator: every later ``rand``, ``randn``, layer initialisation and shuffle repeats
    PyTorch's numbers for the same seed."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the global generator from the OS; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The global generator's seed (``manual_seed``'s argument, wrapped to 64 bits)."""
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's state as PyTorch's 5056-byte uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the global generator from ``get_rng_state()`` (or ``torch.get_rng_state()``)."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, **kwargs):
    """Inside the block draw freely; on exit the global generator's state is restored."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def state_to_json(state) -> dict:
    """A generator state (``get_state()``) as a JSON-ready dict: ``{"mt19937_state": "<hex of the 5056 bytes>"}``."""
    return {"mt19937_state": bytes(np.asarray(state.numpy(), dtype=np.uint8)).hex()}


def state_from_json(record):
    """The state tensor back from ``state_to_json``'s dict; ValueError naming what is wrong."""
    from ..tensor import Tensor
    text = record.get("mt19937_state") if isinstance(record, dict) else None
    try:
        data = bytes.fromhex(text)
    except (TypeError, ValueError):
        raise ValueError("a generator state must be {\"mt19937_state\": \"<hex bytes>\"}") from None
    if len(data) != 5056:
        raise ValueError(f"a generator state has 5056 bytes, this one {len(data)}")
    return Tensor._make(np.frombuffer(data, dtype=np.uint8).copy())


def resolve(generator=None) -> Generator:
    """``generator`` itself, or the global one when None; anything else is a TypeError naming it."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator (got {type(generator).__name__})")
    return generator


def rng(generator=None) -> np.random.Generator:
    """A NumPy ``Generator`` over ``generator``'s engine (NumPy's algorithms: for chainrule-only data)."""
    return resolve(generator).np
