"""Teaching: mark a hand-worked solution like a tutor, generate exercises, grade a class.

* ``quantities``  — every named number of a recorded step (``StepGraph``, read through the derivation's
  symbols and, for a chain of Linear layers, the lecture's flat numbering), each with the quantities it is
  computed from and how (its *recipe*: ``z1 = W1·x1 + W2·x2 + b1``, ``∂L/∂z3 = ∂L/∂σ3·∂σ3/∂z3`` …);
* ``reading``     — a solution in any form a person types: ``name = value`` lines (several per line),
  Markdown tables, CSV, JSON, LaTeX ``align`` rows;
* ``marking``     — the verdicts: correct, correct up to hand rounding (the band carried through the
  recipes at the student's own decimals), carried (wrong only because of the student's own earlier value),
  wrong with a diagnosis from a catalogue, missing; hints;
* ``report``      — the verdicts as text (en/ko), Markdown, HTML, JSON, Gradescope and otter JSON;
* ``exercise``    — problem sheets and answer keys; ``gradebook`` — a folder of submissions.

    >>> from chainrule.teach import check_text
    >>> result = check_text("z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452")
    >>> result.score, result.total
    (3.0, 3)
"""
from __future__ import annotations

from .api import CheckResult, check_text, problem_of, solve

__all__ = ["CheckResult", "check_text", "problem_of", "solve"]
