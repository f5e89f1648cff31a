"""Devices as PyTorch scripts name them.  chainrule computes with NumPy on the CPU, so ``"cpu"`` is
the one device; naming it is accepted everywhere PyTorch accepts a ``device=`` argument, and asking
for another device is a clear error instead of a silent fallback."""
from __future__ import annotations


class device:
    """``chainrule.device("cpu")`` — equal to the string ``"cpu"`` as far as chainrule is concerned."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, idx = name.split(":", 1)
            index = int(idx)
        self.type = name
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self):
        return self.type + (f":{self.index}" if self.index is not None else "")

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))


CPU = device("cpu")


def check_device(d) -> device:
    """Return the CPU device for ``None``, ``"cpu"`` or ``device("cpu")``; refuse anything else."""
    if d is None:
        return CPU
    if isinstance(d, int):
        d = f"cuda:{d}"
    dev = device(d)
    if dev.type != "cpu" or (dev.index or 0) != 0:
        raise RuntimeError(
            f"device '{dev}' is not available: chainrule computes with NumPy on the CPU only. "
            f"Use device='cpu' (PyTorch scripts usually write "
            f"device = 'cuda' if torch.cuda.is_available() else 'cpu', which picks 'cpu' here).")
    return CPU


def set_default_device(d) -> None:
    """``torch.set_default_device``: only the CPU exists here, so ``"cpu"`` (or ``None``) is accepted and
    any other device is refused with ``check_device``'s message."""
    check_device(d)


def get_default_device() -> device:
    return CPU


class _Cuda:
    """``chainrule.cuda``: answers the questions PyTorch scripts ask before choosing a device."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(seed) -> None:
        pass

    @staticmethod
    def manual_seed_all(seed) -> None:
        pass

    @staticmethod
    def synchronize(device=None) -> None:
        pass


cuda = _Cuda()


class _Backends:
    class mps:
        @staticmethod
        def is_available() -> bool:
            return False

    class cudnn:
        deterministic = True
        benchmark = False


backends = _Backends()
