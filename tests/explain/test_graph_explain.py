"""Issue 10's "done when": steps the lecture's layered form cannot write, explained on the recorded graph,
each against PyTorch running the same step.  Every printed gradient of a parameter (or leaf) and every
printed value after the update is compared with PyTorch's number to the decimals shown; the loss too."""
from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule.explain import explain_step
from chainrule.explain.api import explain_backward
from chainrule.explain.graph_builder import _symbol_of_name
from chainrule.explain.render.text import TextMath

from . import done_when
from .helpers import fmt, run_cli
from .test_seed import equation_values

torch = pytest.importorskip("torch")


def shown(a, d=4) -> str:
    """An array as the text renderer writes it: a number, [a, b] or [[a, b], [c, d]]."""
    a = np.asarray(a, dtype=np.float64)
    if a.size == 1:
        return fmt(float(a.reshape(())), d)
    rows = a.reshape(1, -1) if a.ndim <= 1 else a.reshape(-1, a.shape[-1])
    rs = ["[" + ", ".join(fmt(float(x), d) for x in r) + "]" for r in rows]
    return rs[0] if len(rs) == 1 else "[" + ", ".join(rs) + "]"


def final(eqs, lhs):
    hits = [v for l, v in eqs if l == lhs]
    assert hits, f"no equation for {lhs}: {sorted({l for l, _ in eqs})[:40]}"
    return re.sub(r"\s{2,}\[\d+( × \d+)*\]$", "", hits[-1])     # drop the shape annotation


