"""The interactive page without a browser: one self-contained file, and the data its script uses.

These run everywhere (no Chromium needed); the browser tests check what a reader then sees.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from tests.explain.helpers import run_cli


def _page(*flags) -> str:
    code, out, err = run_cli("explain", "--format", "html", *flags)
    assert code == 0, err
    return out


def _data(html: str) -> dict:
    raw = re.search(r'<script type="application/json" class="cr-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(raw.replace("<\\/", "</"))


def test_page_is_one_file_that_fetches_nothing():
    html = _page()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"""\b(src|href|xlink:href|action)\s*=""", html, re.I)
    assert not re.search(r"<(link|iframe|img|object|embed|base)\b", html, re.I)
    assert "url(" not in html and "@import" not in html and "@font-face" not in html
    assert not re.search(r"\b(fetch|XMLHttpRequest|WebSocket|EventSource|import)\s*\(", html)
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    ET.fromstring(svg)                                         # the inline diagram is well-formed XML
    assert html.count("<math") > 100                           # the derivation as MathML


def test_data_comes_from_the_derivation():
    data = _data(_page())
    assert data["phases"] == ["overview", "forward", "loss", "backward", "update"]
    # the post's order: the last layer's parameters first
    assert list(data["params"]) == ["W5", "W6", "b3", "W1", "W2", "W3", "W4", "b1", "b2"]
    w1 = data["params"]["W1"]
    assert w1["values"] == {"before": "0.4352", "grad": "-0.0162", "after": "0.4514"}
    assert w1["path"]["units"] == ["unit-x1", "unit-z1", "unit-sigma1", "unit-z3", "unit-sigma3", "unit-loss"]
    assert [e for e in w1["path"]["edges"] if e.startswith("edge-")] == ["edge-W1", "edge-W5", "edge-out3"]
    # ∂L/∂σ3 · ∂σ3/∂z3 · ∂z3/∂σ1 · ∂σ1/∂z1 · ∂z1/∂W1, each placed on the diagram
    assert [f["diagram"] for f in w1["factors"]] == [
        ["unit-loss", "unit-sigma3", "edge-out3"], ["unit-sigma3", "unit-z3"],
        ["unit-z3", "unit-sigma1", "edge-W5", "label-W5"], ["unit-sigma1", "unit-z1"],
        ["unit-z1", "edge-W1", "label-W1"]]


def test_every_phase_has_content_and_blocks_are_tagged():
    html = _page("--lang", "ko")
    phases = re.findall(r'<div class="cr-block" data-phase="(\w+)"', html)
    assert {"overview", "forward", "loss", "backward", "update"} <= set(phases)
    # every parameter's update equation belongs to the update phase, its gradient to backward
    for name in ("W1", "W5", "b3"):
        assert re.search(rf'data-phase="update" data-param="{name}" data-role="update"', html)
        assert re.search(rf'data-phase="backward" data-param="{name}" data-role="grad" id="cr-grad-{name}"', html)
    assert '<html lang="ko">' in html and "순전파" in html and "갱신" in html


def test_symbols_of_either_notation_find_their_place_on_the_diagram():
    """The page finds a symbol's place from the value it names (``Sym.ref``/``elem``), never its digits."""
    from dataclasses import replace
    from types import SimpleNamespace

    import numpy as np

    from chainrule.explain.naming import Names
    from chainrule.explain.render.interactive import DiagramIndex
    from chainrule.viz.network import parameter_names

    sizes, kinds = [3, 11, 2, 2], ["tanh", "sigmoid", "identity"]
    layers, ids = [], iter(range(100, 200))
    for i, o, k in zip(sizes[:-1], sizes[1:], kinds):
        own = {"weight": next(ids), "bias": next(ids), "z": next(ids)}
        own["a"] = own["z"] if k == "identity" else next(ids)
        layers.append(SimpleNamespace(weight=np.zeros((o, i)), bias=np.zeros(o), activation=SimpleNamespace(kind=k),
                                      ids=own))
    record = SimpleNamespace(layers=layers, ids={"x": 1, "out": layers[-1].ids["a"], "loss": 2})
    record.refs = lambda: {**record.ids, "layers": [L.ids for L in layers]}
    index = DiagramIndex(record)
    drawn = parameter_names(sizes)                             # the diagram's own numbering
    for notation in ("flat", "indexed"):
        nm = Names(sizes, kinds, notation, refs=record.refs())
        for l, (wn, bn) in enumerate(drawn):
            for j in range(sizes[l + 1]):
                assert index.ids(index.of(nm.b(l, j)))[0] == f"edge-{bn[j]}"
                for i in range(sizes[l]):
                    assert index.ids(index.of(nm.W(l, j, i)))[0] == f"edge-{wn[j, i]}"
        assert index.ids(index.of(nm.a(0, 10))) == ["unit-a11"]
        assert index.ids(index.of(nm.a(1, 0))) == ["unit-sigma12"]
        assert index.ids(index.of(nm.a(2, 1))) == ["unit-z15"]       # no activation: the output is z
        assert index.of(nm.loss()) == ("L",) and index.ids(index.of(nm.x(2))) == ["unit-x3"]
    w1 = Names(sizes, kinds, refs=record.refs()).W(0, 0, 0)
    assert index.ids(index.of(replace(w1, sub="99")))[0] == "edge-W1"     # the subscript is not read back
    for not_a_parameter in (w1.__class__("W", sub="n", time="t"), w1.__class__("W", sub="5"),
                            Names(sizes, kinds).W(0, 0, 0)):            # no value named: nothing to light
        assert index.of(not_a_parameter) is None


