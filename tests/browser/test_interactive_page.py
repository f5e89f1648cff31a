"""The interactive HTML solution in a real browser (headless Chromium): what a reader sees and clicks.

The page is the one ``chainrule explain --format html`` writes for the lecture's example.  Each test
steps or clicks as a reader would, then checks what is shown — phases, the highlighted chain-rule
path (diagram ids), the values — and that the page logged no error and fetched nothing but itself.
Screenshots go to test-output/<test name>/.
"""
from __future__ import annotations

import os
import re

import pytest

from tests.explain.helpers import run_cli

SEED_VALUES = {"W1": ("0.4352", "-0.0162", "0.4514"), "W5": ("-0.1725", "0.2727", "-0.4452"),
               "b3": ("-0.3043", "0.4154", "-0.7197")}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    out = {}
    for lang in ("en", "ko"):
        path = folder / f"seed-{lang}.html"
        code, _, err = run_cli("explain", "--format", "html", "--lang", lang, "-o", str(path))
        assert code == 0, err
        out[lang] = path
    return out


def open_page(watched, path):
    url = path.as_uri()
    watched.page.goto(url)
    watched.page.wait_for_function("document.querySelector('.cr-page').dataset.crReady === '1'")
    return url


def assert_clean(watched, url):
    """No console error or warning, no page error, and the only request is the file itself."""
    assert watched.errors == []
    assert watched.requests == [url]


def shown_phases(page) -> set:
    """The phases of the derivation blocks a reader can see now."""
    return set(page.eval_on_selector_all(".cr-block", "bs => bs.filter(b => b.offsetParent !== null)"
                                                       ".map(b => b.dataset.phase)"))


def numbers_shown(page, selector) -> str:
    """The visible text with all white space removed (MathML puts -, digits and × on separate lines)."""
    return re.sub(r"\s+", "", page.inner_text(selector))


def visibility(page, selector) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).visibility")


def click_edge(page, name, t=0.85):
    """Click on the drawn line of a parameter's edge, at fraction ``t`` of its length (clear of its label)."""
    x, y = page.eval_on_selector(f"#edge-{name} line", """(l, t) => {
        const p = l.getPointAtLength(t * l.getTotalLength()).matrixTransform(l.getScreenCTM());
        return [p.x, p.y]; }""", t)
    page.mouse.click(x, y)


def highlighted(page, cls="cr-on") -> set:
    return set(page.eval_on_selector_all(f".cr-net .{cls}[id]", "es => es.map(e => e.id)"))


def test_phases_step_with_buttons_and_arrow_keys(watched, pages, output_dir):
    page = watched.page
    url = open_page(watched, pages["en"])
    assert page.get_attribute(".cr-page", "data-phase") == "overview"
    assert shown_phases(page) == {"overview", "forward", "loss", "backward", "update"}
    page.screenshot(path=os.path.join(output_dir, "0-overview.png"))

    page.click("button.cr-phase[data-phase=forward]")
    assert page.get_attribute(".cr-page", "data-phase") == "forward"
    assert shown_phases(page) == {"forward"}
    main = numbers_shown(page, ".cr-main")
    assert "0.6478" in main and "0.6565" in main and "0.4154" in main          # z1, σ1, σ3
    assert "0.5369" not in main                                                # the loss comes next
    assert visibility(page, "#label-W5 .grad") == "hidden"                     # no gradients yet
    assert visibility(page, "#unit-sigma3") == "visible"
    page.screenshot(path=os.path.join(output_dir, "1-forward.png"))

    page.keyboard.press("ArrowRight")
    assert page.get_attribute(".cr-page", "data-phase") == "loss"
    assert shown_phases(page) == {"loss"}
    assert "0.5369" in numbers_shown(page, ".cr-main")
    page.screenshot(path=os.path.join(output_dir, "2-loss.png"))

    page.keyboard.press("ArrowRight")
    assert shown_phases(page) == {"backward"}
    main = numbers_shown(page, ".cr-main")
    assert "1.7107" in main and "0.2727" in main and "-0.0162" in main
    assert "0.4514" not in main                                                # W1's update is not shown yet
    assert visibility(page, "#label-W5 .grad") == "visible"
    assert visibility(page, "#label-W5 .after") == "hidden"
    page.screenshot(path=os.path.join(output_dir, "3-backward.png"))

    page.keyboard.press("ArrowRight")
    assert shown_phases(page) == {"update"}
    main = numbers_shown(page, ".cr-main")
    assert "0.4514" in main and "-0.4452" in main and "-0.7197" in main
    assert visibility(page, "#label-W5 .after") == "visible"
    assert page.is_disabled("button.cr-next")
    page.keyboard.press("ArrowRight")                                          # stays on the last phase
    assert page.get_attribute(".cr-page", "data-phase") == "update"
    page.screenshot(path=os.path.join(output_dir, "4-update.png"))

    page.keyboard.press("ArrowLeft")
    assert page.get_attribute(".cr-page", "data-phase") == "backward"
    page.click("button.cr-prev")
    assert page.get_attribute(".cr-page", "data-phase") == "loss"
    assert page.get_attribute("button.cr-phase[data-phase=loss]", "aria-pressed") == "true"
    assert_clean(watched, url)