def twins(make, seed=0):
    """``make(lib)`` → (model, criterion, optimizer, x, y); the torch twin gets chainrule's initial weights."""
    chainrule.manual_seed(seed)
    cm, ccrit, copt, cx, cy = make(chainrule)
    tm, tcrit, topt, tx, ty = make(torch)
    with torch.no_grad():
        for (n, p), (_, q) in zip(cm.named_parameters(), tm.named_parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    return (cm, ccrit, copt, cx, cy), (tm, tcrit, topt, tx, ty)


def torch_step(tm, tcrit, topt, tx, ty):
    topt.zero_grad()
    loss = tcrit(tm(tx), ty)
    loss.backward()
    grads = {n: p.grad.detach().numpy().copy() for n, p in tm.named_parameters() if p.grad is not None}
    topt.step()
    return float(loss.detach()), grads, {n: p.detach().numpy().copy() for n, p in tm.named_parameters()}


def check_against_torch(make, *, seed=0, **kw):
    (cm, ccrit, copt, cx, cy), t = twins(make, seed)
    sol = explain_step(cm, ccrit, copt, cx, cy, **kw)
    text = str(sol)
    assert "computational graph" in text
    loss, grads, after = torch_step(*t)
    eqs = equation_values(text)
    math = TextMath(4)
    assert final(eqs, "L") == fmt(loss)
    for name, g in grads.items():
        sym = math(_symbol_of_name(name))
        if g.size <= 16:
            assert final(eqs, f"∂L/∂{sym}") == shown(g), name
    for name, p in cm.named_parameters():
        np.testing.assert_allclose(p.detach().numpy(), after[name], rtol=1e-5, atol=1e-6, err_msg=name)
        v = sol.graph.by_name(name)
        if v.trained and v.size <= 8:
            for idx in np.ndindex(v.shape):
                lhs = math(_symbol_of_name(name)) + (f"[{','.join(map(str, idx))}]" if v.shape else "") + f"({sol.step + 1})"
                assert final(eqs, lhs) == fmt(float(after[name][idx])), lhs
    return sol, text


def test_scalar_graph_with_add_mul_max_exp_div_every_leaf_gradient(tmp_path):
    src = ("import torch\n"
           "x = torch.tensor(2.0, requires_grad=True)\ny = torch.tensor(-3.0, requires_grad=True)\n"
           "z = torch.tensor(4.0, requires_grad=True)\n"
           "q = x + y\nm = torch.maximum(q, z * 0.5)\nf = m * z + torch.exp(x) / y\n")
    path = tmp_path / "circuit.py"
    path.write_text(src)
    code, out, err = run_cli("explain", str(path))
    assert code == 0, err
    ns = {}
    exec(src, {"torch": torch}, ns)
    ns["f"].backward()
    eqs = equation_values(out)
    assert final(eqs, "f") == fmt(float(ns["f"]))
    for leaf in "xyz":
        assert final(eqs, f"∂f/∂{leaf}") == fmt(float(ns[leaf].grad)), leaf
    assert "z is used by 2 operations" in out


def test_expression_file_needs_a_scalar_name(tmp_path):
    path = tmp_path / "e.py"
    path.write_text("import torch\na = torch.tensor(1.0, requires_grad=True)\nb = a * 3\nc = b + 1\n")
    code, out, err = run_cli("explain", str(path))
    assert code == 2 and "no scalar named loss, L, f or out" in err and "b, c" in err
    code, out, err = run_cli("explain", str(path), "--of", "c")
    assert code == 0, err
    assert final(equation_values(out), "∂c/∂a") == "3.0000"
    code, out, err = run_cli("explain", str(path), "--of", "nope")
    assert code == 2 and "defines no tensor named 'nope'" in err


def test_sigmoid_net_with_biases_left_out_of_the_optimizer():
    make = done_when.frozen_biases
    sol, text = check_against_torch(make)
    assert "Not updated by this step" in text and "not in the optimizer's parameters" in text


def test_no_biases_and_a_hand_written_half_squared_error():
    make = done_when.no_biases_half_squared_error
    check_against_torch(make)


def test_residual_block():
    make = done_when.residual
    check_against_torch(make)


def test_one_linear_applied_twice_sums_its_two_uses():
    make = done_when.linear_twice
    sol, text = check_against_torch(make)
    assert "W_fc is used by 2 operations" in text and "Module fc (call 2)" in text


def test_log_softmax_and_nll_loss():
    make = done_when.log_softmax_nll
    check_against_torch(make)


def test_rnn_cell_of_two_linears_and_tanh_unrolled_three_steps():
    make = done_when.rnn_cell
    sol, text = check_against_torch(make)
    for t in (1, 2, 3):
        assert f"Module wx (call {t})" in text and f"Module wh (call {t})" in text
    assert "Module wh runs at 3 time steps" in text
    # the states h⁽ᵗ⁾ (the cell's tanh outputs) with their values and gradients, as PyTorch has them
    (_, _, _, _, _), (tm, tcrit, _, tx, ty) = twins(make)
    h, hs = torch.zeros(1, 2), []
    for t in range(3):
        h = torch.tanh(tm.wx(tx[:, t:t + 1]) + tm.wh(h))
        h.retain_grad()
        hs.append(h)
    tcrit(tm.out(h), ty).backward()
    eqs = equation_values(text)
    assert re.search(r"^  h⁽⁰⁾\s+constant\s+\[1 × 2\]\s+\[0, 0\]$", text, re.M)     # the starting state
    for t, ht in enumerate(hs, 1):
        assert final(eqs, f"h⁽{'¹²³'[t - 1]}⁾") == shown(ht.detach().numpy()), t
        assert final(eqs, f"∂L/∂h⁽{'¹²³'[t - 1]}⁾") == shown(ht.grad.numpy()), t


@pytest.mark.parametrize("layer", ["BatchNorm1d", "LayerNorm"])
def test_normalisation_layers_with_the_input_gradient(layer):
    make = done_when.normalised(layer)
    sol, text = check_against_torch(make, input_grads=True)
    (tm, tcrit, topt, tx, ty) = twins(make)[1]
    tx.requires_grad_(True)
    tcrit(tm(tx), ty).backward()
    assert final(equation_values(text), "∂L/∂x") == shown(tx.grad.numpy())


def test_embedding():
    make = done_when.embedding
    check_against_torch(make)


def test_dropout_with_a_fixed_seed():
    make = done_when.dropout
    (cm, ccrit, copt, cx, cy), _ = twins(make)
    chainrule.manual_seed(7)
    sol = explain_step(cm, ccrit, copt, cx, cy)
    chainrule.manual_seed(7)            # the same stream again: the mask the step drew
    mask = (chainrule.nn.Dropout(0.5)(chainrule.ones(1, 4)).numpy() != 0)
    v = next(v for v in sol.graph.values if v.producer is not None and v.producer.name == "NativeDropoutBackward0")
    assert ((v.value != 0) == mask).all()
    assert "computational graph" in str(sol)


def test_per_sample_sgd_over_ten_rows_for_three_epochs():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(10, 2)).astype(np.float32), rng.normal(size=(10, 1)).astype(np.float32)

    def make(lib):
        model = lib.nn.Sequential(lib.nn.Linear(2, 1), lib.nn.Tanh())
        return model, lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.1), None, None
    (cm, ccrit, copt, _, _), (tm, tcrit, topt, _, _) = twins(make)
    data = [(chainrule.tensor(X[i:i + 1]), chainrule.tensor(Y[i:i + 1])) for i in range(10)]
    sol = explain_step(cm, ccrit, copt, data=data, step=30)
    totals = []
    for epoch in range(3):
        total = 0.0
        for i in range(10):
            topt.zero_grad()
            loss = tcrit(tm(torch.tensor(X[i:i + 1])), torch.tensor(Y[i:i + 1]))
            loss.backward()
            topt.step()
            total += float(loss)
        totals.append(total)
    text = str(sol)
    for e, total in enumerate(totals, 1):
        assert re.search(rf"^  {e}\s+{re.escape(fmt(total))}$", text, re.M), (e, total)
    np.testing.assert_allclose(cm[0].weight.detach().numpy(), tm[0].weight.detach().numpy(), atol=1e-6)


