"""``chainrule.io``: files in and out — ``save`` / ``load`` (safetensors, never pickle) and atomic writes.

    >>> chainrule.save(model.state_dict(), "model.safetensors")      # same as chainrule.io.save
    >>> state = chainrule.load("model.safetensors")
"""
from .serialization import save, load, loads, SafetensorsFileError
from .atomic import atomic_write, write_bytes, write_text

__all__ = ["save", "load", "loads", "SafetensorsFileError", "atomic_write", "write_bytes", "write_text"]
