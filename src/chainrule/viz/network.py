"""The layered network diagram (SVG), drawn like the lecture's figure, with the numbers on it.

A pure function of numbers: ``draw_network(NetworkState(...))`` needs no model, no browser and no
plotting library.  ``capture_network(model, x, y, loss_fn)`` fills a ``NetworkState`` from one real
forward/backward pass (and, given an optimizer, the update) of an MLP built from ``Linear`` layers.

What is drawn, left to right:
  inputs ``x1, x2, ...`` → for each layer, one box per unit split in two halves,
  ``z_j = Σ_i W·x_i + b_j`` (left) and the activation ``σ_j = σ(z_j)`` (right) → the loss ``L``.
  Every weight is an edge from its input to its unit, every bias an edge from a constant ``1`` node.
  Edge labels: ``W5 = -0.1725`` and, after backward, ``∂L/∂W5 = 0.2727`` (and ``→ -0.4452``, the value
  after the optimizer step, when known).  Edge colour and width grow with ``|∂L/∂W|``.

Numbering follows the lecture: units are numbered across layers (hidden units 1, 2, output unit 3),
weights row by row across layers (``W1 = layer1.weight[0][0]``, ``W2 = layer1.weight[0][1]``,
``W3 = layer1.weight[1][0]``, ... ``W5 = layer2.weight[0][0]``), biases by unit (``b3`` feeds unit 3).
The unit values shown are ``z1, z2, σ1, σ2, z3, σ3`` (the activation is written ``σ`` for sigmoid and
``a`` otherwise) plus the loss.

For later scripting (e.g. highlighting a chain-rule path in an HTML page), elements carry ids and
classes: ``<g id="edge-W5" class="edge param weight layer-2" data-from="unit-sigma1" data-to="unit-3">``,
``<g id="unit-3" class="unit layer-2">`` holding ``<g id="unit-z3">`` and ``<g id="unit-sigma3">``,
inputs ``unit-x1``, bias sources ``bias-1``, the loss ``unit-loss``; full-precision numbers sit in
``data-value`` / ``data-grad`` / ``data-after`` attributes.  The SVG has no external references and
no script, so it can be pasted inline into an HTML page.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._svg import SVGImage, attrs, num, text

ACTIVATION_SYMBOL = {"sigmoid": ("σ", "sigma"), "tanh": ("a", "a"), "relu": ("a", "a"),
                     "leakyrelu": ("a", "a"), "gelu": ("a", "a"), "softplus": ("a", "a"),
                     "elu": ("a", "a"), "softmax": ("p", "p"), None: ("z", "z")}


@dataclass(frozen=True)
class DiagramWords:
    """The words the diagram writes: column headings, legend, the batch note.  English by default.

    ``layer`` heads a hidden layer's column and ``output_layer`` the last one (both ``str.format``
    templates with ``{layer}``, the layer's number; the activation follows in parentheses).
    ``note`` takes ``{example}`` and ``{n}``.  ``chainrule.explain`` fills one from its message files
    (``diagram_words("ko")``: 입력층, 은닉층, 출력층, 오차, …).

    >>> DiagramWords().heading(2, 2, "sigmoid")
    'layer 2 (sigmoid)'
    """

    input: str = "input"
    layer: str = "layer {layer}"
    output_layer: str = "layer {layer}"
    loss: str = "loss"
    legend: str = "edge labels: weight = value"
    legend_grad: str = ", ∂L/∂weight (red; colour and width grow with |gradient|)"
    legend_after: str = ", → value after the update (green)"
    note: str = "unit values for example {example} of {n}, gradients over the batch"

    def heading(self, layer: int, n_layers: int, activation: str | None) -> str:
        """The column heading of layer ``layer`` (1-based) of ``n_layers``: ``layer 1 (sigmoid)``."""
        head = (self.output_layer if layer == n_layers else self.layer).format(layer=layer)
        return head + (f" ({activation})" if activation else "")


ENGLISH = DiagramWords()


@dataclass
class LayerState:
    """One ``Linear`` layer (``z = W x + b``, ``W`` of shape (out, in)) and the activation after it."""

    weight: np.ndarray
    bias: np.ndarray | None = None
    activation: str | None = None          # "sigmoid", "relu", "tanh", ... or None (identity)
    z: np.ndarray | None = None            # (out,) pre-activations for the drawn example
    a: np.ndarray | None = None            # (out,) activations
    weight_grad: np.ndarray | None = None  # ∂L/∂W, same shape as weight
    bias_grad: np.ndarray | None = None
    weight_after: np.ndarray | None = None  # value after the optimizer step
    bias_after: np.ndarray | None = None

    def __post_init__(self):
        self.weight = np.atleast_2d(np.asarray(self.weight, dtype=np.float64))
        for name in ("bias", "z", "a", "bias_grad", "bias_after"):
            v = getattr(self, name)
            if v is not None:
                setattr(self, name, np.asarray(v, dtype=np.float64).reshape(-1))
        for name in ("weight_grad", "weight_after"):
            v = getattr(self, name)
            if v is not None:
                v = np.asarray(v, dtype=np.float64)
                if v.shape != self.weight.shape:
                    raise ValueError(f"{name} has shape {v.shape} but the weight has shape {self.weight.shape}")
                setattr(self, name, v)
        out = self.weight.shape[0]
        for name in ("bias", "z", "a", "bias_grad", "bias_after"):
            v = getattr(self, name)
            if v is not None and v.shape != (out,):
                raise ValueError(f"{name} has {v.shape[0]} entries but the layer has {out} units "
                                 f"(weight shape {self.weight.shape})")
        if self.activation is not None:
            self.activation = str(self.activation).lower()


@dataclass
class NetworkState:
    """Everything the diagram shows: layers, one input example, its target, and the loss."""

    layers: list
    inputs: np.ndarray | None = None
    target: np.ndarray | None = None
    loss: float | None = None
    loss_name: str = "L"
    title: str | None = None
    input_grads: np.ndarray | None = field(default=None)
    note: str | None = None                # shown under the diagram, e.g. which example the values are

    def __post_init__(self):
        if not self.layers:
            raise ValueError("a network diagram needs at least one layer")
        for i in range(1, len(self.layers)):
            prev, cur = self.layers[i - 1].weight.shape, self.layers[i].weight.shape
            if cur[1] != prev[0]:
                raise ValueError(f"layer {i + 1} takes {cur[1]} inputs but layer {i} has {prev[0]} units "
                                 f"(weights {prev} then {cur})")
        if self.inputs is not None:
            self.inputs = np.asarray(self.inputs, dtype=np.float64).reshape(-1)
            n_in = self.layers[0].weight.shape[1]
            if self.inputs.shape[0] != n_in:
                raise ValueError(f"{self.inputs.shape[0]} input values for a first layer with {n_in} inputs")
        if self.target is not None:
            self.target = np.asarray(self.target, dtype=np.float64).reshape(-1)

    @property
    def sizes(self) -> list:
        return [self.layers[0].weight.shape[1]] + [layer.weight.shape[0] for layer in self.layers]


# ---------------------------------------------------------------------------------------- naming
def parameter_names(sizes) -> list:
    """Per layer ``(weight names (out, in) array, bias names (out,) list)`` in the lecture's numbering."""
    names, w, unit = [], 1, 1
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        wn = np.empty((n_out, n_in), dtype=object)
        for j in range(n_out):
            for i in range(n_in):
                wn[j, i] = f"W{w}"
                w += 1
        names.append((wn, [f"b{unit + j}" for j in range(n_out)]))
        unit += n_out
    return names


