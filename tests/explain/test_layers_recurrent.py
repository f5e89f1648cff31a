"""Issue 13, explained: recurrent layers unrolled in time, every printed number PyTorch's.

Done-when: an RNN unrolled over 3 steps (h⁽ᵗ⁾ per step, BPTT's ∂L/∂W_hh as the sum over the steps, the
gradient reaching each h⁽ᵗ⁾) and an LSTM over 2 steps (the gates i, f, g, o in PyTorch's order, the
cell c⁽ᵗ⁾); a GRU's r, z, n.  PyTorch runs the same step from the same weights, and the same cell
unrolled by hand (``retain_grad`` on every h⁽ᵗ⁾, c⁽ᵗ⁾ and gate) gives the per-step numbers.
"""
import numpy as np
import pytest
import torch

import chainrule
from chainrule.explain import explain_step

from .layers_text import close, find, matrix, num, value

RNG = np.random.default_rng(7)


def twin(kind, n_in, hidden, T, y=0.5, lr=0.1):
    """Explain one SGD step of ``kind`` + Linear on the last step in chainrule; run it in PyTorch by hand."""
    x = RNG.normal(0, 1, (1, T, n_in)).round(2)

    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(lib.nn, kind)(n_in, hidden, batch_first=True)
                self.fc = lib.nn.Linear(hidden, 1)

            def forward(self, x):
                out, _ = self.rnn(x)
                return self.fc(out[:, -1])
        return Net().double()
    cm, tm = build(chainrule), build(torch)
    with torch.no_grad():
        for k, v in cm.state_dict().items():
            tm.state_dict()[k].copy_(torch.tensor(np.asarray(v.numpy())))
    sol = explain_step(cm, chainrule.nn.MSELoss(), chainrule.optim.SGD(cm.parameters(), lr=lr),
                       chainrule.tensor(x), chainrule.tensor([[y]]))
    P = dict(tm.rnn.named_parameters())
    Wih, Whh, bih, bhh = P["weight_ih_l0"], P["weight_hh_l0"], P["bias_ih_l0"], P["bias_hh_l0"]
    xt = torch.tensor(x)
    h = torch.zeros(1, hidden, dtype=torch.float64)
    c = torch.zeros(1, hidden, dtype=torch.float64)
    steps = []
    for t in range(T):
        s = {}
        if kind == "RNN":
            h = torch.tanh(xt[:, t] @ Wih.T + bih + h @ Whh.T + bhh)
        elif kind == "LSTM":
            i, f, g, o = (xt[:, t] @ Wih.T + bih + h @ Whh.T + bhh).chunk(4, 1)     # PyTorch's gate order
            s = {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g), "o": torch.sigmoid(o)}
            c = s["f"] * c + s["i"] * s["g"]
            h = s["o"] * torch.tanh(c)
            s["c"] = c
        else:
            pr, pz, pn = (xt[:, t] @ Wih.T + bih).chunk(3, 1)
            qr, qz, qn = (h @ Whh.T + bhh).chunk(3, 1)
            s = {"r": torch.sigmoid(pr + qr), "z": torch.sigmoid(pz + qz)}
            s["n"] = torch.tanh(pn + s["r"] * qn)
            h = (1 - s["z"]) * s["n"] + s["z"] * h
        s["h"] = h
        for v in s.values():
            v.retain_grad()
        steps.append(s)
    out = tm.fc(h)
    ref, _ = tm.rnn(xt)
    assert torch.allclose(ref[:, -1], h)                  # the hand-unrolled cell is nn.RNN/LSTM/GRU's
    loss = torch.nn.functional.mse_loss(out, torch.tensor([[y]], dtype=torch.float64))
    loss.backward()
    return sol.render("text"), sol, steps, {k: p.grad.numpy() for k, p in tm.named_parameters()}, float(loss.detach())


def forward_value(text, lhs):
    """The value of the first (forward) equation of ``lhs``."""
    return matrix(find(text, lhs)[0][-1])


def grad_value(text, lhs):
    return matrix(find(text, f"∂L/∂{lhs}")[-1][-1])


def near(printed, exact):
    printed, exact = np.asarray(printed, float).ravel(), np.asarray(exact, float).ravel()
    return printed.shape == exact.shape and all(close(a, b) for a, b in zip(printed, exact))


