"""The Python API: ``explain_step(model, criterion, optimizer, x, y)`` → a ``Solution``.

    >>> from chainrule.explain import explain_step
    >>> sol = explain_step(model, criterion, optimizer, x, y)      # runs one real training step
    >>> print(sol)                                                 # the worked solution, as text
    >>> sol.render("markdown", lang="ko")                          # 순전파 … in Markdown + LaTeX
    >>> sol                                                        # in Jupyter: rendered HTML

The step is really taken (the model's parameters change, as with ``optimizer.step()``).
"""
from __future__ import annotations

import weakref

from .build import DEFAULT_MAX_SCALAR, Builder
from .honest import audit
from .locale import messages
from .recorder import record_step
from .render import render


class Solution:
    """A worked, verified solution of one training step; renders to text, Markdown, LaTeX or HTML.

    ``record``: the lecture form's per-layer ``StepRecord`` (a chain of Linear + activation layers) or,
    for any other graph, the ``StepGraph`` itself; ``graph`` is always the ``StepGraph``."""

    def __init__(self, derivation, record, lang: str = "en", graph=None):
        self.derivation = derivation
        self.record = record
        self.lang = lang
        self.graph = graph if graph is not None else getattr(record, "graph", record)

    @property
    def layered(self) -> bool:
        """Whether the solution is in the lecture's per-layer form (the page draws the network then)."""
        return hasattr(self.record, "layers")

    def render(self, format: str = "text", lang: str | None = None) -> str:  # noqa: A002 - the natural name
        if format == "html" and self.layered:   # the interactive page: diagram beside the derivation
            from .render.interactive import page
            return page(self, messages(lang or self.lang))
        out = render(self.derivation, format, messages(lang or self.lang))
        if format == "html":                     # any other graph: the graph view (values, gradients) on top
            import re

            from ..viz.graph_view import draw_graph
            links = {}
            for kind, vid in re.findall(r'<div class="eq" id="([vg])(\d+)">', out):
                links.setdefault(int(vid), f"#{kind}{vid}")      # where it is computed, else its gradient
            svg = draw_graph(self.graph, links=links).svg
            i = out.find("<body>")
            if i >= 0:
                i += len("<body>")
                out = out[:i] + '\n<figure class="graph-view">' + svg + "</figure>\n" + out[i:]
            from .patterns.conv_page import figures     # convolution windows stepped on their grids
            steppers = figures(self.graph, self.derivation.decimals, messages(lang or self.lang))
            j = out.find("</body>")
            if steppers and j >= 0:
                out = out[:j] + steppers + "\n" + out[j:]
        return out

    def __str__(self) -> str:
        return self.render("text")

    def __repr__(self) -> str:
        return f"<Solution of training step {self.step}: loss {self.loss:.6g}>"

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def _repr_html_(self) -> str:
        if not self.layered:
            return self.render("html")
        from .render.interactive import fragment
        return fragment(self, messages(self.lang))

    @property
    def step(self) -> int:
        return self.record.step

    @property
    def loss(self) -> float:
        r = self.record
        return r.loss if isinstance(r.loss, float) else r.loss_value


#: steps already taken through ``explain_step`` per optimizer: a second call in a notebook continues
#: the count (its "initial" values are the ones the first call's update left, and it says so: step 2)
_STEPS_TAKEN = weakref.WeakKeyDictionary()


