"""The seed's SVG diagram on its own in Chromium, the page in a notebook, and pages for other models.

* The diagram: valid XML, and Chromium draws it — 9 parameter edges, 6 unit values, the reference
  numbers as visible text, a non-blank screenshot.
* Jupyter: ``Solution._repr_html_`` is a fragment; two of them on one page (two notebook outputs)
  work independently, keys act on the output that has focus.
* Other models: a hidden unit feeding two outputs (W1's path is every edge above it), tanh with an
  identity output and a batch of 3, and a model large enough for the matrix form (whose layers, not
  parameters, are selectable).
"""
from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.explain import explain_step
from chainrule.explain.render import numbers

SEED_NUMBERS = ["0.4352", "0.3545", "0.1951", "0.4835", "-0.1725", "0.1129", "-0.1419", "0.0439", "-0.3043",
                "0.6478", "0.6565", "0.7225", "0.6732", "-0.3415", "0.4154", "0.5369", "0.2727", "-0.4452"]


def non_white_pixels(png: bytes) -> int:
    from PIL import Image
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return int((img < 200).sum())


def test_seed_svg_is_xml_and_rendered_by_chromium(watched, output_dir):
    from chainrule.viz.network import seed_diagram
    svg = seed_diagram().svg
    root = ET.fromstring(svg)                                  # an XML parser accepts it
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    path = os.path.join(output_dir, "seed.svg")
    with open(path, "w", encoding="utf-8") as f:
        f.write(svg)
    url = "file://" + os.path.abspath(path)
    page = watched.page
    page.goto(url)
    assert page.evaluate("document.documentElement.namespaceURI") == "http://www.w3.org/2000/svg"
    params = page.eval_on_selector_all("[id^=edge-][data-param]", "es => es.map(e => e.dataset.param)")
    assert sorted(params) == sorted([f"W{i}" for i in range(1, 7)] + ["b1", "b2", "b3"])
    assert page.eval_on_selector_all(".half", "es => es.length") == 6
    box = page.evaluate("(() => { const b = document.documentElement.getBBox(); return [b.width, b.height]; })()")
    assert box[0] > 500 and box[1] > 200
    shown = page.evaluate("Array.from(document.querySelectorAll('text')).filter(t => t.getBBox().width > 0)"
                          ".map(t => t.textContent).join(' ')")
    for value in SEED_NUMBERS:
        assert value in shown, value
    png = page.screenshot(path=os.path.join(output_dir, "seed-diagram.png"))
    assert non_white_pixels(png) > 5000
    assert watched.errors == [] and watched.requests == [url]


def seed_solution():
    from chainrule.viz.network import seed_model
    model = seed_model()
    x = chainrule.tensor([[1.0, 1.0]], dtype=chainrule.float64)
    y = chainrule.tensor([[0.0]], dtype=chainrule.float64)
    return explain_step(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=1.0), x, y)


def test_jupyter_fragments_work_side_by_side(watched, output_dir):
    html = seed_solution()._repr_html_()
    assert not html.lstrip().lower().startswith("<!doctype") and "<html" not in html
    page = watched.page
    page.set_content(f'<!DOCTYPE html><html><body><div class="output">{html}</div>'
                     f'<div class="output">{html}</div></body></html>')
    page.wait_for_function("Array.from(document.querySelectorAll('.cr-page')).every(p => p.dataset.crReady)")
    first, second = page.locator(".cr-page").nth(0), page.locator(".cr-page").nth(1)
    second.locator("#label-W1").click()
    assert second.get_attribute("data-selected") == "W1"
    assert first.get_attribute("data-selected") is None
    assert first.locator(".cr-net .cr-on").count() == 0
    second.locator(".cr-head h1").click()                      # focus the second output, then use the keys
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert second.get_attribute("data-phase") == "loss"
    assert first.get_attribute("data-phase") == "overview"
    page.screenshot(path=os.path.join(output_dir, "two-outputs.png"))
    assert watched.errors == [] and watched.requests == []


def _solution(layers, loss, x, y, **kw):
    model = nn.Sequential(*layers).to(chainrule.float64)
    return explain_step(model, loss, optim.SGD(model.parameters(), lr=0.5),
                        chainrule.tensor(x, dtype=chainrule.float64),
                        chainrule.tensor(y, dtype=chainrule.float64), **kw)


def _open(watched, tmp_path, solution, name="page.html"):
    path = tmp_path / name
    path.write_text(solution.render("html"), encoding="utf-8")
    url = path.as_uri()
    watched.page.goto(url)
    watched.page.wait_for_function("document.querySelector('.cr-page').dataset.crReady === '1'")
    return url


