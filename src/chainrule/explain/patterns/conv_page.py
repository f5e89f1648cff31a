"""The HTML page's convolution stepper: the input grid, the kernel window on it and the output grid.

For each recorded 2-D convolution (first sample, first output and input channel), ``figures(graph)``
draws the zero-padded input, the kernel and the output as grids of the engine's numbers; ◀ ▶ (or the
arrow keys) step the window over the input, lighting the cells it covers and the output entry they
give, with that entry's sum written out, ``z[i,j] = W[0,0]×x[..] + … + b = value`` — the same numbers
as the text (``patterns.windows``), each sum checked against the engine's output before it is drawn.
"""
from __future__ import annotations

import itertools
import json
from html import escape

import numpy as np

from ..render.numbers import plain

#: grids larger than this (per side, padded) are not drawn
MAX_SIDE = 16

CSS = """
.conv-step{border:1px solid #ccd;border-radius:6px;padding:.6em 1em;margin:1em 0;font-family:sans-serif}
.conv-step .grids{display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap}
.conv-step table{border-collapse:collapse;font:12px monospace}
.conv-step td{border:1px solid #bbb;padding:2px 4px;text-align:right;min-width:3.2em}
.conv-step td.pad{color:#aaa;background:#f6f6f6}
.conv-step td.on{background:#ffe08a}
.conv-step td.out-on{background:#9fd6a8}
.conv-step .sum{font:13px monospace;margin-top:.5em;white-space:pre-wrap}
.conv-step button{font-size:14px;margin-right:.4em}
"""

JS = """
(function(){
  document.querySelectorAll('.conv-step').forEach(function(fig){
    var d = JSON.parse(fig.querySelector('script[type="application/json"]').textContent);
    var k = 0;
    function show(){
      fig.querySelectorAll('td.on,td.out-on').forEach(function(td){td.classList.remove('on','out-on');});
      var w = d.windows[k];
      w.cells.forEach(function(c){ fig.querySelector('.in td[data-rc="'+c[0]+','+c[1]+'"]').classList.add('on'); });
      fig.querySelector('.out td[data-rc="'+w.out[0]+','+w.out[1]+'"]').classList.add('out-on');
      fig.querySelector('.sum').textContent = w.sum;
      fig.querySelector('.where').textContent = (k + 1) + ' / ' + d.windows.length;
    }
    fig.querySelector('.prev').onclick = function(){ k = (k + d.windows.length - 1) % d.windows.length; show(); };
    fig.querySelector('.next').onclick = function(){ k = (k + 1) % d.windows.length; show(); };
    fig.tabIndex = 0;
    fig.addEventListener('keydown', function(e){
      if (e.key === 'ArrowRight') { fig.querySelector('.next').onclick(); }
      if (e.key === 'ArrowLeft') { fig.querySelector('.prev').onclick(); }
    });
    show();
  });
})();
"""


def _grid(a, cls, decimals, pad=None) -> str:
    rows = []
    for r in range(a.shape[0]):
        cells = []
        for c in range(a.shape[1]):
            p = pad is not None and pad[r, c]
            cells.append(f'<td data-rc="{r},{c}"{" class=pad" if p else ""}>{escape(plain(float(a[r, c]), decimals))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="{cls}">' + "".join(rows) + "</table>"


def _figure(op, names, decimals, messages) -> str:
    from .windows import Conv
    cv = Conv(op)
    if not cv.ok or cv.nd != 2 or max(cv.xp.shape[2:]) > MAX_SIDE or max(cv.oh, cv.ow) > MAX_SIDE:
        return ""
    xs, ws, zs = names
    top, left = cv.pads[0][0], cv.pads[1][0]
    xp = cv.xp[0, 0]
    padmask = np.ones(xp.shape, bool)
    padmask[top: top + cv.H, left: left + cv.W] = False
    f = lambda v: plain(float(v), decimals)        # noqa: E731
    windows = []
    for i, j in itertools.product(range(cv.oh), range(cv.ow)):
        cells, terms = [], []
        total = 0.0
        for p, q in itertools.product(range(cv.kh), range(cv.kw)):
            r, c = i * cv.s[0] + p * cv.d[0], j * cv.s[1] + q * cv.d[1]
            cells.append([r, c])
            total += cv.w[0, 0, p, q] * xp[r, c]
            terms.append(f"{f(cv.w[0, 0, p, q])}×{f(xp[r, c])}")
        if cv.Cg == 1:                    # one input channel: the window's sum is the whole entry
            bias = 0.0 if cv.b is None else float(cv.b[0])
            if abs(total + bias - cv.z[0, 0, i, j]) > 1e-6 * max(1.0, abs(cv.z[0, 0, i, j])):
                return ""            # never drawn: the text's check would have stopped the page first
            s = f"{zs}[{i},{j}] = " + " + ".join(terms) + (f" + {f(bias)}" if cv.b is not None else "") + \
                f" = {f(cv.z[0, 0, i, j])}"
        else:
            s = f"{zs}[{i},{j}] ⊃ channel 0: " + " + ".join(terms) + f" = {f(total)}"
        windows.append({"out": [i, j], "cells": cells, "sum": s.replace("-", "−")})
    data = json.dumps({"windows": windows}).replace("</", "<\\/")
    title = messages.get("layers.page.title").format(out=zs, x=xs, w=ws, stride=f"{cv.s[0]}×{cv.s[1]}",
                                                      padding=f"{top}×{left}")
    return (f'<figure class="conv-step"><figcaption>{escape(title)}</figcaption>'
            f'<div class="grids"><div><div>{escape(xs)}</div>{_grid(xp, "in", decimals, padmask)}</div>'
            f'<div><div>{escape(ws)}</div>{_grid(cv.w[0, 0], "kernel", decimals)}</div>'
            f'<div><div>{escape(zs)}</div>{_grid(cv.z[0, 0], "out", decimals)}</div></div>'
            f'<div><button class="prev" type="button">◀</button><button class="next" type="button">▶</button>'
            f'<span class="where"></span></div><div class="sum"></div>'
            f'<script type="application/json">{data}</script></figure>')


def figures(graph, decimals: int, messages) -> str:
    """The stepper of every 2-D convolution in ``graph`` (HTML, with its style and script), or ""."""
    from ..graph_builder import GraphBuilder, _t
    gb = GraphBuilder(graph, decimals=decimals)
    out = []
    for op in gb.ops:
        if op.cls.__name__ != "Convolution":
            continue
        x, w = op.args[0], op.args[1]
        names = tuple(_t(gb.sym[v.id]) for v in (x, w, op.output))
        try:
            html = _figure(op, names, decimals, messages)
        except (ValueError, IndexError, TypeError, KeyError):      # a layout not drawn: the text stands
            continue
        if html:
            out.append(html)
    if not out:
        return ""
    return f"<style>{CSS}</style>" + "".join(out) + f"<script>{JS}</script>"