def _unit_numbers(sizes) -> list:
    out, unit = [], 1
    for n in sizes[1:]:
        out.append(list(range(unit, unit + n)))
        unit += n
    return out


def shown_units(n: int, limit: int) -> list:
    """Indices drawn for a layer of ``n`` units: all, or the first and last few around an ellipsis."""
    if n <= limit:
        return list(range(n))
    head = (limit + 1) // 2
    tail = limit - head
    return list(range(head)) + [None] + list(range(n - tail, n))


def _input_text(value, precision):
    """Inputs as given: ``1`` rather than ``1.0000`` when the value is a whole number."""
    v = float(value)
    return str(int(v)) if v.is_integer() and abs(v) < 1e9 else num(v, precision)


# ---------------------------------------------------------------------------------------- drawing
STYLE = """
.cr-net text { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 13px; fill: #222; }
.cr-net .edge-label rect { fill: #ffffff; fill-opacity: 0.88; stroke: none; }
.cr-net .edge line { stroke-linecap: round; }
.cr-net .grad { fill: #b3261e; }
.cr-net .after { fill: #1b5e20; }
.cr-net .half rect { fill: #f4f7fb; stroke: #4a6fa5; stroke-width: 1.5px; }
.cr-net .half.act rect { fill: #e7eef8; }
.cr-net .input circle, .cr-net .bias circle { fill: #fff8e1; stroke: #b08900; stroke-width: 1.5px; }
.cr-net .loss rect { fill: #fde7e9; stroke: #b3261e; stroke-width: 1.5px; }
.cr-net .title { font-size: 15px; font-weight: bold; }
.cr-net .small { font-size: 11px; fill: #555; }
"""


