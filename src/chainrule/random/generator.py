"""``Generator``: PyTorch's CPU generator — an mt19937 engine, its 64-bit seed, and the cached second
sample of the last Box–Muller pair (``normal_distribution<double>`` draws two normals and keeps one).

    >>> g = Generator().manual_seed(0)
    >>> chainrule.rand(2, generator=g)         # tensor([0.4963, 0.7682]), as torch.rand(2, generator=g)
    >>> s = g.get_state(); chainrule.randn(3, generator=g); g.set_state(s)    # the same randn(3) again
"""
from __future__ import annotations

import os

import numpy as np

from . import mt19937

DEFAULT_SEED = 67280421310721          # PyTorch's default_rng_seed_val: torch.Generator().initial_seed()
_U64 = 1 << 64


def _nondeterministic_seed() -> int:
    """A fresh 64-bit seed from the OS (PyTorch reads /dev/urandom the same way)."""
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A seeded source of random numbers with PyTorch's stream (``torch.Generator``).

    ``manual_seed(s)`` then any chainrule random function with ``generator=`` gives the numbers
    PyTorch gives after ``torch.Generator().manual_seed(s)``.
    """

    def __init__(self, device="cpu"):
        from ..device import check_device
        check_device(device)
        self.device = "cpu"
        self._set_seed(DEFAULT_SEED)

    # ---- seeding ---------------------------------------------------------------------------------
    def _set_seed(self, seed: int) -> None:
        self._seed = seed
        self.bit_generator = mt19937.bit_generator(mt19937.seed_key(seed))
        self._np = None
        self.next_double_normal = None      # the cached r·sin θ of the last Box–Muller pair
        self.next_float_normal = None       # kept for the state layout (no CPU kernel sets it)

    def manual_seed(self, seed) -> "Generator":
        """Reseed: the stream restarts; negative seeds wrap as PyTorch's do (−1 → 2⁶⁴ − 1)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -(1 << 63) <= seed < _U64:
            raise ValueError("Overflow when unpacking long long")
        self._set_seed(seed % _U64)
        return self

    def seed(self) -> int:
        """Seed from the OS and return that seed."""
        s = _nondeterministic_seed()
        self._set_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed of the last ``manual_seed`` / ``seed`` (PyTorch's default: 67280421310721)."""
        return self._seed

    # ---- state -----------------------------------------------------------------------------------
    def get_state(self):
        """The state as PyTorch's 5056-byte uint8 tensor (``torch.Generator().set_state`` accepts it)."""
        from ..tensor import Tensor
        data = mt19937.pack_state(self._seed, self.bit_generator, self.next_double_normal, self.next_float_normal)
        return Tensor._make(np.frombuffer(data, dtype=np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        """Restore a state from ``get_state`` (ours or PyTorch's: same bytes)."""
        arr = getattr(new_state, "_data", None)
        if arr is None and hasattr(new_state, "numpy"):
            arr = new_state.numpy()              # a torch.ByteTensor
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        seed, bg, nd, nf = mt19937.unpack_state(np.ascontiguousarray(arr).tobytes())
        self._seed, self.bit_generator, self._np = seed, bg, None
        self.next_double_normal, self.next_float_normal = nd, nf
        return self

    # ---- raw numbers -----------------------------------------------------------------------------
    def random32(self, n: int) -> np.ndarray:
        """``n`` draws of PyTorch's ``random()`` (uint32 values, as uint64)."""
        return mt19937.raw32(self.bit_generator, n)

    def random64(self, n: int) -> np.ndarray:
        """``n`` draws of PyTorch's ``random64()``."""
        return mt19937.raw64(self.bit_generator, n)

    @property
    def np(self) -> np.random.Generator:
        """A NumPy ``Generator`` drawing from this engine (NumPy's algorithms, not PyTorch's: for data
        that exist only in chainrule, such as ``viz.datasets``)."""
        if self._np is None:
            self._np = np.random.Generator(self.bit_generator)
        return self._np

    def __repr__(self) -> str:
        return f"<chainrule.Generator object at {id(self):#x}>"
