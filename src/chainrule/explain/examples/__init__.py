"""Example model files shipped with chainrule; ``seed.py`` is the lecture's worked example."""
from pathlib import Path

SEED = str(Path(__file__).with_name("seed.py"))
