"""Items 8 and 9 of issue 12: honest small displays, and Korean as a Korean student reads it.

8. "1 sample", "2 samples" (never "sample(s)"); English says what α is, as the Korean does; a TOML model's
   layers have readable names (``linear1``, not ``0``/``2``); top-level sections are numbered in order,
   whichever sections a solution has (the matrix form was "1. Setup → Matrix form → 5.").
9. No English left in Korean output outside symbols, code (module names, PyTorch's arguments) and the
   lecture's glosses, each gloss only at the term's first use; particles that fit how a symbol is read
   (σ₁은, a₂는); 1-based counting in prose; no doubled parentheses; the train/vanishing words in Korean.
"""
from __future__ import annotations

import contextlib
import io
import re

import pytest

import chainrule.nn as cnn
import chainrule.optim as coptim
from chainrule.cli import main

SEED_TOML = """layers = [2, 2, 1]
activations = ["sigmoid", "sigmoid"]
x = [[1, 1]]
y = [[0]]
[init]
weights = [[[0.4352, 0.3545], [0.1951, 0.4835]], [[-0.1725, 0.1129]]]
biases  = [[-0.1419, 0.0439], [-0.3043]]
[loss]
name = "bce"
[optimizer]
name = "sgd"
lr = 1.0
"""

MODELS = {
    "relu_ce_adam": ("import torch\nfrom torch import nn, optim\ntorch.manual_seed(0)\n"
                     "model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3))\n"
                     "criterion = nn.CrossEntropyLoss()\noptimizer = optim.Adam(model.parameters(), lr=0.01)\n"
                     "x = torch.randn(3, 2)\ny = torch.tensor([0, 2, 1])\n"),
    "own_forward": ("import torch\nfrom torch import nn, optim\ntorch.manual_seed(0)\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n"
                    "        super().__init__()\n"
                    "        self.a = nn.Linear(2, 2)\n"
                    "        self.b = nn.Linear(2, 1)\n"
                    "    def forward(self, x):\n"
                    "        h = torch.tanh(self.a(x)) + x\n"
                    "        return self.b(h * h)\n"
                    "model = Net()\ncriterion = nn.MSELoss()\n"
                    "optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
                    "x = torch.randn(2, 2)\ny = torch.randn(2, 1)\n"),
    "elu_gelu_adamw": ("import torch\nfrom torch import nn, optim\ntorch.manual_seed(0)\n"
                       "model = nn.Sequential(nn.Linear(2, 3), nn.ELU(alpha=0.5), nn.Linear(3, 2), nn.GELU(),\n"
                       "                      nn.Linear(2, 3))\n"
                       "criterion = nn.CrossEntropyLoss(label_smoothing=0.1)\n"
                       "optimizer = optim.AdamW(model.parameters(), lr=0.01)\n"
                       "x = torch.randn(2, 2)\ny = torch.tensor([0, 2])\n"),
}


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    assert code == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    out = {}
    for name, body in MODELS.items():
        (d / f"{name}.py").write_text(body)
        out[name] = str(d / f"{name}.py")
    (d / "seed.toml").write_text(SEED_TOML)
    out["toml"] = str(d / "seed.toml")
    return out


# -- item 8 ------------------------------------------------------------------------------------------------

def test_sample_counts_are_singular_and_plural(files):
    assert "Input and target (1 sample):" in cli("explain")
    assert "(3 samples):" in cli("explain", files["relu_ce_adam"])
    assert "sample(s)" not in cli("explain", files["relu_ce_adam"], "--lang", "ko")


def test_english_says_alpha_is_the_learning_rate(files):
    for args in ((), (files["own_forward"],)):
        out = cli("explain", *args)
        assert "α is the learning rate" in out
        assert out.index("α is the learning rate") < out.index("α·")      # said before α is first used


def test_toml_layers_have_readable_names(files):
    out = cli("explain", files["toml"])
    assert "linear1 Linear(2, 2) → sigmoid1 Sigmoid → linear2 Linear(2, 1) → sigmoid2 Sigmoid" in out
    assert "layer #2 (linear2)" in out and "linear1.weight[0][0]   0.4352" in out
    assert "(2):" not in out and "0.weight" not in out


def _numbers(out):
    return [int(m) for m in re.findall(r"^(\d+)\. \S", out, re.M)]


@pytest.mark.parametrize("args", [(), ("--form", "matrix"), ("--steps", "3"), ("--verify-torch",)])
def test_sections_are_numbered_in_order(files, args):
    for lang in ("en", "ko"):
        out = cli("explain", *args, "--lang", lang)
        numbers = _numbers(out)
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3, (args, numbers)
    md = cli("explain", "--form", "matrix", "--format", "markdown")
    assert re.findall(r"^## (\d+)\.", md, re.M) == ["1", "2", "3", "4"]
    assert "## 2. Matrix form" in md


def test_graph_explanation_is_numbered_too(files):
    numbers = _numbers(cli("explain", files["own_forward"]))
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3


# -- item 9 ------------------------------------------------------------------------------------------------

#: Latin words a Korean reader meets as names, not as English: the libraries, functions in formulas
NAMES = {"PyTorch", "autograd", "chainrule", "log", "exp", "max", "min", "erf", "tanh", "swish", "Esc", "BCE",
         "SGD", "lr", "softmax", "sigmoid", "relu", "ReLU"}
