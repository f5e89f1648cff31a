"""The SVG network diagram: valid XML, the lecture's numbers on it, ids for later highlighting."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.cli import main
from chainrule.viz.network import LayerState, NetworkState, capture_network, draw_network, seed_diagram

from seed_toml import SEED_TOML

SVG = "{http://www.w3.org/2000/svg}"

# the seed README's reference values, rounded to the 4 decimals the diagram shows
PARAMS = {"W1": ("0.4352", "-0.0162", "0.4514"), "W2": ("0.3545", "-0.0162", "0.3707"),
          "W3": ("0.1951", "0.0103", "0.1848"), "W4": ("0.4835", "0.0103", "0.4732"),
          "b1": ("-0.1419", "-0.0162", "-0.1257"), "b2": ("0.0439", "0.0103", "0.0336"),
          "W5": ("-0.1725", "0.2727", "-0.4452"), "W6": ("0.1129", "0.2797", "-0.1668"),
          "b3": ("-0.3043", "0.4154", "-0.7197")}
UNITS = {"unit-z1": "0.6478", "unit-z2": "0.7225", "unit-sigma1": "0.6565", "unit-sigma2": "0.6732",
         "unit-z3": "-0.3415", "unit-sigma3": "0.4154"}


def _by_id(root):
    return {el.get("id"): el for el in root.iter() if el.get("id")}


def _text(el) -> str:
    return " ".join(t.strip() for t in el.itertext() if t.strip())


@pytest.fixture(scope="module")
def seed_svg():
    return seed_diagram().svg


def test_seed_diagram_is_valid_svg_xml(seed_svg):
    root = ET.fromstring(seed_svg)
    assert root.tag == SVG + "svg"
    assert root.get("viewBox")
    assert "<script" not in seed_svg and "href" not in seed_svg  # inline-safe: no script, no external refs


def test_seed_diagram_shows_all_nine_parameters_with_gradient_and_update(seed_svg):
    ids = _by_id(ET.fromstring(seed_svg))
    for name, (value, grad, after) in PARAMS.items():
        edge = ids[f"edge-{name}"]
        assert "param" in edge.get("class").split()
        label = _text(ids[f"label-{name}"])
        assert f"{name} = {value}" in label
        assert f"∂L/∂{name} = {grad}" in label
        assert f"→ {after}" in label


def test_seed_diagram_shows_the_six_unit_values_and_the_loss(seed_svg):
    ids = _by_id(ET.fromstring(seed_svg))
    for uid, value in UNITS.items():
        assert value in _text(ids[uid]), uid
    assert "L = 0.5369" in _text(ids["unit-loss"])
    assert _text(ids["unit-x1"]).split() == ["x1", "1"]


def test_full_precision_numbers_are_in_data_attributes(seed_svg):
    ids = _by_id(ET.fromstring(seed_svg))
    assert float(ids["edge-W5"].get("data-grad")) == pytest.approx(0.272737, abs=1e-6)
    assert float(ids["edge-W1"].get("data-grad")) == pytest.approx(-0.016160, abs=1e-6)
    assert float(ids["edge-b3"].get("data-after")) == pytest.approx(-0.719733, abs=1e-6)
    assert float(ids["unit-sigma3"].get("data-value")) == pytest.approx(0.415433, abs=1e-6)
    assert float(ids["unit-loss"].get("data-value")) == pytest.approx(0.536884, abs=1e-6)
    # edges say which units they join, so a chain-rule path can be followed
    assert ids["edge-W5"].get("data-from") == "unit-sigma1" and ids["edge-W5"].get("data-to") == "unit-3"
    assert ids["edge-W2"].get("data-from") == "unit-x2" and ids["edge-W2"].get("data-to") == "unit-1"


def test_edges_with_bigger_gradients_are_drawn_wider(seed_svg):
    root = ET.fromstring(seed_svg)
    ids = _by_id(root)

    def width(name):
        return float(ids[f"edge-{name}"].find(SVG + "line").get("stroke-width"))
    assert width("b3") > width("W5") > width("W1") > 0  # |0.4154| > |0.2727| > |-0.0162|


def test_diagram_without_backward_has_no_gradient_labels():
    state = NetworkState([LayerState([[0.5, -1.0]], [0.25], "relu", z=[0.0], a=[0.0])], inputs=[1, 0.75])
    svg = draw_network(state).svg
    root = ET.fromstring(svg)
    assert "∂L" not in svg
    assert "W2 = -1.0000" in _text(_by_id(root)["label-W2"])
    assert "unit-a1" in _by_id(root)


def test_wide_layers_are_elided_and_unlabelled():
    rng = np.random.default_rng(0)
    state = NetworkState([LayerState(rng.normal(size=(30, 4)), np.zeros(30), "relu"),
                          LayerState(rng.normal(size=(3, 30)), np.zeros(3), None)])
    root = ET.fromstring(draw_network(state).svg)
    ids = _by_id(root)
    assert "unit-1" in ids and "unit-30" in ids and "unit-15" not in ids
    assert not [i for i in ids if i.startswith("label-")]  # 213 edges: too many to label
    assert any("more" in _text(el) for el in root.iter(SVG + "text"))


def test_layer_size_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"layer 2 takes 3 inputs but layer 1 has 2 units"):
        NetworkState([LayerState(np.zeros((2, 2))), LayerState(np.zeros((1, 3)))])
    with pytest.raises(ValueError, match=r"3 input values for a first layer with 2 inputs"):
        NetworkState([LayerState(np.zeros((2, 2)))], inputs=[1, 2, 3])
    with pytest.raises(ValueError, match=r"bias has 3 entries but the layer has 2 units"):
        LayerState(np.zeros((2, 2)), bias=np.zeros(3))


def test_capture_matches_a_hand_computed_relu_network():
    chainrule.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x = chainrule.randn(5, 3)
    y = chainrule.randn(5, 1)
    state = capture_network(model, x, y, nn.MSELoss())
    W1, b1 = model[0].weight.detach().numpy(), model[0].bias.detach().numpy()
    z = x.numpy()[0] @ W1.T + b1
    np.testing.assert_allclose(state.layers[0].z, z, rtol=1e-6)
    np.testing.assert_allclose(state.layers[0].a, np.maximum(z, 0), rtol=1e-6)
    np.testing.assert_array_equal(state.layers[1].weight_grad, model[2].weight.grad.numpy())
    assert state.layers[1].activation is None and state.layers[0].activation == "relu"


def test_capture_refuses_layers_it_cannot_draw():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Tanh())
    with pytest.raises(ValueError, match=r"cannot draw Tanh \(2\)"):
        capture_network(model, chainrule.ones(1, 2))


def test_diagram_displays_inline_in_jupyter():
    d = seed_diagram()
    assert d._repr_svg_() == d.svg


def test_cli_draw_writes_the_seed_diagram(tmp_path, capsys):
    out = tmp_path / "net.svg"
    assert main(["draw", "-o", str(out)]) == 0
    root = ET.parse(out).getroot()
    assert "W5 = -0.1725" in _text(_by_id(root)["label-W5"])


def test_cli_draw_no_step_has_no_updated_values(tmp_path):
    out = tmp_path / "net.svg"
    assert main(["draw", "--no-step", "-o", str(out)]) == 0
    assert "→" not in out.read_text(encoding="utf-8")


def test_cli_draw_with_a_python_model_file(tmp_path):
    f = tmp_path / "model.py"
    f.write_text("import chainrule as torch\nfrom chainrule import nn\n"
                 "model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Sigmoid())\n"
                 "x = torch.tensor([[0.5, -1.0]]); y = torch.tensor([[1.0]])\n"
                 "criterion = nn.BCELoss()\n", encoding="utf-8")
    out = tmp_path / "net.svg"
    assert main(["draw", str(f), "-o", str(out)]) == 0
    ids = _by_id(ET.parse(out).getroot())
    assert {"edge-W9", "edge-b4", "unit-sigma4", "unit-a1", "unit-loss"} <= set(ids)


def test_cli_draw_rejects_a_non_svg_output(capsys):
    assert main(["draw", "-o", "net.png"]) == 2
    err = capsys.readouterr().err
    assert "ending in .svg" in err and len(err.strip().splitlines()) == 1


def test_cli_draw_model_file_without_example_input(tmp_path, capsys):
    f = tmp_path / "m.py"
    f.write_text("from chainrule import nn\nmodel = nn.Linear(2, 1)\n", encoding="utf-8")
    assert main(["draw", str(f), "-o", str(tmp_path / "n.svg")]) == 2
    assert "defines no example input" in capsys.readouterr().err


def test_cli_draw_model_file_without_model(tmp_path, capsys):
    f = tmp_path / "m.py"
    f.write_text("x = 1\n", encoding="utf-8")
    assert main(["draw", str(f), "-o", str(tmp_path / "n.svg")]) == 2
    assert "defines no model" in capsys.readouterr().err


def test_svg_numbers_use_plain_minus_signs(seed_svg):
    # ASCII '-' so a reader can copy the numbers into code
    assert re.search(r"W5 = -0\.1725", seed_svg)


def test_cli_draw_with_a_toml_model_file_shows_the_seed_numbers(tmp_path):
    f = tmp_path / "seed.toml"
    f.write_text(SEED_TOML, encoding="utf-8")
    out = tmp_path / "net.svg"
    assert main(["draw", str(f), "-o", str(out)]) == 0
    ids = _by_id(ET.parse(out).getroot())
    for name, (value, grad, after) in PARAMS.items():
        assert f"{name} = {value}" in _text(ids[f"label-{name}"]) and f"→ {after}" in _text(ids[f"label-{name}"])


def test_id_prefix_lets_two_diagrams_share_a_page():
    state = seed_diagram().state
    root = ET.fromstring(draw_network(state, id_prefix="step2-").svg)
    ids = _by_id(root)
    assert "step2-edge-W5" in ids and "edge-W5" not in ids
    assert ids["step2-edge-W5"].get("data-from") == "step2-unit-sigma1"
    with pytest.raises(ValueError, match="must start with a letter"):
        draw_network(state, id_prefix="2 bad")


def test_viz_needs_only_numpy_until_a_plot_is_asked_for():
    import subprocess
    import sys
    code = ("import sys, chainrule.viz.network, chainrule.viz.graph, chainrule.viz.training, "
            "chainrule.viz.vanishing, chainrule.viz.datasets\n"
            "chainrule.viz.network.seed_diagram()\n"
            "print(sorted(m for m in ('matplotlib', 'tqdm', 'graphviz', 'sklearn', 'torch') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_draw_in_one_call_notes_which_example_is_shown():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))
    x = chainrule.randn(3, 2)
    expected_z1 = float(x.numpy()[1] @ model[0].weight.detach().numpy()[0] + model[0].bias.detach().numpy()[0])
    d = chainrule.viz.draw(model, x, chainrule.randn(3, 1), nn.MSELoss(), example=1)
    root = ET.fromstring(d._repr_svg_())
    assert "unit values for example 2 of 3, gradients over the batch" in d.svg
    assert float(_by_id(root)["unit-z1"].get("data-value")) == pytest.approx(expected_z1, rel=1e-6)


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe model = 1\n", ":1: not UTF-8 text: save the model file as UTF-8"),
    (b"model = 1\x00\n", ": syntax error: source code string cannot contain null bytes"),
    (b"def f(:\n", ":1: syntax error: invalid syntax"),
], ids=["not-utf8", "null-byte", "syntax"])
def test_cli_draw_unreadable_python_model_file_is_one_line_naming_the_file(tmp_path, capsys, content, message):
    """draw/graph/train read Python model files exactly as explain does (same messages, exit 2)."""
    path = tmp_path / "model.py"
    path.write_bytes(content)
    assert main(["draw", str(path), "-o", str(tmp_path / "net.svg")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"chainrule draw: error: {path}{message}"


def _small_texts(svg: str) -> list:
    """The column headings and the legend, in drawing order."""
    root = ET.fromstring(svg)
    return [_text(el) for el in root.iter(f"{SVG}text") if el.get("class") == "small"]


def test_diagram_words_replace_headings_and_legend_and_english_is_the_default(seed_svg):
    from chainrule.viz.network import DiagramWords
    assert _small_texts(seed_svg)[:4] == ["input", "layer 1 (sigmoid)", "layer 2 (sigmoid)", "loss"]
    state = seed_diagram().state
    words = DiagramWords(input="IN", layer="hidden {layer}", output_layer="out {layer}", loss="LOSS",
                         legend="numbers", legend_grad=" + grads", legend_after=" + after")
    texts = _small_texts(draw_network(state, words=words).svg)
    assert texts[:4] == ["IN", "hidden 1 (sigmoid)", "out 2 (sigmoid)", "LOSS"]
    assert texts[-1] == "numbers + grads + after"
    assert draw_network(state, words=DiagramWords()).svg == seed_svg
    assert "numbers" not in draw_network(state, words=words, legend=False).svg


def test_cli_draw_lang_ko_writes_the_lectures_words(tmp_path):
    out = tmp_path / "net.svg"
    assert main(["draw", "--lang", "ko", "-o", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    texts = _small_texts(svg)
    assert texts[:4] == ["입력층", "은닉층 1 (sigmoid)", "출력층 2 (sigmoid)", "오차"]
    assert texts[-1].startswith("간선 표시: 가중치 = 값") and "기울기" in texts[-1] and "갱신 후의 값" in texts[-1]
    assert "학습 1회" in _text(ET.fromstring(svg).find(f"{SVG}text"))
    assert "W5 = -0.1725" in svg                     # the numbers are the same in every language


def test_cli_draw_lang_ko_notes_the_example_in_korean(tmp_path):
    f = tmp_path / "model.py"
    f.write_text("import chainrule as torch\nfrom chainrule import nn\n"
                 "model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))\n"
                 "x = torch.tensor([[0.5, -1.0], [1.0, 2.0]]); y = torch.tensor([[1.0], [0.0]])\n"
                 "criterion = nn.MSELoss()\n", encoding="utf-8")
    out = tmp_path / "net.svg"
    assert main(["draw", str(f), "--lang", "ko", "-o", str(out)]) == 0
    assert _small_texts(out.read_text(encoding="utf-8"))[-1].startswith(
        "유닛의 값은 샘플 2개 중 1번째 샘플의 값, 기울기는 배치 전체에 대한 값; 간선 표시")


def test_every_language_has_every_diagram_word():
    from dataclasses import fields

    from chainrule.explain.locale import LANGS, diagram_words, messages
    from chainrule.viz.network import DiagramWords
    for lang in LANGS:
        for f in fields(DiagramWords):
            assert f"diagram.{f.name}" in messages(lang).keys(), (lang, f.name)
    assert diagram_words("en") == DiagramWords()      # the message file repeats the defaults exactly
