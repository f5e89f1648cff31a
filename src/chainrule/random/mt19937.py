"""PyTorch's CPU engine: the 32-bit Mersenne Twister (``at::mt19937``), run by NumPy's own ``MT19937``.

PyTorch seeds it the reference way (``init_genrand``) from the low 32 bits of the 64-bit seed:

    key[0] = seed mod 2³²,   key[j] = 1812433253·(key[j−1] ⊕ (key[j−1] ≫ 30)) + j   (mod 2³², j = 1 … 623)

and tempers ``key`` exactly as NumPy's ``MT19937`` does, so a NumPy bit generator holding that key yields
PyTorch's raw 32-bit outputs one for one (``random_raw``, a C loop).  ``random64`` is two of them,
the first as the high word: ``(r₁ ≪ 32) | r₂``.

``torch.get_rng_state()`` is the 5056-byte ``CPUGeneratorImplState`` struct; ``pack_state`` /
``unpack_state`` read and write that layout, so a state moves between PyTorch and chainrule unchanged.
"""
from __future__ import annotations

import struct

import numpy as np

N = 624
STATE_BYTES = 5056
_U32 = np.uint64(0xFFFFFFFF)

# CPUGeneratorImplStateLegacy: u64 seed, i32 left, i32 seeded, u64 next, u64 state[624],
# f64 normal_x, normal_y, normal_rho, i32 normal_is_valid (+4 pad); then f32 next_float, bool valid (+3 pad)
_HEAD = struct.Struct("<QiiQ")            # 24 bytes
_TAIL = struct.Struct("<dddi4xf?3x")      # 40 bytes: 24 + 4992 + 40 = 5056


def seed_key(seed: int) -> np.ndarray:
    """The 624-word state ``init_genrand(seed mod 2³²)`` (PyTorch's ``mt19937(seed)``)."""
    key = np.empty(N, dtype=np.uint32)
    s = seed & 0xFFFFFFFF
    key[0] = s
    for j in range(1, N):
        s = (1812433253 * (s ^ (s >> 30)) + j) & 0xFFFFFFFF
        key[j] = s
    return key


def bit_generator(key: np.ndarray, pos: int = N) -> np.random.MT19937:
    """A NumPy ``MT19937`` at ``key``; ``pos = 624`` means "twist before the next output" (a fresh seed)."""
    bg = np.random.MT19937()
    bg.state = {"bit_generator": "MT19937", "state": {"key": np.asarray(key, dtype=np.uint32), "pos": int(pos)}}
    return bg


def raw32(bg: np.random.MT19937, n: int) -> np.ndarray:
    """The next ``n`` 32-bit outputs (PyTorch's ``generator->random()``), as uint64."""
    return bg.random_raw(n) if n else np.zeros(0, dtype=np.uint64)


def raw64(bg: np.random.MT19937, n: int) -> np.ndarray:
    """The next ``n`` 64-bit outputs (``random64()``): r₁·2³² + r₂ from consecutive 32-bit outputs."""
    r = raw32(bg, 2 * n)
    return (r[0::2] << np.uint64(32)) | r[1::2]


def pack_state(seed: int, bg: np.random.MT19937, next_double, next_float) -> bytes:
    """PyTorch's ``get_state`` bytes for this engine and the two cached normal samples (None: none)."""
    st = bg.state["state"]
    pos = int(st["pos"])
    # PyTorch keeps (left, next) with left + next = 625 between twists; left = 1 means "twist next"
    left, nxt = (1, pos) if pos >= N else (N + 1 - pos, pos)
    if pos >= N and np.array_equal(st["key"], seed_key(seed)):
        nxt = 0                                     # freshly seeded: PyTorch says left = 1, next = 0
    head = _HEAD.pack(seed & 0xFFFFFFFFFFFFFFFF, left, 1, nxt)
    words = np.asarray(st["key"], dtype="<u8").tobytes()
    tail = _TAIL.pack(0.0, 0.0 if next_double is None else float(next_double), 0.0, next_double is not None,
                      0.0 if next_float is None else float(next_float), next_float is not None)
    return head + words + tail


def unpack_state(data: bytes):
    """(seed, bit generator, next_double, next_float) from PyTorch's state bytes; ValueError if malformed."""
    if len(data) != STATE_BYTES:
        raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_BYTES} but found the input RNG "
                           f"state size to be {len(data)}")
    seed, left, seeded, nxt = _HEAD.unpack_from(data, 0)
    key = np.frombuffer(data, dtype="<u8", count=N, offset=_HEAD.size).astype(np.uint32)
    _, normal_y, _, normal_valid, next_float, float_valid = _TAIL.unpack_from(data, _HEAD.size + 8 * N)
    if not (seeded and 0 < left <= N and nxt <= N):
        raise RuntimeError("Invalid mt19937 state")
    pos = N if left == 1 else nxt
    return (seed, bit_generator(key, pos), normal_y if normal_valid else None,
            next_float if float_valid else None)