def _edge_style(grad, gmax):
    """Grey and thin with no gradient; with one, width 1.5..7 and grey→red by |grad| / max |grad|."""
    if grad is None or gmax <= 0 or not np.isfinite(grad):
        return "#9aa5b1", 1.5
    f = min(abs(float(grad)) / gmax, 1.0)
    r = int(round(0x9a + (0xd3 - 0x9a) * f))
    g = int(round(0xa5 + (0x2f - 0xa5) * f))
    b = int(round(0xb1 + (0x2f - 0xb1) * f))
    return f"#{r:02x}{g:02x}{b:02x}", round(1.5 + 5.5 * f, 2)


def draw_network(state: NetworkState, precision: int = 4, labels="auto", max_units: int = 10,
                 id_prefix: str = "", words: DiagramWords = ENGLISH, legend: bool = True) -> "NetworkDiagram":
    """Draw ``state`` as an SVG (see the module docstring for what is shown and the ids used).

    ``labels``: True, False or "auto" (label edges when there are at most 40 of them).
    ``max_units``: layers wider than this show their first and last units around "⋮".
    ``id_prefix``: put before every id (and the ``data-from``/``data-to`` references), so several
    diagrams can sit in one HTML page: ``id_prefix="step2-"`` gives ``id="step2-edge-W5"``.
    ``words``: the headings and legend (a ``DiagramWords``; English by default).
    ``legend``: write the legend line under the diagram (a page with its own legend turns it off).

    >>> d = draw_network(NetworkState([LayerState([[0.5, -1.0]], [0.1], "sigmoid")], inputs=[1, 1]))
    >>> d.svg.startswith("<svg")
    True
    """
    sizes = state.sizes
    names = parameter_names(sizes)
    units = _unit_numbers(sizes)
    n_edges = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    show_labels = (n_edges <= 40) if labels == "auto" else bool(labels)
    shown = [shown_units(n, max_units) for n in sizes]
    gmax = 0.0
    for layer in state.layers:
        for g in (layer.weight_grad, layer.bias_grad):
            if g is not None and g.size:
                finite = np.abs(g[np.isfinite(g)])
                if finite.size:
                    gmax = max(gmax, float(finite.max()))

    # geometry
    rows = max(len(s) for s in shown)
    row_h = 170 if rows <= 2 else (140 if rows <= 3 else (110 if rows <= 5 else 64))
    col_w = 400 if show_labels else 220     # room between two columns for a weight's label beside the boxes
    if show_labels:     # each unit's fan-in of labels (three lines each) needs its room beside the unit
        fan_in = max(len([i for i in s if i is not None]) for s in shown[:-1])
        row_h = max(row_h, 75 * fan_in)
        col_w += 60 * max(fan_in - 2, 0)
    box_w, box_h, r_in = 176, 46, 26
    top = 70 + (30 if state.title else 0)
    left = 70
    has_loss = state.loss is not None
    loss_gap = 220      # the edges into the loss carry no label: its column needs no room for one
    width = left + (len(sizes) - 1) * col_w + (loss_gap if has_loss else 0) + box_w + 60
    legend_text = (state.note + "; " if state.note else "") + words.legend
    if gmax > 0:
        legend_text += words.legend_grad
    if any(layer.weight_after is not None for layer in state.layers):
        legend_text += words.legend_after
    legend_lines = _wrap(legend_text, (width - left) / SMALL_CHAR_W) if legend else []
    height = top + 40 + rows * row_h + 22 + 15 * max(len(legend_lines), 1)  # the legend under the last row
    mid = top + 40 + rows * row_h / 2

    def col_x(c):
        gaps = min(c, len(sizes) - 1) * col_w + (loss_gap if c >= len(sizes) else 0)
        return left + gaps + (r_in if c == 0 else box_w / 2)

    def row_y(c, k):
        n = len(shown[c])
        return mid + (k - (n - 1) / 2) * row_h

    pos = {}  # (col, index) -> (x_center, y_center)
    for c, idx in enumerate(shown):
        for k, i in enumerate(idx):
            pos[(c, i)] = (col_x(c), row_y(c, k))

    def right_edge(c, i):
        x, y = pos[(c, i)]
        return (x + (r_in if c == 0 else box_w / 2), y)

    def left_edge(c, i):
        x, y = pos[(c, i)]
        return (x - box_w / 2, y)

    def act_sym(layer):
        return ACTIVATION_SYMBOL.get(layer.activation, ("a", "a"))

    def out_id(c, i):
        """id of the value that leaves column ``c``'s unit ``i`` (what the next layer's weights multiply)."""
        if c == 0:
            return f"unit-x{i + 1}"
        layer = state.layers[c - 1]
        return f"unit-{act_sym(layer)[1]}{units[c - 1][i]}"

    # a page that fits the diagram to its column may shrink it this far, and no further (13 px labels stay ≥ 11 px)
    min_width = f"min-width:{int(width * MIN_SCALE)}px"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg"{attrs(width=int(width), height=int(height), viewBox=f"0 0 {int(width)} {int(height)}", class_="cr-net", role="img", style=min_width)}>',
             f"<title>{text(state.title or 'network diagram')}</title>",
             f"<style>{STYLE}</style>",
             '<rect width="100%" height="100%" fill="#ffffff"/>']
    if state.title:
        parts.append(f'<text class="title" x="{left}" y="32">{text(state.title)}</text>')
    # column headings
    for c in range(len(sizes)):
        head = words.input if c == 0 else words.heading(c, len(state.layers), state.layers[c - 1].activation)
        parts.append(f'<text class="small" x="{col_x(c):.1f}" y="{top - 30}" text-anchor="middle">{text(head)}</text>')
    if has_loss:
        parts.append(f'<text class="small" x="{col_x(len(sizes)):.1f}" y="{top - 30}" text-anchor="middle">{text(words.loss)}</text>')

    edges, labels_svg, nodes = [], [], []

    def edge(eid, classes, p0, p1, value, grad, after, name, src, dst, t):
        colour, w = _edge_style(grad, gmax)
        data = attrs(id=eid, class_=classes, data_param=name, data_from=src, data_to=dst,
                     data_value=repr(float(value)),
                     data_grad=None if grad is None else repr(float(grad)),
                     data_after=None if after is None else repr(float(after)))
        edges.append(f"<g{data}><line{attrs(x1=f'{p0[0]:.1f}', y1=f'{p0[1]:.1f}', x2=f'{p1[0]:.1f}', y2=f'{p1[1]:.1f}', stroke=colour, stroke_width=w)}/></g>")
        if not show_labels:
            return
        lines = [(f"{name} = {num(value, precision)}", None)]
        if grad is not None:
            lines.append((f"∂L/∂{name} = {num(grad, precision)}", "grad"))
        if after is not None:
            lines.append((f"→ {num(after, precision)}", "after"))
        pending.append((name, p0, p1, lines, t))

    pending = []        # edge labels, placed once every node is known (so none covers a node or another label)
    obstacles = []      # (x0, y0, x1, y1) of every node, heading and bias source

    def place_labels():
        placed = []
        for name, p0, p1, lines, t in pending:
            box_w_px = LABEL_CHAR_W * max(len(s) for s, _ in lines) + 10
            box_h_px = 15 * len(lines) + 4

            def box_at(tt):
                lx = p0[0] + (p1[0] - p0[0]) * tt
                ly = p0[1] + (p1[1] - p0[1]) * tt
                return lx, ly, (lx - box_w_px / 2, ly - box_h_px / 2, lx + box_w_px / 2, ly + box_h_px / 2)

            best = None
            for tt in dict.fromkeys([t] + [k / 40 for k in range(4, 37)]):   # along the edge, 10 % to 90 %
                lx, ly, b = box_at(tt)
                cost = sum(_overlap(b, o, 4) for o in obstacles) * 4 + sum(_overlap(b, o, 2) for o in placed)
                cost += abs(tt - t) * 0.01          # the preferred spot wins a tie
                if best is None or cost < best[0]:
                    best = (cost, lx, ly, b)
            _, lx, ly, b = best
            placed.append(b)
            y0 = ly - 7.5 * (len(lines) - 1) + 4.5
            box_attrs = attrs(x=f"{b[0]:.1f}", y=f"{b[1]:.1f}", width=f"{box_w_px:.1f}", height=f"{box_h_px:.1f}", rx=3)
            spans = "".join(f'<tspan{attrs(x=f"{lx:.1f}", y=f"{y0 + 15 * k:.1f}", class_=cls)}>{text(s)}</tspan>'
                            for k, (s, cls) in enumerate(lines))
            labels_svg.append(f'<g{attrs(id=f"label-{name}", class_="edge-label")}><rect{box_attrs}/>'
                              f'<text text-anchor="middle">{spans}</text></g>')

    # input nodes
    for i in shown[0]:
        if i is None:
            continue
        x, y = pos[(0, i)]
        obstacles.append((x - r_in, y - r_in, x + r_in, y + r_in))
        label = f"x{i + 1}"
        value = None if state.inputs is None else state.inputs[i]
        body = f'<circle{attrs(cx=f"{x:.1f}", cy=f"{y:.1f}", r=r_in)}/>' \
               f'<text{attrs(x=f"{x:.1f}", y=f"{y + 5:.1f}", text_anchor="middle")}>{text(label)}</text>'
        if value is not None:
            body += f'<text{attrs(x=f"{x - r_in - 6:.1f}", y=f"{y + 5:.1f}", text_anchor="end")}>{text(_input_text(value, precision))}</text>'
        nodes.append(f'<g{attrs(id=f"unit-x{i + 1}", class_="unit input layer-0", data_value=None if value is None else repr(float(value)))}>{body}</g>')

    # layers
    for l, layer in enumerate(state.layers, start=1):
        wn, bn = names[l - 1]
        sym, sym_id = act_sym(layer)
        # bias source "1", between the previous column and this one, above the units
        bx = col_x(l - 1) + (col_w * 0.45)
        by = top - 6
        obstacles.append((bx - 13, by - 13, bx + 13, by + 13))
        nodes.append(f'<g{attrs(id=f"bias-{l}", class_=f"bias layer-{l}")}><circle{attrs(cx=f"{bx:.1f}", cy=f"{by:.1f}", r=13)}/>'
                     f'<text{attrs(x=f"{bx:.1f}", y=f"{by + 5:.1f}", text_anchor="middle")}>1</text></g>')
        for j in shown[l]:
            if j is None:
                continue
            unit = units[l - 1][j]
            x, y = pos[(l, j)]
            obstacles.append((x - box_w / 2, y - box_h / 2, x + box_w / 2, y + box_h / 2))
            # weights into unit j
            for i in shown[l - 1]:
                if i is None:
                    continue
                p0, p1 = right_edge(l - 1, i), left_edge(l, j)
                edge(f"edge-{wn[j, i]}", f"edge param weight layer-{l}", p0, p1, layer.weight[j, i],
                     None if layer.weight_grad is None else layer.weight_grad[j, i],
                     None if layer.weight_after is None else layer.weight_after[j, i],
                     wn[j, i], out_id(l - 1, i), f"unit-{unit}", 0.4)
            if layer.bias is not None:
                p1 = (x - box_w / 2, y - box_h / 2 + 6)
                edge(f"edge-{bn[j]}", f"edge param bias layer-{l}", (bx, by + 13), p1, layer.bias[j],
                     None if layer.bias_grad is None else layer.bias_grad[j],
                     None if layer.bias_after is None else layer.bias_after[j],
                     bn[j], f"bias-{l}", f"unit-{unit}", 0.5 if len(shown[l]) == 1 else 0.62)
            # the unit: z half and activation half
            zx = x - box_w / 2
            halves = [(f"unit-z{unit}", "half z", f"z{unit}", None if layer.z is None else layer.z[j])]
            if layer.activation is not None:
                halves.append((f"unit-{sym_id}{unit}", "half act", f"{sym}{unit}",
                               None if layer.a is None else layer.a[j]))
            hw = box_w / len(halves)
            body = []
            for k, (hid, cls, label, value) in enumerate(halves):
                hx = zx + k * hw
                body.append(f'<g{attrs(id=hid, class_=cls, data_value=None if value is None else repr(float(value)))}>'
                            f'<rect{attrs(x=f"{hx:.1f}", y=f"{y - box_h / 2:.1f}", width=f"{hw:.1f}", height=box_h, rx=8)}/>'
                            f'<text{attrs(x=f"{hx + hw / 2:.1f}", y=f"{y - 5:.1f}", text_anchor="middle")}>{text(label)}</text>'
                            + (f'<text{attrs(x=f"{hx + hw / 2:.1f}", y=f"{y + 13:.1f}", text_anchor="middle")}>{text(num(value, precision))}</text>'
                               if value is not None else "") + "</g>")
            nodes.append(f'<g{attrs(id=f"unit-{unit}", class_=f"unit layer-{l}", data_activation=layer.activation)}>{"".join(body)}</g>')
        for c_idx, i in enumerate(shown[l]):
            if i is None:
                x, y = col_x(l), row_y(l, c_idx)
                nodes.append(f'<text{attrs(class_="ellipsis", x=f"{x:.1f}", y=f"{y + 5:.1f}", text_anchor="middle")}>⋮ {sizes[l] - len(shown[l]) + 1} more</text>')
    if None in shown[0]:
        k = shown[0].index(None)
        nodes.append(f'<text{attrs(class_="ellipsis", x=f"{col_x(0):.1f}", y=f"{row_y(0, k) + 5:.1f}", text_anchor="middle")}>⋮</text>')

    # loss
    if has_loss:
        c = len(sizes)
        lx, ly = col_x(c), mid
        obstacles.append((lx - box_w / 2, ly - box_h / 2, lx + box_w / 2, ly + box_h / 2 + 24))
        for j in shown[-1]:
            if j is None:
                continue
            p0 = right_edge(len(sizes) - 1, j)
            edges.append(f'<g{attrs(id=f"edge-out{units[-1][j]}", class_="edge output", data_from=out_id(len(sizes) - 1, j), data_to="unit-loss")}>'
                         f'<line{attrs(x1=f"{p0[0]:.1f}", y1=f"{p0[1]:.1f}", x2=f"{lx - box_w / 2:.1f}", y2=f"{ly:.1f}", stroke="#9aa5b1", stroke_width=1.5)}/></g>')
        target = "" if state.target is None else ("y = " + ", ".join(_input_text(t, precision) for t in state.target[:4])
                                                  + (" …" if state.target.size > 4 else ""))
        nodes.append(f'<g{attrs(id="unit-loss", class_="loss", data_value=repr(float(state.loss)))}>'
                     f'<rect{attrs(x=f"{lx - box_w / 2:.1f}", y=f"{ly - box_h / 2:.1f}", width=box_w, height=box_h, rx=8)}/>'
                     f'<text{attrs(x=f"{lx:.1f}", y=f"{ly - 5:.1f}", text_anchor="middle")}>{text(state.loss_name)}</text>'
                     f'<text{attrs(x=f"{lx:.1f}", y=f"{ly + 13:.1f}", text_anchor="middle")}>{text("L = " + num(state.loss, precision))}</text>'
                     + (f'<text{attrs(class_="small", x=f"{lx:.1f}", y=f"{ly + box_h / 2 + 18:.1f}", text_anchor="middle")}>{text(target)}</text>' if target else "")
                     + "</g>")

    place_labels()
    legend_y = height - 14 - 15 * (len(legend_lines) - 1)
    parts.append(f'<g id="edges">{"".join(edges)}</g>')
    parts.append(f'<g id="nodes">{"".join(nodes)}</g>')
    parts.append(f'<g id="edge-labels">{"".join(labels_svg)}</g>')
    if legend:       # one <text>, a line per <tspan>, wrapped to the diagram's width
        spans = "".join(f'<tspan{attrs(x=left - r_in, y=legend_y + 15 * k)}>{text(line)}</tspan>'
                        for k, line in enumerate(legend_lines))
        parts.append(f'<text{attrs(id="legend", class_="small")}>{spans}</text>')
    parts.append("</svg>")
    svg = "\n".join(parts)
    if id_prefix:
        import re
        if not re.fullmatch(r"[A-Za-z][\w.-]*", id_prefix):
            raise ValueError(f"id_prefix {id_prefix!r} must start with a letter and hold only letters, digits, "
                             f"'_', '-' and '.' (it becomes part of XML ids)")
        svg = re.sub(r' (id|data-from|data-to)="', lambda m: f' {m.group(1)}="{id_prefix}', svg)
    return NetworkDiagram(svg, state)


