"""Every "done when" model of issue 10 in every format and language, drawn, and on its page.

What a user would observe: the solution of each model renders as text, Markdown, LaTeX and HTML, in
English and Korean, each showing the step's loss to the decimals chosen; its Markdown and LaTeX parse
in KaTeX; ``draw``'s record of the step becomes the layered diagram for a chain of Linear layers and
the graph view — a value and a gradient on every node that has one — for anything else.  The numbers
themselves are compared with PyTorch in ``test_graph_explain.py``.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule.explain import explain_step
from chainrule.explain.step_graph import record_pass
from chainrule.viz import network
from chainrule.viz.graph_view import draw_graph

from .done_when import MODELS
from .helpers import fmt
from .test_formats import katex_failures, latex_formulas, markdown_formulas

FORMATS = ("text", "markdown", "latex", "html")
HANGUL = re.compile("[가-힣]")
LAYERED = {"lecture", "frozen_biases", "log_softmax_nll", "no_biases_half_squared_error"}   # drawn as the lecture's network (the rest as graphs)


def _solution(name):
    chainrule.manual_seed(0)
    return explain_step(*MODELS[name](chainrule))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_format_and_language_shows_the_step(name):
    sol = _solution(name)
    loss = fmt(sol.loss)
    for lang in ("en", "ko"):
        for form in FORMATS:
            out = sol.render(form, lang=lang)
            assert loss in out, (name, lang, form)
            assert bool(HANGUL.search(out)) == (lang == "ko"), (name, lang, form)
    html = sol.render("html")
    if sol.layered:
        assert 'id="cr-diagram"' in html          # the interactive page: the network beside the derivation
    else:
        assert '<figure class="graph-view"><svg' in html


def test_markdown_and_latex_of_every_model_parse_in_katex():
    formulas = []
    for name in sorted(MODELS):
        sol = _solution(name)
        formulas += markdown_formulas(sol.render("markdown")) + latex_formulas(sol.render("latex"))
    failures = katex_failures(formulas)
    assert not failures, failures[:5]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_draw_records_the_step_once_and_shows_every_value_and_gradient(name):
    chainrule.manual_seed(0)
    model, crit, opt, x, y = MODELS[name](chainrule)
    before = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
    graph = record_pass(model, x, y, crit, opt)
    trained = [v for v in graph.parameters() if v.trained]
    for v in trained:                                        # the one step was taken, once
        np.testing.assert_allclose(v.value, before[v.name])
        np.testing.assert_array_equal(v.after, dict(model.named_parameters())[v.name].detach().numpy())
    try:
        state = network.network_state(graph)
    except ValueError:
        assert name not in LAYERED
        svg = draw_graph(graph).svg
        for v in graph.values:
            if v.id in graph.ancestors():
                box = re.search(rf'<g id="value-{v.id}" .*?</g>', svg, re.S)
                assert box is not None, (name, v)
                assert "value " in box.group(0)
                assert ("∂L/∂" in box.group(0)) == (v.grad is not None), (name, v)
        assert all(v.grad is not None for v in trained)
        return
    assert name in LAYERED
    svg = network.draw_network(state).svg
    for layer, (w, _) in zip(state.layers, [(v, None) for v in graph.parameters() if v.name.endswith("weight")]):
        np.testing.assert_array_equal(layer.weight_grad, w.grad)
    assert "∂L/∂W" in svg and 'id="unit-loss"' in svg
