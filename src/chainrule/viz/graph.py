"""The autograd graph of a forward pass as Graphviz DOT (and SVG/PNG/PDF when Graphviz is installed).

Each node is one recorded op (``SigmoidBackward0``, ``AddmmBackward0`` ...) or a leaf (a parameter, or
any tensor created with ``requires_grad=True``), labelled with its shape and — when recorded — its
value and gradient: small tensors in full, larger ones summarised (mean, min, max).  Edges run in
the forward direction, input → op.  Given the model, nodes are grouped in one cluster per module
(``layer1`` containing ``layer1.0``, ``layer1.1``), so big models stay readable.

Walking ``tensor.grad_fn`` gives ops, edges and shapes on its own; values, gradients and modules come
from a ``GraphRecorder`` active during the forward pass::

    with GraphRecorder(model) as rec:
        loss = criterion(model(x), y)
    loss.backward()                      # gradients reach the recorder through node hooks
    dot = make_dot(loss, recorder=rec)   # DotGraph: .source, .save("g.dot"), .render("g.svg")
"""
from __future__ import annotations

import shutil
import subprocess

import numpy as np

from ..explain.step_graph import StepRecorder
from ._svg import write_bytes_atomic, write_text_atomic

MISSING_DOT = ("rendering {what} needs Graphviz's `dot` program, which is not installed: install it "
               "(Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; conda: "
               "`conda install graphviz`) and the Python package (`pip install graphviz`, or "
               "`pip install chainrule[plot]`), or write a .dot file instead")


class GraphvizNotInstalled(RuntimeError):
    """Raised when SVG/PNG/PDF output is asked for and Graphviz's ``dot`` program is missing."""


# ------------------------------------------------------------------------------------- recording
class GraphRecorder(StepRecorder):
    """Records, for every op run inside the ``with`` block: its output value, the module that ran it,
    and (after ``backward``) the gradient of its output.

    It is the explainer's recorder (``chainrule.explain.step_graph.StepRecorder``, one mechanism for both):
    a forward observer (``autograd.function.register_forward_observer``, removed on exit) sees each op as it
    is created and, given a model, forward hooks on every sub-module say which module is running.  The
    drawing reads ``values``, ``grads`` and ``module_of`` (keyed by autograd node) and ``param_names``;
    ``rec.finish(loss)`` gives the whole ``StepGraph``.
    """


# --------------------------------------------------------------------------------------- labels
def describe(array, max_elements: int = 8, precision: int = 4) -> str:
    """A tensor's numbers for a label: in full when it has at most ``max_elements`` entries,
    otherwise ``mean ±std [min, max]``.

    >>> describe(np.array([[0.65651, 0.67316]]))
    '[[0.6565, 0.6732]]'
    >>> describe(np.arange(100.0))
    'mean 49.5 ±28.87 [0, 99]'
    """
    a = np.asarray(array)
    if a.size <= max_elements:
        if a.ndim == 0:
            return f"{float(a):.{precision}f}" if a.dtype.kind == "f" else str(a.item())
        return np.array2string(a, precision=precision, separator=", ", suppress_small=False,
                               floatmode="maxprec_equal" if a.dtype.kind != "f" else "fixed")
    if a.dtype.kind not in "fiu":
        return f"{a.size} values"
    f = a.astype(np.float64)
    finite = f[np.isfinite(f)]
    if finite.size == 0:
        return "no finite values"
    bad = f.size - finite.size
    s = (f"mean {_g(finite.mean())} ±{_g(finite.std())} [{_g(finite.min())}, {_g(finite.max())}]")
    return s + (f", {bad} nan/inf" if bad else "")


def _g(v: float) -> str:
    return f"{v:.4g}"


