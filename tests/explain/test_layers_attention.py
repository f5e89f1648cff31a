"""Issue 13, explained: one attention head on 3 tokens — scores QKᵀ/√d, softmax, the weighted sum and the
backward through each, every printed number PyTorch's (the same head built in PyTorch, same weights)."""
import numpy as np
import torch

import chainrule
from chainrule.explain import explain_step

from .layers_text import close, find, matrix, products, value

RNG = np.random.default_rng(3)


def build(lib, W):
    F = lib.nn.functional

    class Head(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v = (lib.nn.Linear(2, 2, bias=False).double() for _ in range(3))
            with lib.no_grad():
                for m, w in zip((self.q, self.k, self.v), W):
                    m.weight.copy_(lib.tensor(w))

        def forward(self, x):
            self.out = F.scaled_dot_product_attention(self.q(x), self.k(x), self.v(x))
            return self.out.sum(1)
    return Head()


def near(printed, exact):
    printed, exact = np.asarray(printed, float).ravel(), np.asarray(exact, float).ravel()
    return printed.shape == exact.shape and all(close(a, b) for a, b in zip(printed, exact))


def test_one_attention_head_on_3_tokens():
    W = [RNG.normal(0, 0.7, (2, 2)) for _ in range(3)]
    x = RNG.normal(0, 1, (1, 3, 2)).round(2)
    y = np.array([[0.5, -0.5]])
    cm = build(chainrule, W)
    sol = explain_step(cm, chainrule.nn.MSELoss(), chainrule.optim.SGD(cm.parameters(), lr=0.1),
                       chainrule.tensor(x), chainrule.tensor(y))
    text = sol.render("text")
    tm = build(torch, W)
    xt = torch.tensor(x)
    Q, K, V = tm.q(xt), tm.k(xt), tm.v(xt)
    S = Q @ K.transpose(1, 2)
    Z = S / np.sqrt(2)
    A = torch.softmax(Z, -1)
    O = A @ V
    for t in (Q, K, V, S, Z, A, O):
        t.retain_grad()
    assert torch.allclose(O, torch.nn.functional.scaled_dot_product_attention(Q, K, V))
    loss = torch.nn.functional.mse_loss(O.sum(1), torch.tensor(y))
    loss.backward()
    # forward: each named value is PyTorch's
    for name, t in (("Q", Q), ("K", K), ("V", V), ("S", S), ("Z", Z), ("A", A), ("O", O)):
        assert near(matrix(find(text, name)[0][-1]), t.detach().numpy()), name
    assert find(text, "S")[0][0] == "QKᵀ" and find(text, "A")[0][0] == "softmax(Z)" and find(text, "O")[0][0] == "AV"
    assert "scaled by 1/√d with d = 2" in text
    # one score, one weight, one output entry worked with numbers
    eq = next((k, find(text, k)[0]) for k in [f"S[{i},{j}]" for i in range(3) for j in range(3)] if find(text, k))
    i, j = map(int, eq[0][2:-1].split(","))
    pairs = products(eq[1][1])
    assert len(pairs) == 2 and all(close(a, float(Q[0, i, k].detach())) and close(b, float(K[0, j, k].detach()))
                                   for k, (a, b) in enumerate(pairs))
    assert close(value(eq[1]), float(S[0, i, j]))
    a_eq = next((k, find(text, k)[0]) for k in [f"A[{i},{j}]" for i in range(3) for j in range(3)] if find(text, k))
    i, j = map(int, a_eq[0][2:-1].split(","))
    assert a_eq[1][0] == f"exp(Z[{i},{j}]) / Σₘ exp(Z[{i},m])"
    assert close(value(a_eq[1]), float(A[0, i, j]))
    o_eq = next((k, find(text, k)[0]) for k in [f"O[{i},{j}]" for i in range(3) for j in range(2)] if find(text, k))
    i, k = map(int, o_eq[0][2:-1].split(","))
    pairs = products(o_eq[1][1])
    assert len(pairs) == 3 and all(close(a, float(A[0, i, j].detach())) and close(b, float(V[0, j, k].detach()))
                                   for j, (a, b) in enumerate(pairs))
    # backward through each: softmax's rule, the products' transposes; the gradients PyTorch's
    assert find(text, "∂L/∂Z")[-1][0] == "A ⊙ (∂L/∂A - Σⱼ (∂L/∂A ⊙ A))"
    for name, t in (("O", O), ("A", A), ("Z", Z), ("S", S), ("V", V), ("K", K), ("Q", Q)):
        assert near(matrix(find(text, f"∂L/∂{name}")[-1][-1]), t.grad.numpy()), name
    for name, m in (("W_q", tm.q), ("Wₖ", tm.k), ("Wᵥ", tm.v)):
        assert near(matrix(find(text, f"∂L/∂{name}")[-1][-1]), m.weight.grad.numpy()), name
    ko = sol.render("markdown", lang="ko")
    assert "어텐션: 점수" in ko and "어텐션 가중치" in ko
