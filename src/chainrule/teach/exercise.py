"""Problem sheets and their answer keys: ``chainrule exercise``.

``make(kind, seed=S, variant=k, …)`` returns an ``Exercise``: a model file (TOML for networks, a Python
expression file for a computational graph, Python for batch norm), the questions (every value a hand
solution writes: forward values, the loss, local derivatives, gradients, updates) and their answers from
the real step, and the sheet in Markdown + LaTeX, HTML and LaTeX, in English or Korean.  Kinds:

* ``mlp`` — a random network from a template (``sizes`` such as ``2-2-1``, ``activations``, ``loss``,
  ``optimizer``, ``lr``, ``batch``), with hand-friendly numbers: weights with one (or two) decimals, small
  integer inputs;
* ``graph`` — a computational graph of scalars (``f = (x + y)·z``, a bill with tax, ``max`` and ``exp``);
* ``softmax`` — one linear layer with softmax and cross-entropy;
* ``batchnorm`` — Linear → BatchNorm1d → sigmoid → Linear on a batch of three;
* ``conv`` — a 2×2 convolution over a 3×3 image, ReLU, 2×2 max pooling, a linear output with a sigmoid;
* ``rnn`` — a recurrent cell h⁽ᵗ⁾ = tanh(W_ih·x⁽ᵗ⁾ + b + W_hh·h⁽ᵗ⁻¹⁾) unrolled over three time steps;
* ``model`` — a given model file (``model=PATH``).

Each (seed, variant) pair gives the same exercise every time (``numpy.random.default_rng([seed, variant])``),
and different variants give different numbers: per-student variants.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field

import numpy as np

KINDS = ("mlp", "graph", "softmax", "batchnorm", "conv", "rnn", "model")
ACTS = ("sigmoid", "tanh", "relu", "identity")
LOSSES = ("bce", "mse", "cross_entropy", "bce_with_logits", "l1")
#: the roles a sheet asks for (the trivial locals ∂z/∂W = x and ∂z/∂σ = W are left out)
ASKED = ("z", "act", "output", "prob", "sample_loss", "loss", "act_local", "loss_grad", "act_grad", "z_grad",
         "param_grad", "sample_param_grad", "update", "node", "node_grad")


class ExerciseError(ValueError):
    """A template that cannot make an exercise (the message names the option and what works)."""


@dataclass
class Exercise:
    kind: str
    seed: int
    variant: int
    model_name: str
    model_text: str
    questions: list                  # [(name as printed, value)]
    describe: dict = field(default_factory=dict)
    of: str | None = None
    decimals: int = 4

    def key(self) -> dict:
        from .key import SCHEMA
        return {"schema": SCHEMA, "kind": self.kind, "seed": self.seed, "variant": self.variant, "steps": 1,
                "of": self.of, "decimals": self.decimals, "model": {"name": self.model_name, "text": self.model_text},
                "questions": [{"name": n, "value": v} for n, v in self.questions]}


def _hand(rng, shape, decimals=1, low=-0.9, high=0.9):
    q = 10 ** decimals
    return (rng.integers(int(low * q), int(high * q) + 1, size=shape) / q).tolist()


def _toml_value(v) -> str:
    return repr(v).replace("'", '"')


def mlp_toml(rng, sizes, acts, loss, optimizer, lr, batch, decimals=1) -> tuple:
    sizes = list(sizes)
    L = len(sizes) - 1
    if len(acts) == 1:
        acts = acts * L
    if len(acts) != L:
        raise ExerciseError(f"--activations: give one activation, or one per layer ({L}), not {len(acts)}")
    for a in acts:
        if a not in ACTS:
            raise ExerciseError(f"--activations: unknown activation {a!r}; use {', '.join(ACTS)}")
    if loss not in LOSSES:
        raise ExerciseError(f"--loss: unknown loss {loss!r}; use {', '.join(LOSSES)}")
    if loss in ("cross_entropy", "bce_with_logits"):
        acts = acts[:-1] + ["identity"]
    if loss == "cross_entropy" and sizes[-1] < 2:
        raise ExerciseError("--loss cross_entropy needs at least 2 outputs (the last size), e.g. --sizes 2-3")
    if loss == "bce" and acts[-1] != "sigmoid":
        acts = acts[:-1] + ["sigmoid"]        # BCE reads probabilities: the last layer is a sigmoid
    weights = [_hand(rng, (sizes[i + 1], sizes[i]), decimals) for i in range(L)]
    biases = [_hand(rng, (sizes[i + 1],), decimals) for i in range(L)]
    x = rng.integers(-2, 3, size=(batch, sizes[0])).tolist()
    if loss == "cross_entropy":
        y = rng.integers(0, sizes[-1], size=batch).tolist()
    elif loss in ("bce", "bce_with_logits"):
        y = rng.integers(0, 2, size=(batch, sizes[-1])).tolist()
    else:
        y = _hand(rng, (batch, sizes[-1]), 1, -1, 1)
    lines = [f"layers = {_toml_value(sizes)}", f"activations = {_toml_value(acts)}", 'dtype = "float64"',
             f"x = {_toml_value(x)}", f"y = {_toml_value(y)}", "[init]", f"weights = {_toml_value(weights)}",
             f"biases = {_toml_value(biases)}", "[loss]", f'name = "{loss}"', "[optimizer]", f'name = "{optimizer}"',
             f"lr = {lr}"]
    info = {"sizes": "-".join(map(str, sizes)), "acts": ", ".join(dict.fromkeys(acts)), "loss": loss,
            "opt": f"{optimizer.upper() if optimizer == 'sgd' else optimizer.capitalize()} (α = {lr:g})",
            "weights": weights, "biases": biases, "x": x, "y": y}
    return "\n".join(lines) + "\n", info


GRAPHS = (
    ("f = (x + y)·z", ("x", "y", "z"), "q = x + y\nf = q * z\n"),
    ("a bill with tax: total = (price·qty + fee)·(1 + tax)", ("price", "qty", "fee", "tax"),
     "subtotal = price * qty + fee\nf = subtotal * (1 + tax)\n"),
    ("f = x·y + max(y, z)", ("x", "y", "z"), "p = x * y\nm = torch.maximum(y, z)\nf = p + m\n"),
    ("f = exp(x·w) / (1 + y)", ("x", "w", "y"), "e = torch.exp(x * w)\nf = e / (1 + y)\n"),
)


def graph_file(rng) -> tuple:
    title, leaves, body = GRAPHS[int(rng.integers(len(GRAPHS)))]
    vals = {}
    for n in leaves:
        v = float(rng.integers(-4, 5))
        if n in ("tax",):
            v = float(rng.integers(1, 3)) / 10
        if n in ("w",):
            v = float(rng.integers(-5, 6)) / 10
        if n in ("y",) and "exp" in body:
            v = float(rng.integers(0, 4))
        vals[n] = v
    head = "".join(f"{n} = torch.tensor({v!r}, requires_grad=True)\n" for n, v in vals.items())
    return f"import torch\n{head}{body}", {"title": title, "leaves": vals, "body": body}


def batchnorm_file(rng) -> tuple:
    w1, b1 = _hand(rng, (2, 2)), _hand(rng, (2,))
    w2, b2 = _hand(rng, (1, 2)), _hand(rng, (1,))
    x = rng.integers(-2, 3, size=(3, 2)).tolist()
    while len({tuple(r) for r in x}) < 3:
        x = rng.integers(-2, 3, size=(3, 2)).tolist()
    y = rng.integers(0, 2, size=(3, 1)).tolist()
    text = ("import torch\nfrom torch import nn, optim\n"
            "model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())\n"
            "model = model.double()\n"
            "with torch.no_grad():\n"
            f"    model[0].weight.copy_(torch.tensor({w1!r}))\n    model[0].bias.copy_(torch.tensor({b1!r}))\n"
            f"    model[3].weight.copy_(torch.tensor({w2!r}))\n    model[3].bias.copy_(torch.tensor({b2!r}))\n"
            "criterion = nn.BCELoss()\noptimizer = optim.SGD(model.parameters(), lr=1.0)\n"
            f"x = torch.tensor({x!r}, dtype=torch.float64)\ny = torch.tensor({y!r}, dtype=torch.float64)\n")
    return text, {"x": x, "y": y}


def conv_file(rng) -> tuple:
    k, b = _hand(rng, (1, 1, 2, 2)), _hand(rng, (1,))
    w, c = _hand(rng, (1, 1)), _hand(rng, (1,))
    x = rng.integers(-2, 3, size=(1, 1, 3, 3)).tolist()
    y = rng.integers(0, 2, size=(1, 1)).tolist()
    text = ("import torch\nfrom torch import nn, optim\n"
            "model = nn.Sequential(nn.Conv2d(1, 1, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1, 1), "
            "nn.Sigmoid()).double()\n"
            "with torch.no_grad():\n"
            f"    model[0].weight.copy_(torch.tensor({k!r}))\n    model[0].bias.copy_(torch.tensor({b!r}))\n"
            f"    model[4].weight.copy_(torch.tensor({w!r}))\n    model[4].bias.copy_(torch.tensor({c!r}))\n"
            "criterion = nn.BCELoss()\noptimizer = optim.SGD(model.parameters(), lr=1.0)\n"
            f"x = torch.tensor({x!r}, dtype=torch.float64)\ny = torch.tensor({y!r}, dtype=torch.float64)\n")
    return text, {"x": x, "y": y}


def rnn_file(rng) -> tuple:
    wih, bih = _hand(rng, (2, 1)), _hand(rng, (2,))
    whh = _hand(rng, (2, 2))
    wo, bo = _hand(rng, (1, 2)), _hand(rng, (1,))
    x = rng.integers(-2, 3, size=(1, 3)).tolist()
    y = _hand(rng, (1, 1), 1, -1, 1)
    text = ("import torch\nfrom torch import nn, optim\n\n\nclass Cell(nn.Module):\n"
            "    def __init__(self):\n        super().__init__()\n        self.ih = nn.Linear(1, 2)\n"
            "        self.hh = nn.Linear(2, 2, bias=False)\n        self.out = nn.Linear(2, 1)\n\n"
            "    def forward(self, x):\n        h = torch.zeros(x.shape[0], 2, dtype=x.dtype)\n"
            "        for t in range(x.shape[1]):\n            h = torch.tanh(self.ih(x[:, t:t + 1]) + self.hh(h))\n"
            "        return self.out(h)\n\n\nmodel = Cell().double()\nwith torch.no_grad():\n"
            f"    model.ih.weight.copy_(torch.tensor({wih!r}))\n    model.ih.bias.copy_(torch.tensor({bih!r}))\n"
            f"    model.hh.weight.copy_(torch.tensor({whh!r}))\n"
            f"    model.out.weight.copy_(torch.tensor({wo!r}))\n    model.out.bias.copy_(torch.tensor({bo!r}))\n"
            "criterion = nn.MSELoss()\noptimizer = optim.SGD(model.parameters(), lr=0.5)\n"
            f"x = torch.tensor({x!r}, dtype=torch.float64)\ny = torch.tensor({y!r}, dtype=torch.float64)\n")
    return text, {"x": x, "y": y}


def make(kind: str = "mlp", *, seed: int = 0, variant: int = 1, sizes=(2, 2, 1), activations=("sigmoid",),
         loss: str = "bce", optimizer: str = "sgd", lr: float = 1.0, batch: int = 1, weight_decimals: int = 1,
         model: str | None = None, decimals: int = 4, roles=ASKED) -> Exercise:
    """One exercise (see the module doc); its questions are answered by the real step."""
    from .api import problem_of
    if kind not in KINDS:
        raise ExerciseError(f"unknown kind {kind!r}: use {', '.join(KINDS)}")
    if batch < 1 or batch > 16:
        raise ExerciseError(f"--batch must be 1 … 16 (a sheet worked by hand), got {batch}")
    if weight_decimals not in (1, 2):
        raise ExerciseError(f"--weight-decimals must be 1 or 2, got {weight_decimals}")
    rng = np.random.default_rng([int(seed), int(variant)])
    of = None
    if kind == "mlp":
        if not 2 <= len(sizes) <= 5 or any(not 1 <= s <= 6 for s in sizes):
            raise ExerciseError(f"--sizes: 2 to 5 layer sizes of 1 … 6 units (a sheet worked by hand), "
                                f"got {'-'.join(map(str, sizes))}")
        text, info = mlp_toml(rng, sizes, list(activations), loss, optimizer, lr, batch, weight_decimals)
        name = "model.toml"
    elif kind == "softmax":
        k = max(int(sizes[-1]), 2) if len(sizes) == 2 else 3
        text, info = mlp_toml(rng, (int(sizes[0]), k), ["identity"], "cross_entropy", optimizer, lr, batch,
                              weight_decimals)
        name = "model.toml"
    elif kind == "graph":
        text, info = graph_file(rng)
        name, of = "graph.py", "f"
    elif kind in ("batchnorm", "conv", "rnn"):
        text, info = {"batchnorm": batchnorm_file, "conv": conv_file, "rnn": rnn_file}[kind](rng)
        name = "model.py"
    else:
        if model is None:
            raise ExerciseError("--kind model needs --model FILE (the model the exercise is about)")
        with open(model, encoding="utf-8") as f:
            text = f.read()
        name, info = os.path.basename(model), {}
    import tempfile
    with tempfile.TemporaryDirectory(prefix="chainrule-exercise-") as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        problem = problem_of(path, of=of)
    from ..explain.render.numbers import rounded
    questions = [(q.shown, rounded(q.value, decimals)) for q in problem.quantities
                 if q.role in roles and q.kind not in ("input", "before")]
    info["loss_name"] = of or "L"
    return Exercise(kind, int(seed), int(variant), name, text, questions, info, of, decimals)


# -- the sheet ---------------------------------------------------------------------------------------------

def latex_name(name: str) -> str:
    """``dL/dW5`` → ``\\frac{\\partial L}{\\partial W_{5}}``; ``σ1[2]`` → ``\\sigma_{1}[2]``; ``W5(2)`` → ``W_{5}(2)``."""
    import re
    if name.startswith(("d", "∂")) and "/" in name:
        top, bot = name.split("/", 1)
        return r"\frac{\partial " + latex_name(top[1:]) + r"}{\partial " + latex_name(bot[1:]) + "}"
    tail = ""
    m = re.search(r"((\[[^\]]*\])?(\(\d+\))?)$", name)
    if m and m.group(1):
        tail, name = m.group(1), name[:m.start(1)]
    name = name.replace("σ", r"\sigma ").replace("ℓ", r"\ell ").replace("ŷ", r"\hat{y}").replace("yhat", r"\hat{y}")
    name = re.sub(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾", lambda g: "^{(" + g.group(1).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")) + ")}", name)
    name = re.sub(r"[₀₁₂₃₄₅₆₇₈₉]+", lambda g: "_{" + g.group(0).translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")) + "}", name)
    name = re.sub(r"(?<=[A-Za-z ])(\d+)$", r"_{\1}", name.strip()) if "_{" not in name else name
    name = name.replace("_", r"\_") if "_{" not in name and "\\" not in name else name
    return name.strip() + tail


def _matrix_md(rows) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(f"{v:g}" for v in (r if isinstance(r, list) else [r]))
                                              for r in rows) + r"\end{bmatrix}"


def sheet_markdown(ex: Exercise, n: int = 1, lang: str = "en", key_name: str = "key.json") -> str:
    from .report import words
    msg = words(lang)
    d = ex.describe
    out = [f"# {msg.get('exercise.title').format(n=n)}", ""]
    if ex.kind in ("mlp", "softmax"):
        out += [msg.get("exercise.intro_mlp").format(sizes=d["sizes"], acts=d["acts"], opt=d["opt"], loss=d["loss"],
                                                     decimals=ex.decimals), "", f"## {msg.get('exercise.given')}", "",
                f"{msg.get('exercise.weights')}:", ""]
        for k, (W, b) in enumerate(zip(d["weights"], d["biases"])):
            out.append(f"- $W^{{({k + 1})}} = {_matrix_md(W)}$, $b^{{({k + 1})}} = {_matrix_md([b])}$")
        out += ["", f"{msg.get('exercise.inputs')}: $x = {_matrix_md(d['x'])}$, $y = {_matrix_md(d['y'])}$", ""]
    elif ex.kind == "graph":
        out += [msg.get("exercise.intro_graph").format(loss=ex.of or "f", decimals=ex.decimals), "",
                f"## {msg.get('exercise.code')}", "", f"*{d['title']}*", "", "```python", ex.model_text.rstrip(), "```", ""]
    else:
        out += [msg.get("exercise.intro_model").format(decimals=ex.decimals), "", f"## {msg.get('exercise.code')}", "",
                "```python" if ex.model_name.endswith(".py") else "```toml", ex.model_text.rstrip(), "```", ""]
    out += [f"## {msg.get('exercise.asked')}", "", "| | |", "|---|---|"]
    out += [f"| ${latex_name(name)}$ (`{name}`) | |" for name, _ in ex.questions]
    out += ["", msg.get("exercise.answer_line").format(key=key_name), ""]
    return "\n".join(out)


def sheet_latex(ex: Exercise, n: int = 1, lang: str = "en", key_name: str = "key.json") -> str:
    from .report import words
    msg = words(lang)
    d = ex.describe

    def esc(t):
        for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_"),
                     ("{", r"\{"), ("}", r"\}"), ("α", r"$\alpha$"), ("`", ""), ("…", "...")):
            t = t.replace(a, b)
        return t
    body = [r"\documentclass[11pt]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath,amssymb}",
            r"\usepackage[margin=2cm]{geometry}"]
    if lang == "ko":
        body.append(r"\usepackage{kotex}")
    body += [r"\begin{document}", r"\section*{" + esc(msg.get("exercise.title").format(n=n)) + "}"]
    if ex.kind in ("mlp", "softmax"):
        body.append(esc(msg.get("exercise.intro_mlp").format(sizes=d["sizes"], acts=d["acts"], opt=d["opt"],
                                                             loss=d["loss"], decimals=ex.decimals)))
        body.append(r"\subsection*{" + esc(msg.get("exercise.given")) + "}")
        for k, (W, b) in enumerate(zip(d["weights"], d["biases"])):
            body.append(rf"\[ W^{{({k + 1})}} = {_matrix_md(W)}, \quad b^{{({k + 1})}} = {_matrix_md([b])} \]")
        body.append(rf"\[ x = {_matrix_md(d['x'])}, \quad y = {_matrix_md(d['y'])} \]")
    else:
        intro = "intro_graph" if ex.kind == "graph" else "intro_model"
        body.append(esc(msg.get(f"exercise.{intro}").format(loss=ex.of or "f", decimals=ex.decimals)))
        body += [r"\begin{verbatim}", ex.model_text.rstrip(), r"\end{verbatim}"]
    body += [r"\subsection*{" + esc(msg.get("exercise.asked")) + "}", r"\begin{tabular}{ll}"]
    body += [rf"${latex_name(name)}$ & \rule{{4cm}}{{0.4pt}} \\[4pt]" for name, _ in ex.questions]
    body += [r"\end{tabular}", "", r"\medskip", esc(msg.get("exercise.answer_line").format(key=key_name)),
             r"\end{document}", ""]
    return "\n".join(body)


def sheet_html(ex: Exercise, n: int = 1, lang: str = "en", key_name: str = "key.json") -> str:
    from .report import words
    msg = words(lang)
    e = html.escape
    d = ex.describe
    parts = [f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>'
             f'{e(msg.get("exercise.title").format(n=n))}</title><style>body{{font-family:sans-serif;margin:2em}}'
             f'td,th{{border:1px solid #ccc;padding:.3em .8em}}table{{border-collapse:collapse}}</style></head><body>',
             f'<h1>{e(msg.get("exercise.title").format(n=n))}</h1>']
    if ex.kind in ("mlp", "softmax"):
        parts.append(f"<p>{e(msg.get('exercise.intro_mlp').format(sizes=d['sizes'], acts=d['acts'], opt=d['opt'], loss=d['loss'], decimals=ex.decimals))}</p>")
        parts.append(f"<h2>{e(msg.get('exercise.given'))}</h2><ul>")
        for k, (W, b) in enumerate(zip(d["weights"], d["biases"])):
            parts.append(f"<li>W<sup>({k + 1})</sup> = {e(str(W))}, b<sup>({k + 1})</sup> = {e(str(b))}</li>")
        parts.append(f"<li>x = {e(str(d['x']))}, y = {e(str(d['y']))}</li></ul>")
    else:
        intro = "intro_graph" if ex.kind == "graph" else "intro_model"
        parts.append(f"<p>{e(msg.get('exercise.' + intro).format(loss=ex.of or 'f', decimals=ex.decimals))}</p>")
        parts.append(f"<pre>{e(ex.model_text)}</pre>")
    parts.append(f"<h2>{e(msg.get('exercise.asked'))}</h2><table>")
    parts += [f"<tr><td><code>{e(name)}</code></td><td style='width:12em'></td></tr>" for name, _ in ex.questions]
    parts.append(f"</table><p>{e(msg.get('exercise.answer_line').format(key=key_name))}</p></body></html>\n")
    return "\n".join(parts)
