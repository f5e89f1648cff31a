"""The static MathML renderer (``render(derivation, "html")``, also the math inside the interactive page)
as Chromium lays it out: the '=' chains line up and fences keep the size of one line of text."""
from __future__ import annotations

import pytest

from chainrule.commands.explain import load_problem
from chainrule.explain import explain_step
from chainrule.explain.locale import messages
from chainrule.explain.render import render


@pytest.fixture(scope="module")
def seed_html(tmp_path_factory):
    path = tmp_path_factory.mktemp("static") / "seed.html"
    path.write_text(render(explain_step(*load_problem(None)).derivation, "html", messages("en")), encoding="utf-8")
    return path


EQUALS_X = """() => [...document.querySelectorAll('math[display=block] mtable')].map(t =>
  [...t.querySelectorAll('mtr')].map(r => {
    const cells = r.querySelectorAll('mtd');
    return [cells[0].getBoundingClientRect().right, cells[1].querySelector('mo').getBoundingClientRect().left];
  }))"""


def test_every_equals_sign_of_a_chain_lines_up(watched, seed_html):
    page = watched.page
    page.goto(seed_html.as_uri())
    tables = page.evaluate(EQUALS_X)
    assert len(tables) > 30
    for rows in tables:
        xs = [eq for _, eq in rows]
        assert max(xs) - min(xs) < 0.5, rows                  # '=' at the same x in every row
    assert watched.errors == []


def test_parentheses_around_one_line_do_not_stretch(watched, seed_html):
    page = watched.page
    page.goto(seed_html.as_uri())
    # the loss equation: L = −(y·log(ŷ) + (1 − y)·log(1 − ŷ)); its numbers row for comparison
    heights = page.evaluate("""() => {
      const m = [...document.querySelectorAll('math[display=block]')].find(m => m.textContent.includes('log'));
      const rows = m.querySelectorAll('mtr');
      const h = r => Math.max(...[...r.querySelectorAll('mo')].filter(o => o.textContent === '(')
                                   .map(o => o.getBoundingClientRect().height));
      return [h(rows[0]), h(rows[1])];
    }""")
    symbolic, numeric = heights
    assert symbolic <= numeric * 1.1, heights                  # the hat of ŷ does not stretch them


def test_the_interactive_page_shares_the_alignment(watched, tmp_path):
    from tests.explain.helpers import run_cli
    path = tmp_path / "page.html"
    code, _, err = run_cli("explain", "--format", "html", "-o", str(path))
    assert code == 0, err
    page = watched.page
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelector('.cr-page').dataset.crReady === '1'")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")                          # the backward phase: the chains of every parameter
    tables = [t for t in page.evaluate(EQUALS_X.replace("querySelectorAll('math[display=block] mtable')",
                                                        "querySelectorAll('.cr-main math[display=block] mtable')"))
              if t and t[0][1] > 0]                            # the visible ones
    assert len(tables) > 20
    for rows in tables:
        xs = [eq for _, eq in rows]
        assert max(xs) - min(xs) < 0.5, rows


@pytest.mark.parametrize("name", ["rnn_cell", "residual", "batchnorm"])
def test_a_graph_page_drills_down_from_node_to_module_to_operation(watched, tmp_path, name):
    """Outside the lecture's form the page is the graph view over the derivation: every node of the view
    links to the equation that computes it (or to its gradient's), each module call's operations fold
    under its heading, and the view shows a value and a gradient on every node that has one."""
    import chainrule
    from tests.explain.done_when import MODELS
    chainrule.manual_seed(0)
    sol = explain_step(*MODELS[name](chainrule))
    path = tmp_path / f"{name}.html"
    path.write_text(sol.render("html"), encoding="utf-8")
    page = watched.page
    page.goto(path.as_uri())
    nodes = page.evaluate("""() => [...document.querySelectorAll('figure.graph-view g.value')].map(g => {
        const a = g.querySelector('a');
        return {id: g.id, href: a ? a.getAttribute('href') : null, grad: g.textContent.includes('∂L/∂')};
    })""")
    graph = sol.graph
    keep = graph.ancestors()
    assert len(nodes) == len(keep)
    linked = [n for n in nodes if n["href"]]
    assert len(linked) >= len(keep) - sum(1 for v in graph.values if v.id in keep and v.producer is None
                                          and v.grad is None)          # all but constants without equations
    for n in linked:
        vid = int(n["id"].split("-")[1])
        assert n["grad"] == (graph.values[vid].grad is not None), n
        assert page.locator(n["href"]).count() == 1, n                   # the link lands on one equation
    # follow the output's link: its equation is shown as the target
    out = next(n for n in linked if int(n["id"].split("-")[1]) == graph.output.id)
    page.click(f'[id="{out["id"]}"] a')
    assert page.evaluate("location.hash") == out["href"]
    assert page.evaluate(f"document.querySelector('{out['href']}').matches(':target')")
    # module → operation: a module call folds away and opens again
    summaries = page.locator("details.module > summary")
    assert summaries.count() >= 1
    first = page.locator("details.module").first
    assert first.evaluate("d => d.open")
    summaries.first.click()
    assert not first.evaluate("d => d.open")
    assert first.locator("div.eq").first.is_hidden()
    summaries.first.click()
    assert first.locator("div.eq").first.is_visible()
    assert watched.errors == []