def test_a_unit_feeding_two_outputs_lights_both_paths(watched, tmp_path, output_dir):
    x = [[1.0, -0.5], [0.3, 0.8], [-1.2, 0.4]]
    y = [[0.5, -0.2], [0.1, 0.3], [-0.4, 0.9]]
    sol = _solution([nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2)], nn.MSELoss(), x, y)
    page = watched.page
    url = _open(watched, tmp_path, sol)
    page.click("#label-W1")
    on = set(page.eval_on_selector_all(".cr-net .cr-on[id]", "es => es.map(e => e.id)"))
    assert {e for e in on if e.startswith("edge-")} == {"edge-W1", "edge-W5", "edge-W7", "edge-out3", "edge-out4"}
    assert {e for e in on if e.startswith("unit-")} == {"unit-x1", "unit-z1", "unit-a1", "unit-z3", "unit-z4",
                                                         "unit-loss"}
    layer = sol.record.layers[0]
    card = re.sub(r"\s+", "", page.inner_text(".cr-card:not([hidden])"))
    for v in (layer.weight[0, 0], layer.weight_grad[0, 0], layer.weight_after[0, 0]):
        neg, mant, _ = numbers.split(v, 4)
        assert ("-" if neg else "") + mant in card
    # ∂L/∂a1 stays one factor (a1 feeds two units): its sum over the two paths is marked as defining it
    factors = page.eval_on_selector_all(".cr-main mrow.cr-factor.cr-on", "fs => fs.map(f => f.dataset.factor)")
    assert sorted(set(factors)) == ["W1.0", "W1.1", "W1.2"]
    defs = page.eval_on_selector_all(".cr-block.cr-def", "bs => bs.map(b => b.dataset.defines)")
    assert "L/a-0-0" in defs
    page.screenshot(path=os.path.join(output_dir, "two-outputs-W1.png"))
    assert watched.errors == [] and watched.requests == [url]


def test_matrix_form_page_steps_with_layers_not_parameters(watched, tmp_path, output_dir):
    rng = np.random.default_rng(0)
    sol = _solution([nn.Linear(30, 12), nn.ReLU(), nn.Linear(12, 3)], nn.MSELoss(),
                    rng.normal(size=(4, 30)), rng.normal(size=(4, 3)))
    page = watched.page
    url = _open(watched, tmp_path, sol)
    assert page.eval_on_selector_all(".cr-main [data-param], .cr-card[data-param]", "es => es.length") == 0
    assert "matrix form" in page.inner_text(".cr-hint")
    for phase in ("forward", "loss", "backward", "update"):
        page.keyboard.press("ArrowRight")
        assert page.get_attribute(".cr-page", "data-phase") == phase
    page.screenshot(path=os.path.join(output_dir, "matrix-form.png"))
    assert watched.errors == [] and watched.requests == [url]


def test_missing_browser_fails_under_the_test_script_and_skips_elsewhere(monkeypatch):
    from tests.browser_support import _unavailable
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("CHAINRULE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed.*must run here"):
        _unavailable("Chromium is not installed: apt-get install chromium")
    monkeypatch.delenv("CHAINRULE_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        _unavailable("Chromium is not installed: apt-get install chromium")


@pytest.mark.parametrize("make_opt, steps, n_update_blocks", [
    (lambda p: optim.SGD(p, lr=0.3, momentum=0.9, weight_decay=0.01), 2, 2),     # buffer, then the step
    (lambda p: optim.Adam(p, lr=0.05), 3, 5),                                    # m, v, m̂, v̂, the step
])
def test_optimizer_updates_belong_to_the_update_phase(watched, tmp_path, output_dir, make_opt, steps,
                                                      n_update_blocks):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3)).to(chainrule.float64)
    x = chainrule.tensor([[0.5, -1.0], [1.5, 0.2]], dtype=chainrule.float64)
    y = chainrule.tensor([2, 0])
    sol = explain_step(model, nn.CrossEntropyLoss(), make_opt(model.parameters()), x, y, step=steps)
    page = watched.page
    url = _open(watched, tmp_path, sol)
    page.click("button.cr-phase[data-phase=update]")
    page.click("#label-b1")
    blocks = page.eval_on_selector_all('.cr-block[data-param="b1"]',
                                       "bs => bs.filter(b => b.offsetParent !== null).map(b => b.dataset.role)")
    assert blocks == ["update"] * n_update_blocks
    after = sol.record.layers[0].bias_after[0]
    neg, mant, _ = numbers.split(after, 4)
    assert ("-" if neg else "") + mant in re.sub(r"\s+", "", page.inner_text(".cr-card:not([hidden])"))
    on = set(page.eval_on_selector_all(".cr-net .cr-on[id]", "es => es.map(e => e.id)"))
    assert {"edge-b1", "edge-W7", "edge-W10", "edge-W13", "unit-a1", "unit-z4", "unit-z6", "unit-loss"} <= on
    assert "unit-a2" not in on
    page.screenshot(path=os.path.join(output_dir, "b1-update.png"))
    assert watched.errors == [] and watched.requests == [url]