LABEL_CHAR_W = 7.9     # px per character of a 13 px DejaVu Sans label (its widest: digits, ∂, →), a little over
SMALL_CHAR_W = 6.9     # px per character of the 11 px headings and legend (Korean syllables count as two)
MIN_SCALE = 11 / 13    # a page may shrink the diagram until its 13 px labels are 11 px on screen


def _overlap(a, b, margin: float = 0.0) -> float:
    """The area two boxes ``(x0, y0, x1, y1)`` share once ``a`` is grown by ``margin`` on every side."""
    w = min(a[2] + margin, b[2]) - max(a[0] - margin, b[0])
    h = min(a[3] + margin, b[3]) - max(a[1] - margin, b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _wrap(line: str, columns: float) -> list:
    """``line`` broken at spaces into lines of at most ``columns`` characters (a Korean syllable is two)."""
    import unicodedata
    out, current = [], ""
    for word in line.split(" "):
        trial = f"{current} {word}" if current else word
        if current and sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in trial) > columns:
            out.append(current)
            current = word
        else:
            current = trial
    return out + ([current] if current else [])


class NetworkDiagram(SVGImage):
    """The diagram's SVG text plus the ``NetworkState`` it was drawn from."""

    def __init__(self, svg: str, state: NetworkState):
        super().__init__(svg)
        self.state = state


