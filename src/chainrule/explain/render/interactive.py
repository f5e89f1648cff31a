"""The interactive HTML solution: the network diagram beside the derivation, one self-contained file.

``page(solution, messages)`` returns a whole HTML document (what ``chainrule explain --format html``
writes); ``fragment(solution, messages)`` the same content as one ``<div>`` for Jupyter.  Everything is
inline — CSS, the script, the SVG diagram (``chainrule.viz.network``), MathML for the math (the static
renderer's ``html.MathML``) — so the file opens offline and fetches nothing.

What the reader can do:

* step through the phases overview → forward → loss → backward → update with the buttons or the
  ←/→ keys; each phase shows its part of the derivation and the diagram's matching values
  (activations in the forward pass, ∂L/∂W in red after backward, the new values in green after the
  update);
* select a parameter (its edge or label on the diagram, or its row in a table): the diagram
  highlights its chain-rule path — every edge and unit from the parameter up to the loss — and the
  derivation highlights the factors of its gradient, both in symbols and in numbers, with the
  equations that compute those factors; hovering a factor lights up its place on the diagram;
* in the matrix form (no single parameter is written out), select a layer (its units or edges on the
  diagram, its block in the derivation, or its row in a table): the diagram highlights the layer's
  units and edges, the derivation its matrix equations z⁽ˡ⁾, a⁽ˡ⁾, δ⁽ˡ⁾, ∂L/∂W⁽ˡ⁾, ∂L/∂b⁽ˡ⁾ and the
  update rule, and a card repeats them.

The script only toggles classes.  What belongs together — a block's phase, a parameter's path of
diagram ids, its factors, a layer's drawn ids and equations — is worked out here from the ``Derivation`` and the recorded step, and
embedded as JSON.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from html import escape
from pathlib import Path

from .. import derivation as D
from ..locale import diagram_words
from . import numbers
from .fill import fill
from .html import CSS as STATIC_CSS
from .html import MathML, _equation, _inline
from .headings import heading
from .korean import gloss_once

PHASES = ("overview", "forward", "loss", "backward", "update")
MAX_UNITS = 10          # the diagram draws at most this many units per column (the rest behind "⋮")
ASSETS = Path(__file__).with_name("assets")

# the phase of each section; blocks inside backward (and matrix) sections are refined by their content
SECTION_PHASE = {"section.setup": "overview", "section.forward": "forward", "section.loss": "loss",
                 "section.backward": "backward", "section.backward_layer": "backward",
                 "section.matrix": "backward", "section.table": "update", "section.summary": "update",
                 "section.observation": "update", "section.torch": "overview"}


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ symbols → diagram
class DiagramIndex:
    """Maps the derivation's symbols to the diagram's element ids through what each symbol names.

    Every symbol of the lecture's form carries the StepGraph value it names and which element
    (``Sym.ref``, ``Sym.elem``, set by ``naming.Names`` from ``StepRecord.refs()``): W₅ is element (0, 0)
    of layer 2's weight in either notation, whatever its subscript reads.  The diagram numbers like the
    post: units across layers (unit-z3, unit-sigma3), weights row by row (edge-W5), biases per unit
    (edge-b3), inputs unit-x1, the loss unit-loss.
    """

    def __init__(self, record):
        self.sizes = [record.layers[0].weight.shape[1]] + [L.weight.shape[0] for L in record.layers]
        self.kinds = [L.activation.kind for L in record.layers]
        self.has_bias = [L.bias is not None for L in record.layers]
        self.by_ref = {}        # StepGraph value id -> (kind, layer)
        for l, L in enumerate(record.layers):
            for what, kind in (("weight", "W"), ("bias", "b"), ("z", "z"), ("a", "a")):
                vid = L.ids.get(what)
                if vid is not None and (kind != "a" or vid != L.ids.get("z")):
                    self.by_ref[vid] = (kind, l)
        self.by_ref[record.ids["x"]] = ("x", 0)
        self.loss_ref = record.ids.get("loss")

    def of(self, expr, role: str = ""):
        """The entity a symbol names — ("W", l, j, i), ("b", l, j), ("z"|"a", l, j), ("x", 0, i) or
        ("L",) — or None (a symbol naming no drawn quantity, or a whole layer's matrix)."""
        if not isinstance(expr, D.Sym):
            return None
        if (expr.ref is not None and expr.ref == self.loss_ref) or (
                expr.ref is None and replace(expr, sample=None) in (Sym_L, Sym_ell)):   # the general rules' L
            return ("L",)
        found = self.by_ref.get(expr.ref) if expr.ref is not None else None
        if found is None or expr.elem is None or expr.hat:
            return None
        kind, l = found
        return (kind, l, *expr.elem)

    def layer_of(self, expr):
        """The layer (0-based) a matrix-form symbol (W⁽ˡ⁾, z⁽ˡ⁾, δ⁽ˡ⁾ …) belongs to, by the value it names."""
        found = self.by_ref.get(expr.ref) if isinstance(expr, D.Sym) and expr.ref is not None else None
        return None if found is None else found[1]

    # diagram ids
    def unit_number(self, l, j) -> int:
        return sum(self.sizes[1:l + 1]) + j + 1

    def _drawn_names(self):
        """The diagram's own parameter names (``viz.network.parameter_names``: the one flat numbering)."""
        if "_names" not in self.__dict__:
            from ...viz.network import parameter_names
            self._names = parameter_names(self.sizes)
        return self._names

    def weight_name(self, l, j, i) -> str:
        return self._drawn_names()[l][0][j, i]

    def bias_name(self, l, j) -> str:
        return self._drawn_names()[l][1][j]

    def param_name(self, ent) -> str:
        return self.weight_name(*ent[1:]) if ent[0] == "W" else self.bias_name(*ent[1:])

    def act_id(self, l, j) -> str:
        u = self.unit_number(l, j)
        kind = self.kinds[l]
        if kind == "identity":
            return f"unit-z{u}"
        return f"unit-{'sigma' if kind == 'sigmoid' else 'a'}{u}"

    def unit_ids(self, l, j) -> list:
        u = self.unit_number(l, j)
        ids = [f"unit-z{u}"]
        if self.kinds[l] != "identity":
            ids.append(self.act_id(l, j))
        return ids

    def source_id(self, l, i) -> str:
        """The value that weight column i of layer l multiplies: x_i or the previous layer's output."""
        return f"unit-x{i + 1}" if l == 0 else self.act_id(l - 1, i)

    def ids(self, ent) -> list:
        kind = ent[0]
        if kind == "x":
            return [f"unit-x{ent[2] + 1}"]
        if kind == "z":
            return [f"unit-z{self.unit_number(ent[1], ent[2])}"]
        if kind == "a":
            return [self.act_id(ent[1], ent[2])]
        if kind in ("W", "b"):
            name = self.param_name(ent)
            return [f"edge-{name}", f"label-{name}"]
        return ["unit-loss"]

    def factor_ids(self, partial: D.Partial) -> list:
        """Where a factor ∂of/∂wrt sits on the diagram: both quantities and the edge between them."""
        of, wrt = self.of(partial.of), self.of(partial.wrt)
        out = []
        for ent in (of, wrt):
            if ent is not None:
                out += self.ids(ent)
        if of is not None and wrt is not None and of[0] == "z" and wrt[0] in ("a", "x"):
            l, k = of[1], of[2]
            i = wrt[2]
            if (wrt[0] == "x" and l == 0) or (wrt[0] == "a" and wrt[1] == l - 1):
                name = self.weight_name(l, k, i)
                out += [f"edge-{name}", f"label-{name}"]
        if of == ("L",) and wrt is not None and wrt[0] in ("a", "z") and wrt[1] == len(self.kinds) - 1:
            out.append(f"edge-out{self.unit_number(wrt[1], wrt[2])}")
        return out

    def path(self, ent) -> dict:
        """Every edge and unit on the way from parameter ``ent`` up to the loss (all paths)."""
        kind, l, j = ent[0], ent[1], ent[2]
        nL = len(self.kinds)
        name = self.param_name(ent)
        edges = [f"edge-{name}", f"label-{name}"]
        units = [self.source_id(l, ent[3]) if kind == "W" else f"bias-{l + 1}"] + self.unit_ids(l, j)
        reach = [j]
        for m in range(l + 1, nL):
            for k in range(self.sizes[m + 1]):
                units += self.unit_ids(m, k)
                for i in reach:
                    w = self.weight_name(m, k, i)
                    edges += [f"edge-{w}", f"label-{w}"]
            reach = list(range(self.sizes[m + 1]))
        edges += [f"edge-out{self.unit_number(nL - 1, k)}" for k in reach]
        units.append("unit-loss")
        return {"edges": edges, "units": units}


    def layer_ids(self, l) -> dict:
        """What layer ``l`` (0-based) is on the diagram, as drawn (wide layers show ``MAX_UNITS``
        units): its weight and bias edges and labels, bias source and units; and the values it reads."""
        from ...viz.network import shown_units
        rows = [j for j in shown_units(self.sizes[l + 1], MAX_UNITS) if j is not None]
        cols = [i for i in shown_units(self.sizes[l], MAX_UNITS) if i is not None]
        edges, units = [], [f"bias-{l + 1}"] if self.has_bias[l] else []
        for j in rows:
            units += self.unit_ids(l, j)
            names = [self.weight_name(l, j, i) for i in cols] + ([self.bias_name(l, j)] if self.has_bias[l] else [])
            edges += [f"{kind}-{n}" for n in names for kind in ("edge", "label")]
        return {"edges": edges, "units": units, "sources": [self.source_id(l, i) for i in cols]}


Sym_L = D.Sym("L")
Sym_ell = D.Sym("ℓ")


# ------------------------------------------------------------------------------------------ MathML
class TaggedMathML(MathML):
    """The static renderer's MathML, with chosen sub-expressions wrapped in ``<mrow data-factor=…>``."""

    def __init__(self, decimals: int):
        super().__init__(decimals)
        self.tags = {}      # id(expr) -> factor id

    def __call__(self, e) -> str:
        s = super().__call__(e)
        tag = self.tags.get(id(e))
        return f'<mrow class="cr-factor" data-factor="{escape(tag)}">{s}</mrow>' if tag else s


def _partial_key(p: D.Partial, index: DiagramIndex) -> str | None:
    of, wrt = index.of(p.of), index.of(p.wrt)
    return None if of is None or wrt is None else f"{'-'.join(map(str, of))}/{'-'.join(map(str, wrt))}"


def _plain(value: float, decimals: int) -> str:
    neg, mant, exp = numbers.split(value, decimals)
    s = ("-" if neg else "") + mant
    return s if exp is None else f"{s}×10^{exp}"


def _sym_text(sym: D.Sym) -> str:
    sub = sym.sub.translate(str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,"))
    return f"{sym.base}{sym.sup}{sub}"


# ------------------------------------------------------------------------------------- the content
class _Page:
    def __init__(self, solution, messages):
        self.d = solution.derivation
        self.rec = solution.record
        self.msg = messages
        self.index = DiagramIndex(self.rec)
        self.math = TaggedMathML(self.d.decimals)
        self.math.exact_word = messages.get("hand.exact")      # 0.7196† (exact 0.7197) beside a hand result
        self.params = {}        # name -> what the script needs (path, factors, values, its block's id)
        # the matrix form writes no parameter out: a layer is what the reader selects there
        self.by_layer = not any(s.key == "section.backward_layer" for s in self.d.sections)
        self.layers = {}        # "1", "2", … -> drawn ids, its blocks (id, role), its card's equations

    # -- classification ------------------------------------------------------------------------------
    def _param_of(self, e):
        ent = self.index.of(e)
        return self.index.param_name(ent) if ent and ent[0] in ("W", "b") else None

    def _block_phase(self, section, block, current):
        """(phase, parameter, role) of a block; ``current`` is the parameter of the group being written."""
        phase = SECTION_PHASE.get(section.key, "overview")
        if isinstance(block, D.Para) and block.key.startswith("update."):
            return "update", current, "update"
        if isinstance(block, D.Para) and block.key == "matrix.loss":
            return "loss", None, None
        if not isinstance(block, D.Equation):
            return phase, None, None
        lhs = block.lhs
        if block.role == "update":
            if phase in ("backward", "update"):
                return "update", self._param_of(lhs) or current, "update"
        if section.key == "section.matrix" and block.role == "forward":
            return "forward", None, None
        if isinstance(lhs, D.Partial):
            p = self._param_of(lhs.wrt)
            if p is not None:
                return phase, p, ("grad" if block.role == "gradient" else "input")
            return phase, None, "local"
        return phase, None, None

    def _matrix_layer(self, block):
        """(layer index, role) of a matrix-form equation, from its role and the value its left side names:
        z⁽ˡ⁾ and a⁽ˡ⁾ "forward", δ⁽ˡ⁾ "delta", ∂L/∂W⁽ˡ⁾ and ∂L/∂b⁽ˡ⁾ "grad"; None for anything else."""
        if not isinstance(block, D.Equation) or block.role not in ("forward", "gradient"):
            return None
        lhs = block.lhs
        if isinstance(lhs, D.Partial):
            sym, role = lhs.wrt, "grad"
        else:
            sym, role = lhs, "forward" if block.role == "forward" else "delta"
        l = self.index.layer_of(sym)
        return None if l is None else (l, role)

    def _layer_entry(self, l) -> dict:
        key = str(l + 1)
        if key not in self.layers:
            rec = self.rec.layers[l]
            n_out, n_in = rec.weight.shape
            kind = rec.activation.kind
            name = f"Linear({n_in}, {n_out})" + ("" if kind == "identity" else f" → {kind}")
            self.layers[key] = {"layer": l + 1, "name": name, **self.index.layer_ids(l), "blocks": [], "card": []}
        return self.layers[key]

    def _layer_blocks(self, section, rows) -> dict:
        """id(block) -> (block id, layer key or None, role) for the matrix section's equations; the
        update rule, written once for every parameter, belongs to every layer."""
        out = {}
        if not self.by_layer or section.key != "section.matrix":
            return out
        updates = []
        for n, (b, phase, _, role) in enumerate(rows):
            bid = f"cr-m{n}"
            found = self._matrix_layer(b)
            if found is not None:
                l, lrole = found
                entry = self._layer_entry(l)
                entry["blocks"].append({"id": bid, "role": lrole})
                if lrole != "forward":
                    entry["card"].append(b)
                out[id(b)] = (bid, str(l + 1), lrole)
            elif role == "update" and isinstance(b, D.Equation):
                updates.append((bid, b))
                out[id(b)] = (bid, None, "update")
        for entry in self.layers.values():
            for bid, b in updates:
                entry["blocks"].append({"id": bid, "role": "update"})
                entry["card"].append(b)
        return out

    # -- rendering -------------------------------------------------------------------------------------
    def _tag_chain(self, name, block):
        """Tag the factors of a gradient equation (symbols and, row below, their numbers)."""
        rows = block.rows
        if not rows or not isinstance(rows[0], D.Mul) or not all(isinstance(f, D.Partial) for f in rows[0].factors):
            return
        info = self.params[name]
        if info["factors"]:
            return
        for k, f in enumerate(rows[0].factors):
            fid = f"{name}.{k}"
            self.math.tags[id(f)] = fid
            if len(rows) > 1 and isinstance(rows[1], D.Mul) and len(rows[1].factors) == len(rows[0].factors):
                self.math.tags[id(rows[1].factors[k])] = fid
            info["factors"].append({"id": fid, "key": _partial_key(f, self.index),
                                    "diagram": self.index.factor_ids(f)})

    def _new_param(self, name, sym):
        ent = self.index.of(sym)
        L = self.rec.layers[ent[1]]
        if ent[0] == "W":
            before, grad, after = (float(a[ent[2], ent[3]]) for a in (L.weight, L.weight_grad, L.weight_after))
        else:
            before, grad, after = (float(a[ent[2]]) for a in (L.bias, L.bias_grad, L.bias_after))
        D_ = self.d.decimals
        self.params[name] = {"name": name, "label": _sym_text(sym), "layer": ent[1] + 1,
                             "path": self.index.path(ent), "factors": [], "block": None,
                             "values": {"before": _plain(before, D_), "grad": _plain(grad, D_),
                                        "after": _plain(after, D_)},
                             "symbol": sym}
        self.params[name]["card"] = []

    def _para(self, p: D.Para) -> str:
        return fill(self.msg.get(p.key), p.params, self.math, escape=escape, inline=_inline)

    def _table(self, block: D.Table) -> str:
        out = []
        if block.title is not None:
            out.append(f"<p>{self._para(block.title)}</p>")
        out.append("<table><thead><tr>" + "".join(f"<th>{escape(self.msg.get(k))}</th>" for k in block.header)
                   + "</tr></thead><tbody>")
        for r in block.rows:
            first = r[0] if r else None
            if isinstance(first, D.Eq):
                first = first.left
            p = self._param_of(first) if isinstance(first, D.Expr) else None
            attr = f' data-param="{p}" tabindex="0"' if p in self.params else ""
            if (self.by_layer and block.header and block.header[0] == "table.layer_no" and r
                    and str(r[0]) in self.layers):
                attr = f' data-layer="{r[0]}" tabindex="0"'
            out.append(f"<tr{attr}>" + "".join(
                f"<td>{_inline(self.math(c)) if isinstance(c, D.Expr) else escape(str(c))}</td>" for c in r)
                + "</tr>")
        out.append("</tbody></table>")
        return "".join(out)

    def sections_html(self) -> str:
        # first pass: which parameters exist and which blocks are theirs (so tables can link to them)
        plan = []
        for s in self.d.sections:
            current = None
            rows = []
            for b in s.blocks:
                phase, p, role = self._block_phase(s, b, current)
                if s.key != "section.backward_layer":
                    p = None            # parameters are written out (and selectable) in the scalar form only
                elif p is not None:
                    current = p
                    if p not in self.params:
                        self._new_param(p, replace(b.lhs.wrt if isinstance(b.lhs, D.Partial) else b.lhs,
                                                   sample=None, time=None))
                    if role == "grad" and isinstance(b, D.Equation):
                        self._tag_chain(p, b)
                rows.append((b, phase, p, role))
            plan.append((s, rows))
        # which equations compute a factor (∂L/∂σ3 = …), so a selection can point at them
        defines = {}
        for s, rows in plan:
            for b, _, p, role in rows:
                if role == "local" and isinstance(b, D.Equation):
                    key = _partial_key(b.lhs, self.index)
                    if key:
                        defines.setdefault(key, id(b))
        out = []
        for s, rows in plan:
            by_layer = self._layer_blocks(s, rows)
            phases = sorted({ph for _, ph, _, _ in rows} or {SECTION_PHASE.get(s.key, "overview")},
                            key=PHASES.index)
            tag = "h2" if s.level <= 2 else "h3"
            out.append(f'<section class="cr-section" data-phases="{" ".join(phases)}">'
                       f"<{tag}>{escape(heading(self.msg, self.d, s))}</{tag}>")
            for b, phase, p, role in rows:
                attrs = f' data-phase="{phase}"'
                if p:
                    attrs += f' data-param="{p}"'
                if role:
                    attrs += f' data-role="{role}"'
                if role == "local" and isinstance(b, D.Equation):
                    key = _partial_key(b.lhs, self.index)
                    if key and defines.get(key) == id(b):
                        attrs += f' data-defines="{escape(key)}"'
                if id(b) in by_layer:
                    bid, layer, lrole = by_layer[id(b)]
                    attrs += f' id="{bid}" data-layer-role="{lrole}"'
                    if layer is not None:
                        attrs += f' data-layer="{layer}" tabindex="0"'
                if role == "grad" and p and self.params[p]["block"] is None:
                    bid = f"cr-grad-{p}"
                    self.params[p]["block"] = bid
                    attrs += f' id="{bid}"'
                out.append(f'<div class="cr-block"{attrs}>{self._block(b)}</div>')
                if p and isinstance(b, D.Equation) and b.rows and isinstance(b.rows[-1], D.Num):
                    self._shown_value(p, role, b)
                if p and role in ("grad", "update") and isinstance(b, D.Equation) and len(b.rows) > 1:
                    self.params[p]["card"].append(_equation(b, self.math))
            out.append("</section>")
        return "\n".join(out)

    def _shown_value(self, name, role, eq):
        """The card shows the gradient and new value exactly as the derivation writes them (with
        ``--hand``, the hand-rounded number, marked † where it differs from the exact one)."""
        last = eq.rows[-1]
        text = _plain(last.value, self.d.decimals) + ("†" if last.exact is not None else "")
        if role == "grad" and self.index.of(eq.lhs.of) == ("L",) and eq.lhs.of == Sym_L:
            self.params[name]["values"]["grad"] = text
        elif role == "update" and isinstance(eq.lhs, D.Sym) and self._param_of(eq.lhs) == name:
            self.params[name]["values"]["after"] = text

    def _block(self, b) -> str:
        if isinstance(b, D.Para):
            return f"<p>{self._para(b)}</p>"
        if isinstance(b, D.Equation):
            s = _equation(b, self.math)
            for note in b.notes:
                s += f'<p class="note">{self._para(note)}</p>'
            return s
        if isinstance(b, D.Table):
            return self._table(b)
        return ""

    # -- the diagram -------------------------------------------------------------------------------------
    def diagram(self) -> str:
        from ...viz.network import LayerState, NetworkState, draw_network
        rec = self.rec
        layers = []
        for L in rec.layers:
            kind = L.activation.kind
            layers.append(LayerState(L.weight, L.bias, None if kind == "identity" else kind,
                                     z=L.z[0], a=None if kind == "identity" else L.a[0],
                                     weight_grad=L.weight_grad, bias_grad=L.bias_grad,
                                     weight_after=L.weight_after, bias_after=L.bias_after))
        target = None if rec.loss_fn.kind == "cross_entropy" else rec.y[0]
        state = NetworkState(layers, inputs=rec.x[0], target=target, loss=float(rec.loss),
                             loss_name=rec.loss_fn.module)
        svg = draw_network(state, precision=self.d.decimals, words=diagram_words(self.msg),
                           legend=False).svg          # the page writes its own legend under the diagram
        return svg.replace("<svg ", '<svg id="cr-diagram" ', 1)

    # -- assembling ----------------------------------------------------------------------------------------
    def body(self, embedded: bool = False) -> str:
        m = self.msg
        title = m.get("title").format_map(self.d.title_params)
        content = self.sections_html()
        svg = self.diagram()
        drawn = set(re.findall(r' id="([^"]+)"', svg))          # labels and wide layers' hidden units are not
        for info in self.layers.values():
            for k in ("edges", "units", "sources"):
                info[k] = [i for i in info[k] if i in drawn]
        phase_buttons = "".join(
            f'<button type="button" class="cr-phase" data-phase="{p}" aria-pressed="false">'
            f'<span class="cr-n">{i}</span>{escape(m.get("page.phase." + p))}</button>' for i, p in enumerate(PHASES))
        cards = []
        for name, info in self.params.items():
            v = info["values"]
            sym = info.pop("symbol")
            heads = {"before": escape(m.get("page.before")), "after": escape(m.get("page.after")),
                     "grad": _inline(self.math(D.Partial(D.Sym("L"), sym)))}
            rows = "".join(f'<tr><th>{heads[k]}</th><td class="cr-v-{k}">{escape(v[k])}</td></tr>'
                           for k in ("before", "grad", "after"))
            cards.append(f'<div class="cr-card" data-param="{name}" hidden>'
                         f'<h3>{_inline(self.math(sym))} '
                         f'<span class="cr-layer">{escape(m.get("page.layer").format(layer=info["layer"]))}</span></h3>'
                         f'<table class="cr-values">{rows}</table>'
                         + "".join(info["card"])
                         + (f'<p class="cr-legend">{escape(m.get("page.factor_hint"))}</p>' if info["factors"] else "")
                         + "</div>")
            del info["card"]
        for key, info in self.layers.items():
            cards.append(f'<div class="cr-card" data-layer="{key}" hidden>'
                         f'<h3>{escape(m.get("page.layer").format(layer=key))} '
                         f'<span class="cr-layer">{escape(info["name"])}</span></h3>'
                         + "".join(_equation(b, self.math) for b in info.pop("card")) + "</div>")
        sample = ""
        if self.rec.x.shape[0] > 1:
            sample = f'<p class="cr-legend">{escape(m.get("page.sample").format(n=self.rec.x.shape[0]))}</p>'
        data = {"phases": list(PHASES), "params": self.params, "layers": self.layers,
                "labels": {p: m.get("page.phase." + p) for p in PHASES}}
        data_json = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        hint = m.get("page.hint") if self.params else m.get("page.hint_matrix")
        cls = "cr-page cr-embedded" if embedded else "cr-page"
        layers_attr = ' data-layers="selectable"' if self.layers else ""
        return (f'<div class="{cls}" data-phase="overview"{layers_attr} tabindex="-1">'
                f'<header class="cr-head"><h1>{escape(title)}</h1>'
                f'<nav class="cr-bar" aria-label="{escape(m.get("page.phases"))}">'
                f'<button type="button" class="cr-prev" aria-label="{escape(m.get("page.prev"))}">◀</button>'
                f'{phase_buttons}'
                f'<button type="button" class="cr-next" aria-label="{escape(m.get("page.next"))}">▶</button>'
                f'<span class="cr-keys">{escape(m.get("page.keys"))}</span></nav></header>'
                f'<div class="cr-grid"><aside class="cr-side"><div class="cr-diagram">{svg}</div>'
                f'<p class="cr-legend">{escape(m.get("page.legend"))}</p>{sample}'
                f'<div class="cr-info"><p class="cr-hint">{escape(hint)}</p>{"".join(cards)}</div></aside>'
                f'<main class="cr-main">{content}</main></div>'
                f'<script type="application/json" class="cr-data">{data_json}</script>'
                "</div>")


def _scoped(css: str, scope: str = ".cr-page") -> str:
    """The static renderer's style sheet limited to the page's ``<div>`` (a notebook keeps its own look)."""
    out = []
    for rule in css.split("}"):
        if "{" not in rule:
            continue
        selectors, body = rule.split("{", 1)
        sel = ",".join(scope if s.strip() == "body" else f"{scope} {s.strip()}" for s in selectors.split(","))
        out.append(f"{sel}{{{body}}}")
    return "\n".join(out)


def fragment(solution, messages) -> str:
    """The page as one ``<div>`` with its style and script (what Jupyter shows inline)."""
    body = gloss_once(_Page(solution, messages).body(embedded=True).replace("\u2212", "-"))    # ASCII minus: numbers that copy
    return (f"<style>{_scoped(STATIC_CSS)}\n.cr-page{{max-width:none;margin:0;padding:0}}\n"
            f"{_asset('interactive.css')}</style>{body}<script>{_asset('interactive.js')}</script>")


def page(solution, messages) -> str:
    """The whole self-contained HTML document for ``chainrule explain --format html``."""
    p = _Page(solution, messages)
    title = messages.get(solution.derivation.title_key).format_map(solution.derivation.title_params)
    body = gloss_once(p.body().replace("\u2212", "-"))       # ASCII minus, as the text solution: numbers that copy
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{escape(messages.lang)}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STATIC_CSS}\nbody{{max-width:none;margin:0;padding:0}}\n{_asset('interactive.css')}</style>",
        "</head>", "<body>",
        body, f"<script>{_asset('interactive.js')}</script>", "</body>", "</html>"]) + "\n"