def _matrix_page(watched, tmp_path):
    rng = np.random.default_rng(0)
    sol = _solution([nn.Linear(30, 12), nn.ReLU(), nn.Linear(12, 3)], nn.MSELoss(),
                    rng.normal(size=(4, 30)), rng.normal(size=(4, 3)))
    return _open(watched, tmp_path, sol)


def _lit(page, selector, cls="cr-on"):
    """Ids (diagram) or data-layer-role + math text (blocks) carrying ``cls``."""
    return page.eval_on_selector_all(f"{selector}.{cls}", "es => es.map(e => e.id || e.dataset.layer)")


def test_matrix_form_selecting_a_layer_on_the_diagram_shows_its_equations(watched, tmp_path, output_dir):
    page = watched.page
    url = _matrix_page(watched, tmp_path)
    page.keyboard.press("ArrowRight")                                       # forward: a selection moves on
    # a unit of layer 2 (unit 13 is its first: layer 1 has 12 units) selects layer 2
    page.click("#unit-z13")
    assert page.get_attribute(".cr-page", "data-selected-layer") == "2"
    assert page.get_attribute(".cr-page", "data-phase") == "backward"
    lit = set(_lit(page, ".cr-net [id]"))
    assert {"unit-z13", "unit-z15", "bias-2", "edge-W361", "edge-b13"} <= lit   # W361: layer 2's first weight
    assert not any(i in lit for i in ("unit-z1", "edge-W1", "bias-1", "edge-b1"))
    assert set(_lit(page, ".cr-net .unit", "cr-in")) >= {"unit-1", "unit-12", "unit-13"}  # its inputs stay bright
    assert "unit-x1" not in _lit(page, ".cr-net .unit", "cr-in")
    # its matrix equations: δ⁽²⁾, ∂L/∂W⁽²⁾, ∂L/∂b⁽²⁾ (and the update rule) are marked, layer 1's are not
    roles = page.eval_on_selector_all(".cr-block.cr-on", "bs => bs.map(b => [b.dataset.layer, b.dataset.layerRole])")
    assert sorted(roles) == [["2", "delta"], ["2", "grad"], ["2", "grad"]]
    assert page.eval_on_selector_all(".cr-block.cr-upd", "bs => bs.length") == 1
    delta = re.sub(r"\s+", "", page.inner_text(".cr-block.cr-on[data-layer-role=delta]"))
    assert delta.startswith("𝛿(2)=") and "[3×4]" in delta           # δ⁽²⁾ = ∂L/∂z⁽²⁾, 3 units × 4 samples
    card = page.locator('.cr-card[data-layer="2"]')
    assert card.is_visible() and "Linear(12, 3)" in card.inner_text()
    assert page.locator('.cr-card[data-layer="1"]').is_hidden()
    assert page.eval_on_selector_all("tr[data-layer].cr-on", "rs => rs.map(r => r.dataset.layer)") == ["2", "2"]
    # edges of unselected layers are dimmed
    assert page.eval_on_selector("#edge-W1", "e => getComputedStyle(e).opacity") == "0.22"
    page.screenshot(path=os.path.join(output_dir, "matrix-layer-2.png"))
    # Esc clears; an edge line of layer 1 selects layer 1
    page.keyboard.press("Escape")
    assert page.get_attribute(".cr-page", "data-selected-layer") is None
    x, y = page.eval_on_selector("#edge-W1 line", """l => {
        const p = l.getPointAtLength(0.5 * l.getTotalLength()).matrixTransform(l.getScreenCTM());
        return [p.x, p.y]; }""")
    page.mouse.click(x, y)
    assert page.get_attribute(".cr-page", "data-selected-layer") == "1"
    assert "edge-W1" in _lit(page, ".cr-net [id]") and "unit-z13" not in _lit(page, ".cr-net [id]")
    assert watched.errors == [] and watched.requests == [url]


def test_matrix_form_selecting_a_layer_in_the_derivation(watched, tmp_path, output_dir):
    page = watched.page
    url = _matrix_page(watched, tmp_path)
    page.click("button.cr-phase[data-phase=backward]")
    page.click(".cr-block[data-layer='1'][data-layer-role=delta]")
    assert page.get_attribute(".cr-page", "data-selected-layer") == "1"
    assert {"unit-z1", "bias-1", "edge-W1"} <= set(_lit(page, ".cr-net [id]"))
    roles = page.eval_on_selector_all(".cr-block.cr-on", "bs => bs.map(b => [b.dataset.layer, b.dataset.layerRole])")
    assert sorted(roles) == [["1", "delta"], ["1", "grad"], ["1", "grad"]]
    # a row of the per-layer table selects too, also by keyboard
    page.click("button.cr-phase[data-phase=overview]")
    page.focus("tr[data-layer='2']")
    page.keyboard.press("Enter")
    assert page.get_attribute(".cr-page", "data-selected-layer") == "2"
    page.screenshot(path=os.path.join(output_dir, "matrix-layer-from-table.png"))
    assert watched.errors == [] and watched.requests == [url]