# ------------------------------------------------------------------------------ from a real model
def capture_network(model, x, y=None, loss_fn=None, optimizer=None, example: int = 0,
                    title: str | None = None, words: DiagramWords = ENGLISH) -> NetworkState:
    """Run one real training step of ``model`` and collect what the diagram shows.

    ``model``: ``Linear`` layers, each optionally followed by one activation module, in call order
    (``Sequential``s, nested or not, or a module calling them in turn).  The step is recorded once, as
    the explainer's ``StepGraph`` (``explain.step_graph.record_pass``: forward; with ``loss_fn`` and ``y``
    the backward pass; with an ``optimizer`` too, ``optimizer.step()``), and ``network_state`` reads the
    diagram's numbers off it.  A model that is not such a chain raises ``ValueError`` (after the step ran;
    ``chainrule draw`` then draws the same recorded graph with ``viz.graph_view``).
    """
    from ..explain.step_graph import record_pass
    graph = record_pass(model, x, y, loss_fn, optimizer)
    return network_state(graph, example=example, title=title, words=words,
                         loss_name=type(loss_fn).__name__.replace("Loss", "") if loss_fn is not None else "L")


def network_state(graph, example: int = 0, title: str | None = None, words: DiagramWords = ENGLISH,
                  loss_name: str = "L") -> NetworkState:
    """The diagram's numbers read off a recorded ``StepGraph``: its leaf-module calls must form a chain of
    ``Linear`` layers, each followed by at most one activation (``Dropout``/``Identity`` pass through).

    Unit values are input row ``example``'s; ∂L/∂W, ∂L/∂b are the graph's (over the whole batch), the
    values after the update its parameters' ``after``.  ``ValueError`` says why a graph is not such a chain.
    """
    from .. import nn
    x = next((v for v in graph.values if v.kind == "input"), None)
    out = getattr(graph, "output", None)
    prev = x
    for name, call, mod, inp, value in graph.leaf_calls:
        if call > 1 or inp is not prev:
            why = "is called more than once" if call > 1 else "does not take the output of the module before it"
            raise ValueError(f"cannot draw this model as a layered network: '{name}' {why}; the diagram shows a "
                             f"chain of Linear layers (chainrule draw shows the computational graph instead)")
        prev = value
    if graph.leaf_calls and prev is not out:
        raise ValueError("cannot draw this model as a layered network: its output is not its last layer's output "
                         "(a residual connection or other computation after the layers)")
    params = {id(v.tensor): v for v in graph.parameters()}
    has_loss = getattr(graph, "has_loss", graph.loss is not None)
    layers, linears = [], []
    for name, _, mod, inp, value in graph.leaf_calls:
        row = value.value.reshape(value.shape[0], -1)[example] if value.value.ndim >= 1 else None
        if isinstance(mod, nn.Linear):
            w, b = params.get(id(mod.weight)), params.get(id(mod.bias)) if mod.bias is not None else None
            if w is None or (mod.bias is not None and b is None):
                raise ValueError(f"cannot draw this model as a layered network: {name}'s weight is not a parameter "
                                 f"of the recorded model")
            linears.append((w, b))
            layers.append(LayerState(w.value, None if b is None else b.value, None, z=row))
        elif inp is not None and (value is inp or (value.shape == inp.shape and np.array_equal(value.value, inp.value))):
            continue            # passes its input on unchanged (Identity, Dropout in eval mode): nothing to draw
        elif isinstance(mod, (nn.Dropout, nn.Identity)):
            raise ValueError(f"cannot draw this model as a layered network: {type(mod).__name__} ({name}) in "
                             f"training mode changes the values the next layer reads (the graph view shows them)")
        elif layers and layers[-1].activation is None:
            layers[-1].activation = type(mod).__name__.lower()
            layers[-1].a = row
        elif not layers:
            continue
        else:
            raise ValueError(f"cannot draw {type(mod).__name__} ({name}) as a network diagram: the diagram "
                             f"shows Linear layers each followed by at most one activation")
    if not layers:
        raise ValueError("the model has no Linear layer to draw")
    if len(params) != sum(1 + (b is not None) for _, b in linears):
        raise ValueError("cannot draw this model as a layered network: it has parameters outside its Linear layers")
    if has_loss:
        for layer, (w, b) in zip(layers, linears):
            layer.weight_grad = None if w.grad is None else w.grad.reshape(w.shape)
            if b is not None and b.grad is not None:
                layer.bias_grad = b.grad.reshape(-1)
            if getattr(graph, "optimizer", None) is not None:
                layer.weight_after = w.after
                if b is not None:
                    layer.bias_after = b.after.reshape(-1)
    x_row = None if x is None else x.value.reshape(x.shape[0], -1)[example] if x.value.ndim > 1 else x.value
    tv = next((v for v in graph.values if v.kind == "target"), None)
    target = None if tv is None else tv.value.reshape(tv.shape[0], -1)[example] if tv.value.ndim >= 1 else tv.value
    n = x.shape[0] if x is not None and x.value.ndim > 1 else 1
    note = words.note.format(example=example + 1, n=n) if n > 1 else None
    return NetworkState(layers, inputs=x_row, target=target, loss=graph.loss_value if has_loss else None,
                        loss_name=loss_name, title=title, note=note)


