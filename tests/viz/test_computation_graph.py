"""The computation graph as Graphviz DOT: ops, shapes, values, gradients, module clusters."""
import re
import os
import shutil

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.autograd.function import Function
from chainrule.cli import main
from chainrule.viz import graph
from chainrule.viz.graph import GraphRecorder, GraphvizNotInstalled, describe, make_dot, trace
from chainrule.viz.network import seed_model


def _nodes(dot: str) -> dict:
    """node id -> label text (with DOT's \\l line breaks turned into newlines)."""
    return {m.group(1): m.group(2).replace("\\l", "\n").strip()
            for m in re.finditer(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', dot, re.M)}


def _edges(dot: str) -> list:
    return re.findall(r"^\s*(n\d+) -> (n\d+);", dot, re.M)


@pytest.fixture
def seed_dot():
    model = seed_model()
    x = chainrule.tensor([[1.0, 1.0]], dtype=chainrule.float64)
    y = chainrule.tensor([[0.0]], dtype=chainrule.float64)
    return trace(model, x, loss_fn=nn.BCELoss(), target=y).source


def test_seed_graph_has_each_op_with_shape_value_and_gradient(seed_dot):
    labels = list(_nodes(seed_dot).values())
    first_lines = [lab.split("\n")[0] for lab in labels]
    assert first_lines.count("SigmoidBackward0") == 2
    assert first_lines.count("AddmmBackward0") == 2
    assert "BinaryCrossEntropyBackward0" in first_lines
    by_name = {lab.split("\n")[0]: lab for lab in labels}
    assert by_name["layer1.0.weight"].split("\n")[1] == "(2, 2)"
    assert by_name["layer2.0.bias"].split("\n")[1] == "(1,)"
    assert "grad  [[0.2727, 0.2797]]" in by_name["layer2.0.weight"]      # ∂L/∂W5, ∂L/∂W6
    assert "value 0.5369" in by_name["BinaryCrossEntropyBackward0"]
    sig = [lab for lab in labels if lab.startswith("SigmoidBackward0\n(1, 1)")][0]
    assert "value [[0.4154]]" in sig and "grad  [[1.7107]]" in sig     # σ3 and ∂L/∂σ3


def test_seed_graph_edges_join_defined_nodes_in_forward_direction(seed_dot):
    nodes = _nodes(seed_dot)
    edges = _edges(seed_dot)
    assert len(edges) == 8 and len(nodes) == 9
    assert all(a in nodes and b in nodes for a, b in edges)
    root = [n for n, lab in nodes.items() if lab.startswith("BinaryCrossEntropy")][0]
    assert not [e for e in edges if e[0] == root]            # the loss consumes, nothing consumes it
    assert seed_dot.count("{") == seed_dot.count("}")


def test_seed_graph_is_grouped_by_module(seed_dot):
    for cluster in ("cluster_layer1", "cluster_layer1_0", "cluster_layer1_1", "cluster_layer2_0"):
        assert f"subgraph {cluster} {{" in seed_dot
    block = seed_dot[seed_dot.index("subgraph cluster_layer1_0"):]
    block = block[:block.index("}")]
    assert "AddmmBackward0" in block and "layer1.0.weight" in block and "Sigmoid" not in block


def test_plain_tensor_graph_without_recorder_shows_ops_and_shapes():
    a = chainrule.ones(3, 1, requires_grad=True)
    b = chainrule.ones(4, requires_grad=True)
    out = (a * b).exp().sum()
    dot = make_dot(out, params={"a": a, "b": b}).source
    labels = _nodes(dot)
    firsts = {lab.split("\n")[0]: lab for lab in labels.values()}
    assert set(firsts) == {"SumBackward0", "ExpBackward0", "MulBackward0", "a", "b"}
    assert firsts["MulBackward0"].split("\n")[1] == "(3, 4)"      # the broadcast shape
    assert firsts["ExpBackward0"].split("\n") == ["ExpBackward0", "(3, 4)"]  # nothing recorded: no values
    assert "value [[1.]" in firsts["a"] or "value [[1.0000]" in firsts["a"]


def test_large_tensors_are_summarised():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
    dot = trace(model, chainrule.randn(16, 64)).source
    weight = [lab for lab in _nodes(dot).values() if lab.startswith("0.weight")][0]
    assert weight.split("\n")[1] == "(32, 64)"
    assert re.search(r"value mean -?[\d.e-]+ ±[\d.e-]+ \[", weight)
    assert "grad  mean" in weight


def test_describe_small_in_full_and_large_summarised():
    assert describe(np.array([[0.65651, 0.67316]])) == "[[0.6565, 0.6732]]"
    assert describe(np.arange(100.0)) == "mean 49.5 ±28.87 [0, 99]"
    assert describe(np.array([1.0, np.nan] * 10)).endswith("10 nan/inf")


def test_recorder_stops_observing_even_when_the_forward_fails():
    from chainrule.autograd.function import _forward_observers
    before = Function.__dict__["apply"]
    with pytest.raises(RuntimeError):
        with GraphRecorder() as rec:
            chainrule.ones(2, requires_grad=True).exp()
            raise RuntimeError("boom")
    assert len(rec.values) == 1                      # the exp it saw inside the block
    chainrule.ones(2, requires_grad=True).exp()      # ... and nothing after it
    assert len(rec.values) == 1
    assert _forward_observers == {}
    assert Function.__dict__["apply"] is before      # the engine is observed, never patched


def test_forward_observer_sees_every_op_and_can_be_removed():
    from chainrule.autograd.function import register_forward_observer
    seen = []
    x = chainrule.ones(2, requires_grad=True)
    with register_forward_observer(lambda cls, args, out: seen.append((cls.__name__, out.grad_fn))):
        y = (x * 2).sum()
        z = chainrule.ones(2).exp()                  # not recorded: the observer still sees it
    (x * 3).sum()
    assert [name for name, _ in seen] == ["Mul", "Sum", "Exp"]
    assert seen[1][1] is y.grad_fn and seen[2][1] is None and z.grad_fn is None


def test_a_tensor_without_graph_is_explained():
    with pytest.raises(ValueError, match="no grad_fn: nothing that requires grad"):
        make_dot(chainrule.ones(2))


def test_missing_dot_program_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    g = make_dot(chainrule.ones(2, requires_grad=True).exp())
    with pytest.raises(GraphvizNotInstalled) as info:
        g.render(str(tmp_path / "g.svg"))
    msg = str(info.value)
    assert "Graphviz's `dot` program" in msg and "apt-get install graphviz" in msg and "pip install graphviz" in msg
    assert not (tmp_path / "g.svg").exists()
    # Jupyter: no SVG, so the DOT source is shown with the same advice
    assert g._repr_svg_() is None
    assert "apt-get install graphviz" in g._repr_html_() and "digraph" in g._repr_html_()
    # .dot needs nothing
    g.render(str(tmp_path / "g.dot"))
    assert (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")


def test_cli_graph_svg_without_dot_is_a_one_line_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    assert main(["graph", "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule graph: error: rendering SVG output needs Graphviz")
    assert len(err.strip().splitlines()) == 1


def test_cli_graph_dot_of_the_seed(tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main(["graph", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "AddmmBackward0" in text and "cluster_layer2" in text


def test_cli_graph_unknown_format(capsys):
    assert main(["graph", "-o", "g.jpeg"]) == 2
    assert "use a file ending in .dot, .svg, .png or .pdf" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CHAINRULE_REQUIRE_TOOLS"),
                    reason="Graphviz's dot program is not installed (scripts/test.sh installs it and requires it)")
def test_rendered_svg_is_xml(tmp_path):
    import xml.etree.ElementTree as ET
    out = tmp_path / "g.svg"
    assert main(["graph", "-o", str(out)]) == 0
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert "AddmmBackward0" in out.read_text(encoding="utf-8")