SCRIPTS = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀᵗⁱʲᶻ"
GLOSS = re.compile(r"(?<=[\uac00-\ud7a3])\(([A-Z][A-Za-z]*(?:[ -][A-Za-z]+)*)\)")


def stray_latin(text: str) -> list:
    """English words in Korean text that are neither a symbol nor code nor a name nor a first-use gloss."""
    text = GLOSS.sub("", text)
    found = []
    for chunk in text.split():
        chunk = chunk.lstrip("(").rstrip(",:;.")
        if re.search(rf"\w[.(\[=_]|[.(=_]\w|[0-9{SCRIPTS}/∂]", chunk):   # code (layer1.0, SGD(lr=1), forward()) or math
            continue
        for word in re.findall(r"[A-Za-z]{2,}", chunk):
            if word in NAMES or hasattr(cnn, word) or hasattr(coptim, word):   # BCELoss, Linear, Adam
                continue
            found.append(word)
    return found


def glosses(text: str) -> list:
    return GLOSS.findall(text)


@pytest.mark.parametrize("which,args", [("seed", ()), ("seed", ("--form", "matrix")), ("seed", ("--steps", "2")),
                                        ("relu_ce_adam", ()), ("own_forward", ()), ("elu_gelu_adamw", ("--hand",)),
                                        ("toml", ())])
def test_korean_output_has_no_stray_english(files, which, args):
    model = () if which == "seed" else (files[which],)
    out = cli("explain", *model, *args, "--lang", "ko")
    assert stray_latin(out) == [], stray_latin(out)
    seen = glosses(out)
    assert len(seen) == len(set(seen)), [g for g in seen if seen.count(g) > 1]   # a gloss at first use only
    prose = "\n".join(line for line in out.splitlines() if not line.startswith("  "))   # sentences, not math
    assert not re.search(r"\)\s*\(|\(\(", prose), re.findall(r".{20}\)\s*\(.{20}", prose)  # no doubled parentheses
    assert "0번째" not in out and "Layer" not in out.replace("(Layer)", "").replace("Layer)", "")


def test_the_scan_finds_english():
    assert stray_latin("Layer #1의 초깃값 (reduction: mean)") == ["Layer", "reduction", "mean"]
    assert stray_latin("활성화 함수(Activation Function)로 layer1.0 Linear(2, 2)를 σ₁ = 0.5") == []


def test_korean_terms_follow_the_lecture():
    out = cli("explain", "--lang", "ko")
    setup = out[:out.index("2. 순전파")]
    assert "손실 함수(Loss Function)" in setup and "오차(Cost)" in setup       # the function and its value, said once
    assert "reduction" not in out and "평균입니다" in setup
    assert "계층 1(layer1.0)의 초깃값" in out and "\n계층 2\n" in out          # headings in Korean
    assert "첫 번째 가중치 행렬의 첫 번째 행" in out


def test_particles_fit_how_the_symbol_is_read(files):
    out = cli("explain", files["relu_ce_adam"], "--lang", "ko")
    assert "a₁은 다음 계층의" in out and "a₂는 다음 계층의" in out and "a₃은 다음 계층의" in out
    out = cli("explain", files["own_forward"], "--lang", "ko")
    assert re.search(r"u₂는 연산 \d개에 쓰이므로", out)


def test_particle_rules():
    from chainrule.explain.derivation import Num, Sym
    from chainrule.explain.render.korean import particles
    cases = [(Sym("σ", "1"), "은(는)", "은"), (Sym("W", "2"), "을(를)", "를"), (Sym("z", "3"), "(으)로", "으로"),
             (Sym("x", "1"), "(으)로", "로"), (Sym("W", "5", time=2), "이(가)", "가"), (Sym("y"), "은(는)", "는"),
             (Sym("L"), "은(는)", "은"), (Num(3, integer=True), "(으)로", "으로"), (Sym("b", "10"), "과(와)", "과")]
    for sym, pair, word in cases:
        assert particles("{v}" + pair, {"v": sym}) == "{v}" + word, (sym, pair)


def test_vanishing_report_speaks_korean(tmp_path):
    out = cli("vanishing", "--lang", "ko", "--depths", "2,3", "-o", str(tmp_path / "v.png"))
    assert "활성화 함수" in out and "계층 1" in out and "activation" not in out and "layer 1" not in out


HISTORY = [{"epoch": e, "loss": 1 / e, "accuracy": 0.5 + e / 10, "test_accuracy": 0.5 + e / 11,
            "grad_norms": {"0.weight": 0.1 * e, "2.weight": 0.2 * e}} for e in (1, 2, 3)]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_training_plots_have_words_in_the_language_and_every_glyph(lang):
    import warnings

    from chainrule.viz import plots
    fig = plots.plot_history(HISTORY, lang=lang)
    titles = [a.get_title() for a in fig.axes]
    assert titles == (["에포크별 오차", "에포크별 정확도"] if lang == "ko" else ["loss per epoch", "accuracy per epoch"])
    grads = plots.plot_grad_norms(HISTORY, lang=lang)
    labels = [t.get_text() for t in grads.axes[0].get_legend().get_texts()]
    layer = "계층" if lang == "ko" else "layer"
    assert labels == [f"{layer} 1 W (0.weight)", f"{layer} 2 W (2.weight)"]     # not bare "0.weight/2.weight"
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # "Glyph … missing from font(s)" would be an error
        plots.figure_bytes(fig, "png")
        plots.figure_bytes(grads, "png")