def explain_step(model, criterion, optimizer, x=None, y=None, *, data=None, step: int = 1, decimals: int = 4,
                 hand: bool = False, numeric: bool = False, notation: str = "flat", form: str = "auto",
                 max_scalar: int = DEFAULT_MAX_SCALAR, lang: str = "en", verify_torch: bool = False,
                 input_grads: bool = False, torch_twin=None) -> Solution:
    """Run training steps 1…``step`` and explain the last one, checked against autograd.

    ``data``: an iterable of (x, y) batches instead of ``x``, ``y`` — step N takes the N-th batch, cycling
    through epochs (per-sample SGD is a batch size of 1); the loss of every step and of every epoch is listed.
    ``form``: "scalar" (every unit, the post's way), "matrix" (δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾) with
    shapes and per-layer statistics) or "auto" (scalar up to ``max_scalar`` parameters) — for a chain of
    Linear + activation layers; any other model is explained on its recorded graph (``graph_builder``).

    ``verify_torch``: run the same steps in PyTorch and compare.  A chain of Linear layers is rebuilt in
    PyTorch from its structure; any other model needs ``torch_twin``, a function returning the same
    (model, criterion, optimizer, x, y) built with PyTorch (``chainrule explain model.py --verify-torch``
    runs the model file again with the real PyTorch); chainrule's starting parameters are copied into it.

    Calling it again with the same optimizer continues the step count: the second call explains step 2
    (and its "before" values are those the first call's update left), never a second "step 1".
    Raises ``UnsupportedModel`` when there is nothing to explain and ``ChainRuleMismatch`` when a
    chain-rule product disagrees with autograd.
    """
    from ..interop.explain_bridge import bridge_problem
    bridged = bridge_problem(model, criterion, optimizer, x, y)   # a model built with the real PyTorch
    if bridged is not None:
        model, criterion, optimizer, x, y, torch_twin = bridged
        verify_torch = data is None          # its numbers are checked against PyTorch's own step
        if data is not None:                 # (the PyTorch check replays one batch: not for data=)
            from ..interop.explain_bridge import bridge_batches
            data, torch_twin = bridge_batches(data), None
    done = _STEPS_TAKEN.get(optimizer, 0) if _weakable(optimizer) else 0
    batches = None
    if data is not None:
        batches = list(data)
        if not batches:
            from .errors import UnsupportedModel
            raise UnsupportedModel("data has no batches: give an iterable of (x, y) pairs")
        x, y = _batch(batches, done + step - 1)
    torch_rows = graph_rows = None
    if verify_torch:
        from .torch_check import graph_reference, torch_reference
        try:
            torch_rows = torch_reference(model, criterion, optimizer, x, y, step)
        except (AttributeError, TypeError):      # not a structure the layered twin can rebuild
            torch_rows = None
        if torch_twin is not None:
            graph_rows = graph_reference(torch_twin, model, step)
    runner = None
    if batches is not None:
        count = [done]

        def runner():
            bx, by = _batch(batches, count[0])
            count[0] += 1
            return _train(model, criterion, optimizer, bx, by)
    rec = record_step(model, criterion, optimizer, x, y, step=step, numeric=numeric, input_grads=input_grads,
                      steps_run=runner)
    if hasattr(rec, "layers"):
        graph = rec.graph
    else:                      # not the lecture's chain: explained on its graph
        rec, graph = None, rec
    if _weakable(optimizer):
        _STEPS_TAKEN[optimizer] = done + step
    graph.step = done + step
    epochs = _epochs(graph.losses, done, len(batches)) if batches is not None else None
    if rec is not None:
        rec.step = done + step
        if torch_rows is not None:
            torch_rows = torch_rows(rec)
        elif graph_rows is not None:
            torch_rows = graph_rows(graph)
        builder = Builder(rec, decimals=decimals, hand=hand, notation=notation, form=form, max_scalar=max_scalar,
                          torch_record=torch_rows)
        d = audit(builder.build())
        extra_sections(d, graph, decimals, input_grads, epochs)
        return Solution(d, rec, lang, graph)
    from .graph_builder import GraphBuilder
    title = {"loss": _loss_title(criterion), "optimizer": type(optimizer).__name__}
    if verify_torch and graph_rows is None:
        from .errors import UnsupportedModel
        raise UnsupportedModel("--verify-torch for a model outside the layered form (a chain of Linear layers and "
                               "activations) needs the model built with PyTorch: pass torch_twin= to explain_step, "
                               "or use a Python model file (chainrule explain model.py --verify-torch runs it "
                               "with the real PyTorch)")
    gb = GraphBuilder(graph, decimals=decimals, title=title)
    d = gb.build()
    if graph_rows is not None:
        d.sections.append(gb.torch_section(graph_rows(graph, symbol=gb.label)))
    d = audit(d)
    d.title_key = "graph.title"
    extra_sections(d, graph, decimals, False, epochs)
    return Solution(d, graph, lang, graph)


def explain_backward(output, *, decimals: int = 4, lang: str = "en", of: str = "L", recorder=None) -> Solution:
    """Explain the backward pass of a graph already built: ``output`` is a scalar tensor.

    Values are known for the ops recorded by ``recorder`` (a ``StepRecorder`` active while the graph was
    built — ``chainrule explain circuit.py`` records its file so); without one, each op's value is taken
    from the graph where the graph keeps it (leaves), the gradients are always autograd's.
    """
    from .graph_builder import GraphBuilder
    from .step_graph import StepRecorder
    from .errors import UnsupportedModel
    if getattr(output, "grad_fn", None) is None:
        raise UnsupportedModel("this tensor has no grad_fn: nothing that requires grad was used to compute it, so "
                               "there is no graph to walk")
    if output.numel() != 1:
        raise UnsupportedModel(f"the output has shape {tuple(output.shape)}, not one number: explain a scalar "
                               f"(e.g. out.sum())")
    if recorder is None:
        recorder = StepRecorder.replay(output)
    graph = recorder.finish(output)
    d = audit(GraphBuilder(graph, decimals=decimals, loss_name=of, title={"loss": of}).build())
    d.title_key = "graph.title_backward"
    return Solution(d, graph, lang, graph)


def _weakable(obj) -> bool:
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


def _batch(batches, n):
    b = batches[n % len(batches)]
    if not isinstance(b, (tuple, list)) or len(b) != 2:
        from .errors import UnsupportedModel
        raise UnsupportedModel(f"data[{n % len(batches)}] is not an (x, y) pair")
    return b[0], b[1]


def _train(model, criterion, optimizer, x, y) -> float:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss.item())


def _epochs(losses, done, per_epoch):
    """[(epoch, total error)] of the epochs the steps run here cover (steps done+1 … done+len(losses))."""
    out = {}
    for k, v in enumerate(losses):
        e = (done + k) // per_epoch + 1
        out[e] = out.get(e, 0.0) + v
    return sorted(out.items())


def _loss_title(criterion) -> str:
    return type(criterion).__name__ if not callable(criterion) or hasattr(criterion, "forward") else "the loss"


def extra_sections(d, graph, decimals, input_grads, epochs):
    """∂L/∂x (``input_grads``) and the per-epoch errors (``data``), added to either form of the solution."""
    from .derivation import Equation, Num, Para, Partial, Section, Shape, Sym, Table
    from .graph_builder import GraphBuilder
    if epochs:
        d.sections.insert(1, Section("section.epochs", [
            Table(["graph.epoch", "graph.total"], [[str(e), Num(v)] for e, v in epochs],
                  Para("graph.epochs", {"step": graph.step}))]))
    if input_grads:
        x = next((v for v in graph.values if v.kind == "input"), None)
        if x is not None and x.grad is not None:
            gb = GraphBuilder(graph, decimals=decimals)
            d.sections.append(Section("section.input_grads", [
                Equation(Partial(Sym("L"), Sym("x", ref=x.id)), [gb.show(x.grad)],
                         None if x.size == 1 else Shape(x.shape), role="gradient")]))
