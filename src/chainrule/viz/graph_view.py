"""The computational graph of a recorded step as an SVG: every value with its number and its gradient.

For models the layered network diagram (``network.py``) cannot draw — residual blocks, a module used
twice, an RNN cell unrolled in time, expression files — ``draw_graph(step_graph)`` draws the
``StepGraph`` itself: one box per value (leaves on the left, the loss on the right, columns by depth),
titled with the op that made it (``MulBackward0``) or the parameter's name, showing the value and ∂L/∂v
(small tensors in full, larger ones summarised); edges run input → output.  Pure SVG, no script, no
Graphviz needed; elements carry ids (``value-3``) and ``data-value`` / ``data-grad`` attributes.

    >>> # from chainrule.explain.step_graph import record_training_step
    >>> # draw_graph(record_training_step(model, criterion, optimizer, x, y)).save("graph.svg")
"""
from __future__ import annotations

import numpy as np

from ._svg import SVGImage, attrs, text
from .graph import describe

BOX_W, BOX_H, GAP_X, GAP_Y = 190, 58, 60, 16


def _label(v) -> str:
    if v.name:
        return v.name
    if v.producer is not None:
        return v.producer.name
    return v.kind


def draw_graph(graph, precision: int = 4, max_elements: int = 4, title: str | None = None,
               links: dict | None = None) -> SVGImage:
    """The ``StepGraph``'s values the loss depends on, in columns by depth from the leaves.

    ``links``: ``{value id: href}`` — each such node becomes a link (the explanation page links a node to
    the equation that computes it, ``#v3``, or to its gradient's, ``#g3``)."""
    keep = graph.ancestors()
    vals = [v for v in graph.values if v.id in keep]
    depth = {}
    for v in vals:                      # creation order is topological: producers before consumers
        ins = [a for a in (v.producer.args if v.producer is not None else ()) if hasattr(a, "id") and a.id in keep]
        depth[v.id] = 1 + max((depth[a.id] for a in ins), default=-1)
    cols = {}
    for v in vals:
        cols.setdefault(depth[v.id], []).append(v)
    pos = {}
    for c, vs in cols.items():
        for r, v in enumerate(vs):
            pos[v.id] = (20 + c * (BOX_W + GAP_X), 40 + r * (BOX_H + GAP_Y))
    width = 40 + (max(cols) + 1) * (BOX_W + GAP_X) if cols else 200
    height = 60 + max((len(vs) for vs in cols.values()), default=1) * (BOX_H + GAP_Y)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg"{attrs(width=width, height=height, viewBox=f"0 0 {width} {height}")}'
           f' font-family="Helvetica, Arial, sans-serif" font-size="11">']
    if title:
        out.append(f'<text x="20" y="22" font-size="13" font-weight="bold">{text(title)}</text>')
    for v in vals:
        if v.producer is None:
            continue
        x1, y1 = pos[v.id]
        for a in v.producer.args:
            if hasattr(a, "id") and a.id in pos:
                x0, y0 = pos[a.id]
                out.append(f'<line{attrs(x1=x0 + BOX_W, y1=y0 + BOX_H / 2, x2=x1, y2=y1 + BOX_H / 2, stroke="#6b7785")}'
                           f' class="edge" data-from="value-{a.id}" data-to="value-{v.id}"/>')
    for v in vals:
        x, y = pos[v.id]
        fill = {"parameter": "#fff3c4", "input": "#e3f2fd", "leaf": "#fff3c4"}.get(v.kind, "#eef2f7")
        if v is graph.loss:
            fill = "#d7f0dd"
        grad = "" if v.grad is None else describe(v.grad, max_elements, precision)
        value = describe(v.value, max_elements, precision) if getattr(v, "known", True) else "?"
        dv = float(np.asarray(v.value, np.float64).ravel()[0]) if v.size == 1 else ""
        dg = float(np.asarray(v.grad).ravel()[0]) if v.grad is not None and v.size == 1 else ""
        out.append(f'<g id="value-{v.id}" class="value {v.kind}"{attrs(data_value=dv if dv != "" else None, data_grad=dg if dg != "" else None)}>')
        href = (links or {}).get(v.id)
        if href:
            out.append(f'<a href="{text(href)}">')
        out.append(f'<rect{attrs(x=x, y=y, width=BOX_W, height=BOX_H, rx=6, fill=fill, stroke="#4a6fa5")}/>')
        out.append(f'<text{attrs(x=x + 6, y=y + 15)} font-weight="bold">{text(_label(v))} {text(tuple(v.shape) or "")}</text>')
        out.append(f'<text{attrs(x=x + 6, y=y + 32)}>{text("value " + value)}</text>')
        if grad:
            out.append(f'<text{attrs(x=x + 6, y=y + 48, fill="#b3261e")}>{text("∂L/∂ " + grad)}</text>')
        if href:
            out.append("</a>")
        out.append("</g>")
    out.append("</svg>")
    return SVGImage("\n".join(out))