def test_explain_backward_of_a_graph_already_built():
    x = chainrule.tensor(3.0, requires_grad=True)
    w = chainrule.tensor(-2.0, requires_grad=True)
    out = chainrule.sigmoid(x * w)
    text = str(explain_backward(out, of="o"))
    tx, tw = torch.tensor(3.0, requires_grad=True), torch.tensor(-2.0, requires_grad=True)
    torch.sigmoid(tx * tw).backward()
    vals = [v for l, v in equation_values(text) if l.startswith("∂o/∂")]
    assert fmt(float(tx.grad)) in vals and fmt(float(tw.grad)) in vals
    with pytest.raises(ValueError, match="not one number"):
        explain_backward(x * chainrule.ones(2))


def test_running_explain_step_twice_continues_the_step_count():
    from chainrule.explain.examples import SEED
    from chainrule.explain.model_file import load_model_file
    m = load_model_file(SEED)
    first = explain_step(m.model, m.criterion, m.optimizer, m.x, m.y)
    second = explain_step(m.model, m.criterion, m.optimizer, m.x, m.y)
    assert first.step == 1 and second.step == 2
    eqs = dict(equation_values(str(second)))
    assert eqs["W₅(3)"] and "W₅(2) = -0.4452" in str(second)     # step 2 starts where step 1 left W₅


def test_models_outside_the_lecture_form_say_why():
    model = chainrule.nn.Sequential(chainrule.nn.Sigmoid(), chainrule.nn.Linear(2, 1))
    sol = explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=1),
                       chainrule.ones(1, 2), chainrule.zeros(1, 1))
    assert "comes before any Linear layer" in sol.graph.why
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 1), chainrule.nn.Sigmoid(), chainrule.nn.Tanh())
    sol = explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=1),
                       chainrule.ones(1, 2), chainrule.zeros(1, 1))
    assert "is followed by two activations" in sol.graph.why
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 1))
    sol = explain_step(model, chainrule.nn.HuberLoss(), chainrule.optim.RMSprop(model.parameters()),
                       chainrule.ones(1, 2), chainrule.zeros(1, 1))
    assert "loss HuberLoss is not supported" in sol.graph.why


def test_nothing_to_explain_is_a_clear_error():
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 1))
    with pytest.raises(ValueError, match="not one number"):
        explain_step(model, chainrule.nn.MSELoss(reduction="none"), chainrule.optim.SGD(model.parameters(), lr=1),
                     chainrule.ones(2, 2), chainrule.zeros(2, 1))
    with pytest.raises(ValueError, match="data has no batches"):
        explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=1), data=[])
    with pytest.raises(ValueError, match=r"is not an \(x, y\) pair"):
        explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=1), data=[1])
    with pytest.raises(ValueError, match="no graph to walk"):
        for p in model.parameters():
            p.requires_grad_(False)
        explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=1),
                     chainrule.ones(1, 2), chainrule.zeros(1, 1))


RESIDUAL_PY = """import torch
from torch import nn, optim
torch.manual_seed(0)
class Res(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
    def forward(self, x):
        return x + torch.tanh(self.fc(x))
model = Res()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.tensor([[0.5, -1.0]])
y = torch.tensor([[0.0, 0.0]])
"""


