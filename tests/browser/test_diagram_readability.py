"""Item 10 of issue 12: a network diagram a person can read, measured in Chromium.

Each edge label is laid out where the browser draws it: its text must not touch a unit box, an input or
bias circle or the loss box, nor another label; it must sit on its own edge (its centre on the line);
every text, the legend included, must lie inside the picture (the legend was cut to "→ value after the
updat" on a 64-128-10 model); and in the interactive page, which fits the diagram to its column, the
labels must stay at least 11 px on screen (they were about 7 px).
"""
from __future__ import annotations

import contextlib
import io

import pytest

from chainrule.cli import main

MEASURE = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const svg = document.querySelector('svg.cr-net');
  const nodes = [...svg.querySelectorAll('.unit rect, .unit circle, .bias circle, .loss rect')].map(box);
  const labels = [...svg.querySelectorAll('.edge-label')].map(g => {
    const name = g.id.replace(/^.*label-/, '');
    const line = svg.querySelector('[id$="edge-' + name + '"] line');
    const m = line.getScreenCTM();
    const p = (x, y) => { const q = svg.createSVGPoint(); q.x = x; q.y = y; const r = q.matrixTransform(m); return [r.x, r.y]; };
    return {name, text: box(g.querySelector('text')),
            line: [p(+line.getAttribute('x1'), +line.getAttribute('y1')), p(+line.getAttribute('x2'), +line.getAttribute('y2'))]};
  });
  const texts = [...svg.querySelectorAll('text')].map(t => ({s: t.textContent, b: box(t)}));
  return {svg: box(svg), nodes, labels, texts};
}"""


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    assert code == 0, err.getvalue()
    return out.getvalue()


def _intersect(a, b, tol=0.5):
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def _distance_to_segment(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


MODELS = {
    "seed": None,
    "wide": ("import torch\nfrom torch import nn, optim\ntorch.manual_seed(1)\n"
             "model = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2), nn.Sigmoid())\n"
             "criterion = nn.MSELoss()\noptimizer = optim.SGD(model.parameters(), lr=0.5)\n"
             "x = torch.tensor([[1.0, -2.0, 0.5]])\ny = torch.tensor([[0.0, 1.0]])\n"),
    "mnist_like": ("import torch\nfrom torch import nn, optim\ntorch.manual_seed(0)\n"
                   "model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))\n"
                   "criterion = nn.CrossEntropyLoss()\noptimizer = optim.SGD(model.parameters(), lr=0.1)\n"
                   "x = torch.randn(4, 64)\ny = torch.tensor([0, 1, 2, 3])\n"),
}


@pytest.mark.parametrize("which", list(MODELS))
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_labels_touch_no_node_and_no_other_label(browser, tmp_path, which, lang):
    args = []
    if MODELS[which] is not None:
        model = tmp_path / f"{which}.py"
        model.write_text(MODELS[which])
        args = [model]
    target = tmp_path / "net.svg"
    _cli("draw", *args, "--lang", lang, "-o", target)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.set_content('<html><body style="margin:0">' + target.read_text(encoding="utf-8") + "</body></html>")
        m = page.evaluate(MEASURE)
    finally:
        page.close()
    labels = m["labels"]
    if which != "mnist_like":
        assert labels, "the diagram should label its edges"
    for lab in labels:
        hits = [n for n in m["nodes"] if _intersect(lab["text"], n)]
        assert not hits, f"{lab['name']}'s label {lab['text']} touches a node {hits[0]}"
        x0, y0, x1, y1 = lab["text"]
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)
        assert _distance_to_segment(centre, *lab["line"]) < 4, f"{lab['name']}'s label is not on its edge"
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            assert not _intersect(a["text"], b["text"]), f"the labels of {a['name']} and {b['name']} overlap"
    sx0, sy0, sx1, sy1 = m["svg"]
    for t in m["texts"]:
        x0, y0, x1, y1 = t["b"]
        assert x0 >= sx0 - 0.5 and x1 <= sx1 + 0.5 and y0 >= sy0 - 0.5 and y1 <= sy1 + 0.5, \
            f"{t['s'][:60]!r} is cut off at the picture's edge ({t['b']} outside {m['svg']})"


def test_the_interactive_page_keeps_labels_readable(browser, tmp_path):
    target = tmp_path / "step.html"
    _cli("explain", "--format", "html", "-o", target)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(target.as_uri())
        sizes = page.evaluate("""() => {
          const svg = document.querySelector('.cr-diagram svg');
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          const px = (sel) => [...svg.querySelectorAll(sel)].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
          return {labels: px('.edge-label text'), all: px('text')};
        }""")
    finally:
        page.close()
    assert sizes["labels"] and min(sizes["labels"]) >= 11 - 1e-6, min(sizes["labels"])
    assert min(sizes["all"]) >= 9, min(sizes["all"])
