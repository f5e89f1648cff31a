"""``chainrule explain``: one real training step as a worked, verified solution (the lecture's 풀이).

``explain_step(model, criterion, optimizer, x, y)`` returns a ``Solution`` (``.render(format, lang)``).
The pieces: ``recorder`` (hooks on the real step), ``chain`` (every product checked against
autograd), ``build`` (the language-neutral ``derivation``), ``naming``, ``render/*`` and ``locales/*``.
"""
from .api import Solution, explain_step
from .errors import ChainRuleMismatch, UnsupportedModel

__all__ = ["explain_step", "Solution", "ChainRuleMismatch", "UnsupportedModel"]
