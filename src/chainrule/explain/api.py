"""The Python API: ``explain_step(model, criterion, optimizer, x, y)`` → a ``Solution``.

    >>> from chainrule.explain import explain_step
    >>> sol = explain_step(model, criterion, optimizer, x, y)      # runs one real training step
    >>> print(sol)                                                 # the worked solution, as text
    >>> sol.render("markdown", lang="ko")                          # 순전파 … in Markdown + LaTeX
    >>> sol                                                        # in Jupyter: rendered HTML

The step is really taken (the model's parameters change, as with ``optimizer.step()``).
"""
from __future__ import annotations

from .build import DEFAULT_MAX_SCALAR, Builder
from .locale import messages
from .recorder import record_step
from .render import render


class Solution:
    """A worked, verified solution of one training step; renders to text, Markdown, LaTeX or HTML."""

    def __init__(self, derivation, record, lang: str = "en"):
        self.derivation = derivation
        self.record = record
        self.lang = lang

    def render(self, format: str = "text", lang: str | None = None) -> str:  # noqa: A002 - the natural name
        if format == "html":   # the interactive page: diagram beside the derivation (render/interactive.py)
            from .render.interactive import page
            return page(self, messages(lang or self.lang))
        return render(self.derivation, format, messages(lang or self.lang))

    def __str__(self) -> str:
        return self.render("text")

    def __repr__(self) -> str:
        return f"<Solution of training step {self.record.step}: loss {self.record.loss:.6g}>"

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def _repr_html_(self) -> str:
        from .render.interactive import fragment
        return fragment(self, messages(self.lang))

    @property
    def loss(self) -> float:
        return self.record.loss


def explain_step(model, criterion, optimizer, x, y, *, step: int = 1, decimals: int = 4, hand: bool = False,
                 numeric: bool = False, notation: str = "flat", form: str = "auto",
                 max_scalar: int = DEFAULT_MAX_SCALAR, lang: str = "en", verify_torch: bool = False) -> Solution:
    """Run training steps 1…``step`` and explain the last one, checked against autograd.

    ``form``: "scalar" (every unit, the post's way), "matrix" (δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾) with
    shapes and per-layer statistics) or "auto" (scalar up to ``max_scalar`` parameters).
    Raises ``UnsupportedModel`` for models it cannot describe and ``ChainRuleMismatch`` when a
    chain-rule product disagrees with autograd.
    """
    torch_rows = None
    if verify_torch:
        from .torch_check import torch_reference
        torch_rows = torch_reference(model, criterion, optimizer, x, y, step)
    rec = record_step(model, criterion, optimizer, x, y, step=step, numeric=numeric)
    if torch_rows is not None:
        torch_rows = torch_rows(rec)
    builder = Builder(rec, decimals=decimals, hand=hand, notation=notation, form=form, max_scalar=max_scalar,
                      torch_record=torch_rows)
    return Solution(builder.build(), rec, lang)
