"""``chainrule explain``: one real training step as a worked, verified solution (the lecture's 풀이).

``explain_step(model, criterion, optimizer, x, y)`` returns a ``Solution`` (``.render(format, lang)``);
``explain_backward(scalar)`` explains a graph already built.  The pieces: ``step_graph`` (the one record
of the step), ``graph_builder`` and ``build`` (the generic derivation, and the lecture's layered
presentation of the same record), ``chain`` / ``honest`` (every product checked against autograd, every
printed row audited), ``derivation`` (language-neutral, each symbol naming its value), ``render/*`` and
``locales/*``.  docs/architecture.md walks through it.
"""
from .api import Solution, explain_backward, explain_step
from .errors import ChainRuleMismatch, UnsupportedModel

__all__ = ["explain_step", "explain_backward", "Solution", "ChainRuleMismatch", "UnsupportedModel"]