W1_PATH_EDGES = {"edge-W1", "edge-W5", "edge-out3"}
W1_PATH_UNITS = {"unit-x1", "unit-z1", "unit-sigma1", "unit-z3", "unit-sigma3", "unit-loss"}


def test_clicking_W1_on_the_diagram_highlights_its_chain_rule_path(watched, pages, output_dir):
    page = watched.page
    url = open_page(watched, pages["en"])
    click_edge(page, "W1")
    assert page.get_attribute(".cr-page", "data-selected") == "W1"
    on = highlighted(page)
    assert {e for e in on if e.startswith("edge-")} == W1_PATH_EDGES
    assert {e for e in on if e.startswith("unit-")} == W1_PATH_UNITS         # through z1, σ1, z3, σ3
    assert highlighted(page, "cr-sel") == {"edge-W1"}
    # the card shows W1's value, gradient and new value
    card = numbers_shown(page, ".cr-card:not([hidden])")
    assert all(v in card for v in SEED_VALUES["W1"])
    # the gradient equation is highlighted and its five factors, in symbols and numbers
    grad = page.locator("#cr-grad-W1")
    assert "cr-on" in grad.get_attribute("class") and grad.is_visible()
    factors = page.eval_on_selector_all(".cr-main mrow.cr-factor.cr-on",
                                        "fs => fs.map(f => [f.dataset.factor, f.textContent.trim()])")
    numbers = [t for _, t in factors if re.fullmatch(r"[-\d.]+", t)]
    assert numbers == ["1.7107", "0.2428", "-0.1725", "0.2255", "1"]
    assert len(factors) == 10 and {f for f, _ in factors} == {f"W1.{k}" for k in range(5)}
    # the equations that compute the factors ∂L/∂σ3, ∂σ3/∂z3, ∂σ1/∂z1 are marked
    defs = page.eval_on_selector_all(".cr-main .cr-block.cr-def", "bs => bs.map(b => b.textContent)")
    assert len(defs) == 3 and any("1.7107" in d for d in defs) and any("0.2255" in d for d in defs)
    page.screenshot(path=os.path.join(output_dir, "W1-selected.png"))

    # hovering the factor ∂z3/∂σ1 (= W5) lights up W5's edge on the diagram
    page.hover(".cr-main mrow.cr-factor[data-factor='W1.2']")
    assert "edge-W5" in highlighted(page, "cr-focus")
    page.screenshot(path=os.path.join(output_dir, "W1-factor-hover.png"))
    page.mouse.move(5, 5)
    assert "edge-W5" not in highlighted(page, "cr-focus")

    page.keyboard.press("Escape")
    assert highlighted(page) == set() and page.get_attribute(".cr-page", "data-selected") is None
    assert_clean(watched, url)