def test_verify_torch_for_any_model_file_runs_it_with_pytorch(tmp_path):
    path = tmp_path / "res.py"
    path.write_text(RESIDUAL_PY)
    code, out, err = run_cli("explain", str(path), "--verify-torch", "--steps", "2")
    assert code == 0, err
    table = out[out.index("Checked against PyTorch"):]
    rows = [l for l in table.splitlines() if l.startswith("  ") and ("✓" in l or "✗" in l)]
    assert all(l.rstrip().endswith("✓") for l in rows), table
    labels = [l.split()[0] for l in rows]
    # the loss; node by node every value of the graph and its gradient (z_fc = x·W_fcᵀ + b_fc, u₁ = tanh, ŷ);
    # then each parameter's gradient and its value after the update
    assert labels == ["L", "z_fc", "∂L/∂z_fc", "u₁", "∂L/∂u₁", "ŷ", "∂L/∂ŷ", "∂L/∂W_fc", "W_fc(3)", "∂L/∂b_fc",
                      "b_fc(3)"], labels


def test_verify_torch_in_the_api_needs_a_twin_outside_the_layered_form():
    model = chainrule.nn.Sequential(chainrule.nn.Linear(2, 1), chainrule.nn.Sigmoid(), chainrule.nn.Tanh())
    with pytest.raises(ValueError, match="needs the model built with PyTorch: pass torch_twin="):
        explain_step(model, chainrule.nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=1),
                     chainrule.ones(1, 2), chainrule.zeros(1, 1), verify_torch=True)


def test_draw_and_the_page_show_the_graph_with_values_and_gradients(tmp_path):
    path = tmp_path / "res.py"
    path.write_text(RESIDUAL_PY)
    svg = tmp_path / "res.svg"
    code, out, err = run_cli("draw", str(path), "-o", str(svg))
    assert code == 0, err
    drawn = svg.read_text()
    assert 'class="value parameter"' in drawn and "∂L/∂" in drawn and "TanhBackward0" in drawn
    assert "layer 1" not in drawn          # not the layered diagram: it would hide the residual path
    html = tmp_path / "res.html"
    code, out, err = run_cli("explain", str(path), "--format", "html", "-o", str(html))
    assert code == 0, err
    page = html.read_text()
    assert '<figure class="graph-view"><svg' in page and "<math" in page


def test_activation_rules_give_pytorchs_gradients(tmp_path):
    src = ("import torch\nimport torch.nn.functional as F\n"
           "a = torch.tensor(0.3, requires_grad=True)\nb = torch.tensor(-1.2, requires_grad=True)\n"
           "out = F.softplus(a * b) + F.silu(b) + F.logsigmoid(a) + torch.sigmoid(b) * torch.tanh(a)"
           " + F.leaky_relu(a + b, 0.2)\n")
    path = tmp_path / "act.py"
    path.write_text(src)
    code, out, err = run_cli("explain", str(path))
    assert code == 0, err
    ns = {}
    exec(src, {"torch": torch}, ns)
    ns["out"].backward()
    eqs = equation_values(out)
    assert "ln(1 + exp(u₁))" in out and "rounded to" not in out
    assert "max(0.2000·u" in out and "0.2000·[u" in out          # LeakyReLU's rule, its slope as recorded
    for leaf in "ab":
        assert final(eqs, f"∂out/∂{leaf}") == fmt(float(ns[leaf].grad)), leaf


@pytest.mark.parametrize("name", ["log_softmax_nll", "batchnorm"])
def test_a_batch_mean_is_written_as_each_samples_loss_then_their_average(name):
    make = done_when.MODELS[name]
    (cm, ccrit, copt, cx, cy), (tm, tcrit, topt, tx, ty) = twins(make)
    text = str(explain_step(cm, ccrit, copt, cx, cy))
    out = tm(tx)
    if name == "log_softmax_nll":
        each = torch.nn.functional.nll_loss(torch.log_softmax(out, dim=1), ty, reduction="none")
    else:
        each = torch.nn.functional.mse_loss(out, ty, reduction="none").mean(dim=1)
    eqs = equation_values(text)
    assert f"mean over the batch of {len(each)} samples" in text
    for n, v in enumerate(each.detach().numpy(), 1):
        assert final(eqs, f"ℓ[{n}]") == fmt(float(v)), n
    assert final(eqs, "L") == fmt(float(each.mean()))
