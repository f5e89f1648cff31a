"""The Python API: verdicts as data.

    >>> from chainrule.teach import check_text, problem_of
    >>> r = check_text("z1 = 0.6478\\ndL/dW1 = -0.0717")       # against the lecture's step
    >>> [(v.name, v.status, v.diagnosis) for v in r.verdicts]
    [('z1', 'correct', None), ('dL/dW1', 'wrong', 'stopped_early')]
    >>> r.to_json()["score"]
    1.0
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckResult:
    verdicts: list
    problem: object
    source: str = ""
    hint: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def marked(self) -> list:
        return [v for v in self.verdicts if v.status not in ("unknown", "duplicate")]

    @property
    def score(self) -> float:
        return float(sum(v.credit for v in self.marked))

    @property
    def total(self) -> int:
        return len(self.marked)

    @property
    def all_correct(self) -> bool:
        return bool(self.marked) and all(v.ok for v in self.marked) and not any(
            v.status in ("unknown", "duplicate") for v in self.verdicts)

    @property
    def first_wrong(self):
        wrong = [v for v in self.verdicts if v.status == "wrong"]
        return min(wrong, key=lambda v: v.quantity.index) if wrong else None

    def to_json(self, lang: str = "en") -> dict:
        from .report import as_json
        return as_json(self, lang)


def problem_of(model: str | None = None, *, steps: int = 1, of: str | None = None):
    """The ``Problem`` (every named quantity) of step ``steps`` of a model file, an expression file, or the
    lecture's example (``model=None``)."""
    from ..commands.explain import _is_expression_file
    from ..explain.errors import UnsupportedModel
    from ..explain.model_file import ModelFileError
    from .quantities import from_graph, layered
    if model is not None and _is_expression_file(model):
        from ..explain.expression_file import explain_expression_file
        sol = explain_expression_file(model, of)
        return from_graph(sol.graph, loss_name=sol.derivation.title_params.get("loss", "L"), step=1)
    from ..explain.examples import SEED
    from ..explain.model_file import load_model_file
    from ..explain.recorder import record_step
    m = load_model_file(model or SEED)
    try:
        rec = record_step(m.model, m.criterion, m.optimizer, m.x, m.y, step=steps)
    except (UnsupportedModel, ModelFileError):
        raise
    if hasattr(rec, "layers"):
        return layered(rec)
    return from_graph(rec, step=steps)


def mark(problem, entries, *, expect=None, carried_credit: float = 1.0, source: str = "", hint: int = 0):
    from .marking import Marker
    verdicts = Marker(problem, entries, expect=expect, carried_credit=carried_credit).mark()
    return CheckResult(verdicts, problem, source, hint)


def check_text(text: str, model: str | None = None, *, path: str = "<solution>", problem=None, expect=None,
               carried_credit: float = 1.0) -> CheckResult:
    """Mark a solution given as text (any form ``teach.reading`` reads) against the real step."""
    from .reading import read_solution
    entries = read_solution(text, path)
    problem = problem if problem is not None else problem_of(model)
    return mark(problem, entries, expect=expect, carried_credit=carried_credit, source=path)


def solve(problem, *, decimals: int = 4, kinds=None) -> dict:
    """The engine's answer to every quantity, rounded to ``decimals`` places: {name as printed: value}."""
    from ..explain.render.numbers import rounded
    return {q.shown: rounded(q.value, decimals) for q in problem.quantities
            if q.kind not in ("input", "before") and (kinds is None or q.kind in kinds)}