def _shape(shape) -> str:
    return "(" + ", ".join(str(int(n)) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _quote(s: str) -> str:
    """A DOT double-quoted string; newlines become left-justified line breaks."""
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + s.replace("\n", "\\l") + '\\l"'


# ---------------------------------------------------------------------------------------- export
class DotGraph:
    """Graphviz DOT source.  ``save("g.dot")`` writes it; ``render("g.svg"|".png"|".pdf")`` runs Graphviz;
    in Jupyter it shows as SVG when Graphviz is installed, otherwise as its DOT source."""

    def __init__(self, source: str):
        self.source = source

    def __str__(self) -> str:
        return self.source

    def save(self, path: str) -> str:
        write_text_atomic(path, self.source)
        return path

    def pipe(self, format: str = "svg") -> bytes:  # noqa: A002 - graphviz's name
        """The rendered bytes (``format`` is any Graphviz output format: svg, png, pdf ...)."""
        if shutil.which("dot") is None:
            raise GraphvizNotInstalled(MISSING_DOT.format(what=f"{format.upper()} output"))
        try:
            import graphviz
        except ImportError:  # the program is there: run it directly
            done = subprocess.run(["dot", f"-T{format}"], input=self.source.encode("utf-8"),
                                  capture_output=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
            return done.stdout
        return graphviz.Source(self.source).pipe(format=format)

    def render(self, path: str) -> str:
        """Write the graph to ``path``; the extension picks the format (.dot/.gv, .svg, .png, .pdf)."""
        ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
        if ext in ("dot", "gv"):
            return self.save(path)
        if ext not in ("svg", "png", "pdf"):
            raise ValueError(f"unknown graph format '.{ext}' for {path}: use .dot, .svg, .png or .pdf")
        write_bytes_atomic(path, self.pipe(ext))
        return path

    def _repr_svg_(self):
        try:
            return self.pipe("svg").decode("utf-8")
        except Exception:  # noqa: BLE001 - Jupyter falls back to _repr_html_
            return None

    def _repr_html_(self):
        if shutil.which("dot") is not None:
            return None  # the SVG is shown
        from xml.sax.saxutils import escape
        return ("<p><i>" + escape(MISSING_DOT.format(what="this graph")) + "</i></p><pre>"
                + escape(self.source) + "</pre>")


def make_dot(output, params=None, recorder: GraphRecorder | None = None, model=None,
             max_elements: int = 8, show_values: bool = True, title: str | None = None) -> DotGraph:
    """The DOT graph of everything ``output`` was computed from.

    ``params``: ``{name: tensor}`` to name leaves (defaults to the recorder's / model's parameters).
    ``recorder``: a ``GraphRecorder`` that watched the forward pass (values, gradients, modules).
    ``max_elements``: tensors with more entries are summarised.
    """
    node0 = getattr(output, "grad_fn", None)
    if node0 is None:
        raise ValueError("this tensor has no grad_fn: nothing that requires grad was used to compute it, so "
                         "there is no graph to draw. Create inputs with requires_grad=True or use a model's "
                         "parameters.")
    names = {}
    if recorder is not None:
        names.update(recorder.param_names)
    if model is not None and hasattr(model, "named_parameters"):
        names.update({id(p): n for n, p in model.named_parameters()})
    if params:
        items = params.items() if hasattr(params, "items") else params
        names.update({id(t): n for n, t in items})
    values = recorder.values if recorder else {}
    grads = recorder.grads if recorder else {}
    module_of = dict(recorder.module_of) if recorder else {}

    # breadth-first walk from the output: stable ids, shapes from the consumers' input_meta
    ids, order, shapes, edges = {node0: "n0"}, [node0], {node0: tuple(output.shape)}, []
    k = 0
    while k < len(order):
        node = order[k]
        k += 1
        meta = getattr(node, "input_meta", ())
        for i, nxt in enumerate(getattr(node, "edges", ())):
            if nxt is None:
                continue
            if nxt not in ids:
                ids[nxt] = f"n{len(ids)}"
                order.append(nxt)
            if nxt not in shapes and i < len(meta) and meta[i] is not None:
                shapes[nxt] = tuple(meta[i][0])
            edges.append((ids[nxt], ids[node]))

    lines = ["digraph chainrule {",
             '  graph [rankdir=BT, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.35];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
             'fillcolor="#eef2f7", color="#4a6fa5"];',
             '  edge [color="#6b7785", arrowsize=0.7];']
    if title:
        lines.append(f"  label={_quote(title)}; labelloc=t;")
    node_lines = {}
    for node in order:
        leaf = type(node).__name__ == "AccumulateGrad"
        if leaf:
            var = node.variable
            name = names.get(id(var), "leaf")
            label = [name, _shape(var.shape)]
            if show_values:
                label.append("value " + describe(var._data, max_elements))
                if var.grad is not None:
                    label.append("grad  " + describe(var.grad._data, max_elements))
            attrs_ = 'fillcolor="#fff3c4", color="#b08900"'
            if "." in name and node not in module_of:
                module_of[node] = name.rsplit(".", 1)[0]
        else:
            label = [node.name, _shape(shapes.get(node, ()))]
            if show_values and node in values:
                label.append("value " + describe(values[node], max_elements))
            if show_values and node in grads:
                label.append("grad  " + describe(grads[node], max_elements))
            attrs_ = 'fillcolor="#d7f0dd", color="#2e7d32", penwidth=2' if node is node0 else ""
        sep = ", " if attrs_ else ""
        node_lines[node] = f"{ids[node]} [label={_quote(chr(10).join(label))}{sep}{attrs_}];"

    # nested clusters by module path
    tree = {"children": {}, "nodes": []}
    for node in order:
        path = module_of.get(node)
        where = tree
        if path:
            parts = path.split(".")
            for depth in range(len(parts)):
                key = ".".join(parts[:depth + 1])
                where = where["children"].setdefault(key, {"children": {}, "nodes": []})
        where["nodes"].append(node)

    def emit(subtree, indent):
        pad = "  " * indent
        for node in subtree["nodes"]:
            lines.append(pad + node_lines[node])
        for key, child in subtree["children"].items():
            cid = "cluster_" + "".join(c if c.isalnum() else "_" for c in key)
            lines.append(f"{pad}subgraph {cid} {{")
            lines.append(f'{pad}  label={_quote(key)}; labelloc=t; style="rounded,dashed"; color="#9aa5b1"; fontsize=10;')
            emit(child, indent + 1)
            lines.append(pad + "}")

    emit(tree, 1)
    for a, b in edges:
        lines.append(f"  {a} -> {b};")
    lines.append("}")
    return DotGraph("\n".join(lines) + "\n")


def trace(model, *inputs, loss_fn=None, target=None, backward: bool = True, **kw) -> DotGraph:
    """Run ``model(*inputs)`` (and ``loss_fn(output, target)``), backward, and return its ``DotGraph``.

    >>> # g = trace(model, x, loss_fn=nn.BCELoss(), target=y); g.render("graph.svg")
    """
    with GraphRecorder(model) as rec:
        out = model(*inputs)
        if loss_fn is not None:
            out = loss_fn(out, target)
    if backward:
        if out.numel() != 1:
            out.sum().backward()
        else:
            out.backward()
    return make_dot(out, recorder=rec, model=model, **kw)