def draw(model, x, y=None, loss_fn=None, optimizer=None, example: int = 0, title: str | None = None,
         **draw_options) -> "NetworkDiagram":
    """One call for notebooks: ``capture_network`` then ``draw_network`` (shows inline in Jupyter).

    >>> # chainrule.viz.draw(model, x, y, nn.BCELoss(), optim.SGD(model.parameters(), lr=1))
    """
    state = capture_network(model, x, y, loss_fn, optimizer, example=example, title=title)
    return draw_network(state, **draw_options)


SEED_WEIGHTS = {"layer1.0.weight": [[0.4352, 0.3545], [0.1951, 0.4835]], "layer1.0.bias": [-0.1419, 0.0439],
                "layer2.0.weight": [[-0.1725, 0.1129]], "layer2.0.bias": [-0.3043]}


def seed_model(dtype=None):
    """The lecture's network: ``layer1 = Sequential(Linear(2, 2), Sigmoid())``,
    ``layer2 = Sequential(Linear(2, 1), Sigmoid())`` with its initial values (float64 by default,
    so the diagram's numbers are the exact ones)."""
    import chainrule
    from .. import nn

    class CustomModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid())
            self.layer2 = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())

        def forward(self, x):
            return self.layer2(self.layer1(x))

    dtype = dtype or chainrule.float64
    model = CustomModel().to(dtype)
    model.load_state_dict({k: chainrule.tensor(v, dtype=dtype) for k, v in SEED_WEIGHTS.items()})
    return model


def seed_example():
    """The lecture's network and its one example, all float64: ``(seed_model(), x = [[1, 1]], y = [[0]])``."""
    import chainrule
    x = chainrule.tensor([[1.0, 1.0]], dtype=chainrule.float64)
    y = chainrule.tensor([[0.0]], dtype=chainrule.float64)
    return seed_model(), x, y


def seed_diagram(precision: int = 4) -> NetworkDiagram:
    """The lecture's network after one training step: x = [1, 1], y = [0], BCELoss, SGD(lr=1)."""
    from .. import nn, optim
    model, x, y = seed_example()
    state = capture_network(model, x, y, nn.BCELoss(), optim.SGD(model.parameters(), lr=1.0),
                            title="the lecture's network: one training step (x = [1, 1], y = 0, BCE, SGD lr = 1)")
    return draw_network(state, precision=precision)