def test_an_rnn_unrolled_over_3_steps_with_bptt():
    text, sol, steps, grads, loss = twin("RNN", 2, 2, 3)
    assert "The RNN unrolled over its 3 time steps" in text
    for t in (1, 2, 3):
        prev = "h⁽⁰⁾" if t == 1 else f"h⁽{'¹²'[t - 2]}⁾"
        sup = "⁽" + "¹²³"[t - 1] + "⁾"
        assert find(text, f"z{sup}")[0][0] == f"p{sup} + {prev}Wᵀₕₕ"
        assert find(text, f"h{sup}")[0][0] == f"tanh(z{sup})"
        assert near(forward_value(text, f"h{sup}"), steps[t - 1]["h"].detach().numpy())
        assert near(grad_value(text, f"h{sup}"), steps[t - 1]["h"].grad.numpy())
    # BPTT: W_hh is shared by the 3 steps, its gradient the sum of one term per step
    assert "Back-propagation through time: Wᵀₕₕ is the same matrix at all 3 time steps" in text
    rows = find(text, "∂L/∂Wᵀₕₕ")[-1]
    assert rows[0] == "h⁽⁰⁾ᵀ∂L/∂z⁽¹⁾ + h⁽¹⁾ᵀ∂L/∂z⁽²⁾ + h⁽²⁾ᵀ∂L/∂z⁽³⁾"
    assert near(matrix(rows[-1]), grads["rnn.weight_hh_l0"].T)
    assert near(grad_value(text, "Wₕₕ"), grads["rnn.weight_hh_l0"])
    assert near(grad_value(text, "Wᵢₕ"), grads["rnn.weight_ih_l0"])
    # the gradient reaching each step, as a table of ‖∂L/∂h⁽ᵗ⁾‖
    table = text[text.index("The gradient flowing back through time"):]
    for t in (1, 2, 3):
        line = next(ln for ln in table.splitlines() if ln.strip().startswith(f"{t} "))
        assert close(num(line.split()[-1]), float(steps[t - 1]["h"].grad.norm()))
    assert close(value(find(text, "L")[0]), loss)


def test_an_lstm_over_2_steps_names_its_gates_in_pytorchs_order():
    text, sol, steps, grads, loss = twin("LSTM", 1, 2, 2)
    assert "in PyTorch's gate order into z_i, z_f, z_g, z_o" in text
    for t in (1, 2):
        sup = "⁽" + "¹²"[t - 1] + "⁾"
        assert find(text, f"i{sup}")[0][0] == f"σ(z{sup}ᵢ)"
        assert find(text, f"f{sup}")[0][0] == f"σ(z{sup}_f)"
        assert find(text, f"g{sup}")[0][0] == f"tanh(z{sup}_g)"
        assert find(text, f"o{sup}")[0][0] == f"σ(z{sup}ₒ)"
        for gate in "ifgoch":
            s = steps[t - 1][gate]
            assert near(forward_value(text, f"{gate}{sup}"), s.detach().numpy()), (gate, t)
            assert near(grad_value(text, f"{gate}{sup}"), s.grad.numpy()), (gate, t)
    assert find(text, "p⁽²⁾")[0][0] == "p[1]"                  # the time steps cut from p
    assert [find(text, f"z⁽¹⁾{g}")[0][0] for g in ("ᵢ", "_f", "_g", "ₒ")] == [
        "z⁽¹⁾[:,0:2]", "z⁽¹⁾[:,2:4]", "z⁽¹⁾[:,4:6]", "z⁽¹⁾[:,6:8]"]        # i, f, g, o: PyTorch's order
    assert find(text, "u₁₅")[0][0] == "f⁽¹⁾·c⁽⁰⁾"              # c⁽¹⁾ = f⊙c⁽⁰⁾ + i⊙g
    assert find(text, "c⁽¹⁾")[0][0].startswith("u₁₅ + u₁₆")
    assert near(grad_value(text, "Wₕₕ"), grads["rnn.weight_hh_l0"])
    assert near(grad_value(text, "bᵢₕ"), grads["rnn.bias_ih_l0"])


def test_a_gru_names_r_z_n_and_its_update():
    text, sol, steps, grads, loss = twin("GRU", 1, 1, 2)
    for t in (1, 2):
        sup = "⁽" + "¹²"[t - 1] + "⁾"
        assert find(text, f"r{sup}")[0][0] == f"σ(a{sup}ᵣ)"
        assert find(text, f"n{sup}")[0][0] == f"tanh(a{sup}ₙ)"
        for gate in "rznh":
            s = steps[t - 1][gate]
            assert near(forward_value(text, f"{gate}{sup}"), s.detach().numpy()), (gate, t)
    assert near(grad_value(text, "Wₕₕ"), grads["rnn.weight_hh_l0"])
    assert "Back-propagation through time: Wₕₕ is the same matrix at all 2 time steps" in text


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_the_unrolled_rnn_in_every_format_and_korean(fmt):
    text, sol, steps, grads, loss = twin("RNN", 1, 1, 3)
    for lang, words in (("en", "Back-propagation through time"), ("ko", "시간 역전파(BPTT)")):
        out = sol.render(fmt, lang=lang)
        assert words in out
        for s in steps:
            assert f"{abs(float(s['h'].detach())):.4f}" in out