@pytest.mark.parametrize("name, edges, units", [
    ("W5", {"edge-W5", "edge-out3"}, {"unit-sigma1", "unit-z3", "unit-sigma3", "unit-loss"}),
    ("b1", {"edge-b1", "edge-W5", "edge-out3"}, {"unit-z1", "unit-sigma1", "unit-z3", "unit-sigma3", "unit-loss"}),
    ("b3", {"edge-b3", "edge-out3"}, {"unit-z3", "unit-sigma3", "unit-loss"}),
])
def test_selecting_a_table_row_highlights_that_parameter(watched, pages, output_dir, name, edges, units):
    page = watched.page
    url = open_page(watched, pages["en"])
    page.click("button.cr-phase[data-phase=update]")
    page.click(f".cr-main tr[data-param={name}]:visible")
    assert page.get_attribute(".cr-page", "data-selected") == name
    on = highlighted(page)
    assert {e for e in on if e.startswith("edge-")} == edges
    assert {e for e in on if e.startswith("unit-")} == units
    if name in SEED_VALUES:
        card = numbers_shown(page, ".cr-card:not([hidden])")
        assert all(v in card for v in SEED_VALUES[name])
    assert page.get_attribute(".cr-page", "data-phase") == "update"           # selecting keeps the phase
    page.screenshot(path=os.path.join(output_dir, f"{name}-from-table.png"))
    page.keyboard.press("Escape")
    page.focus(".cr-main tr[data-param=W6]:visible")                          # keyboard only: Tab to a row,
    page.keyboard.press("Enter")                                               # Enter selects it
    assert page.get_attribute(".cr-page", "data-selected") == "W6"
    assert_clean(watched, url)


def test_clicking_an_edge_label_selects_it_and_switches_from_forward_to_backward(watched, pages, output_dir):
    page = watched.page
    url = open_page(watched, pages["en"])
    page.keyboard.press("ArrowRight")
    assert page.get_attribute(".cr-page", "data-phase") == "forward"
    page.click("#label-W5")
    assert page.get_attribute(".cr-page", "data-selected") == "W5"
    assert page.get_attribute(".cr-page", "data-phase") == "backward"         # the gradient is shown
    assert page.locator("#cr-grad-W5").is_visible()
    page.click(".cr-diagram svg", position={"x": 8, "y": 8})                   # empty space clears
    assert page.get_attribute(".cr-page", "data-selected") is None
    assert_clean(watched, url)


def test_korean_page(watched, pages, output_dir):
    page = watched.page
    url = open_page(watched, pages["ko"])
    assert page.get_attribute("html", "lang") == "ko"
    bar = page.inner_text(".cr-bar")
    for word in ("전체 보기", "순전파", "오차", "역전파", "갱신"):
        assert word in bar
    text = page.inner_text(".cr-page")          # the lecture's gloss at the term's first use (the title), once
    assert text.count("순전파(Forward Propagation)") == 1 and "순전파 풀이" in page.inner_text(".cr-main")
    assert "은닉층 1" in page.inner_text(".cr-diagram") and "입력" in page.inner_text(".cr-diagram")
    assert "Layer #" not in text
    page.keyboard.press("ArrowRight")
    assert shown_phases(page) == {"forward"}
    click_edge(page, "W1")
    card = numbers_shown(page, ".cr-card:not([hidden])")
    assert "갱신후" in card and all(v in card for v in SEED_VALUES["W1"])
    assert {e for e in highlighted(page) if e.startswith("unit-")} == W1_PATH_UNITS
    page.screenshot(path=os.path.join(output_dir, "ko-W1.png"), full_page=False)
    assert_clean(watched, url)


@pytest.mark.parametrize("flags, b3", [
    (("--hand",), ("-0.3043", "0.4153†", "-0.7196†")),          # the post's hand-rounded digits, marked
    (("--notation", "indexed"), SEED_VALUES["b3"]),
    (("--numeric", "--verify-torch"), SEED_VALUES["b3"]),
])
def test_options_keep_the_page_working(watched, tmp_path, output_dir, flags, b3):
    path = tmp_path / "page.html"
    code, _, err = run_cli("explain", *flags, "--format", "html", "-o", str(path))
    assert code == 0, err
    page = watched.page
    url = open_page(watched, path)
    click_edge(page, "W1")
    assert {e for e in highlighted(page) if e.startswith("unit-")} == W1_PATH_UNITS
    assert page.eval_on_selector_all(".cr-main mrow.cr-factor.cr-on", "fs => fs.length") == 10
    page.click("#label-b3")
    card = numbers_shown(page, ".cr-card:not([hidden])")
    assert all(v in card for v in b3)
    page.screenshot(path=os.path.join(output_dir, "b3.png"))
    assert_clean(watched, url)