def _models():
    from chainrule import nn
    return [
        ([nn.Linear(2, 2, bias=False), nn.LeakyReLU(), nn.Linear(2, 1)], nn.BCEWithLogitsLoss(), [[1., 2.]], [[1.]]),
        ([nn.Linear(2, 3), nn.Softplus(), nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1)], nn.L1Loss(),
         [[1., 2.], [0.5, -1]], [[1.], [0.]]),
        ([nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()], nn.BCELoss(),
         [[1., 2., 3.]], [[1.]]),
    ]


def test_every_id_the_script_lights_exists_in_the_diagram():
    import chainrule
    from chainrule import optim
    from chainrule.explain import explain_step
    for layers, loss, x, y in _models():
        model = chainrule.nn.Sequential(*layers).to(chainrule.float64)
        sol = explain_step(model, loss, optim.SGD(model.parameters(), lr=0.1),
                           chainrule.tensor(x, dtype=chainrule.float64), chainrule.tensor(y, dtype=chainrule.float64))
        html = sol.render("html")
        data = _data(html)
        svg_ids = set(re.findall(r'id="([^"]+)"', re.search(r"<svg .*?</svg>", html, re.S).group(0)))
        n_params = sum(L.weight.size + (0 if L.bias is None else L.bias.size) for L in sol.record.layers)
        assert len(data["params"]) == n_params
        for p in data["params"].values():
            ids = p["path"]["edges"] + p["path"]["units"] + [i for f in p["factors"] for i in f["diagram"]]
            assert set(ids) <= svg_ids, p["name"]
            assert p["factors"] and p["block"] in html


def _matrix_html(lang="en") -> str:
    import numpy as np

    import chainrule
    from chainrule import nn, optim
    from chainrule.explain import explain_step
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Linear(14, 11), nn.Sigmoid(), nn.Linear(11, 2)).to(chainrule.float64)
    sol = explain_step(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
                       chainrule.tensor(rng.normal(size=(3, 14))), chainrule.tensor(rng.normal(size=(3, 2))),
                       lang=lang, form="matrix")
    return sol.render("html")


def test_matrix_form_data_names_each_layers_drawn_ids_and_equations():
    html = _matrix_html()
    data = _data(html)
    assert data["params"] == {} and sorted(data["layers"]) == ["1", "2"]
    svg_ids = set(re.findall(r' id="([^"]+)"', html[html.index("<svg"):html.index("</svg>")]))
    block_ids = set(re.findall(r'<div class="cr-block"[^>]* id="([^"]+)"', html))
    first, second = data["layers"]["1"], data["layers"]["2"]
    assert first["name"] == "Linear(14, 11) → sigmoid" and second["name"] == "Linear(11, 2)"
    for layer in (first, second):
        assert set(layer["edges"] + layer["units"] + layer["sources"]) <= svg_ids        # only what is drawn
        assert {b["id"] for b in layer["blocks"]} <= block_ids
        assert sorted(b["role"] for b in layer["blocks"]) == sorted(
            ["delta", "grad", "grad", "update"] + ["forward"] * (2 if layer is first else 1))
    # layer 1: 10 of its 11 units drawn (z and σ halves) and 10 of 14 inputs: 100 weight edges + 10 biases
    assert len(first["edges"]) == 110 and "edge-W1" in first["edges"] and "unit-sigma1" in first["units"]
    assert len(second["edges"]) == 2 * 11 and "unit-z12" in second["units"] and "unit-sigma1" in second["sources"]
    assert not set(first["edges"]) & set(second["edges"])
    assert html.count('<div class="cr-card" data-layer=') == 2


def test_korean_matrix_page_draws_the_lectures_words():
    html = _matrix_html("ko")
    svg = html[html.index("<svg"):html.index("</svg>")]
    for word in (">입력층<", ">은닉층 1 (sigmoid)<", ">출력층 2<", ">오차<"):
        assert word in svg
    assert "edge labels" not in svg and ">input<" not in svg
    assert "계층(그림의 유닛" in html                         # the hint says what can be selected
