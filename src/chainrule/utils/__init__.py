"""``chainrule.utils``: helpers around training (``chainrule.utils.data``: datasets and loaders)."""
from . import data

__all__ = ["data"]
