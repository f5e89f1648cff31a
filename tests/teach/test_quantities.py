"""Every quantity's recipe reproduces the engine's number from the engine's numbers of what it is computed
from — on the lecture, wider/deeper networks, every loss, batches, and graphs outside the layered form —
and the lecture's quantities are PyTorch's."""
import math

import pytest

from chainrule.teach import problem_of

from .helpers import mlp_toml, write

NETWORKS = {
    "lecture": None,
    "2-3-2 tanh/sigmoid mse batch 3": mlp_toml([2, 3, 2], ["tanh", "sigmoid"], "mse", x=[[1, 0], [0.5, -1], [2, 1]],
                                              y=[[0.2, 0.8], [1, 0], [0.5, 0.5]], lr=0.5),
    "3-2-3 relu softmax-ce batch 2": mlp_toml([3, 2, 3], ["relu", "identity"], "cross_entropy",
                                             x=[[1, 2, -1], [0, 1, 1]], y=[2, 0], lr=0.1),
    "2-2-2-1 sigmoid bce sum": mlp_toml([2, 2, 2, 1], ["sigmoid", "sigmoid", "sigmoid"], "bce", x=[[1, -1], [2, 0]],
                                        y=[[1], [0]], reduction="sum"),
    "2-2-1 adam": mlp_toml([2, 2, 1], ["sigmoid", "sigmoid"], "bce", optimizer="adam", lr=0.1),
    "2-2-1 l1 sgd momentum": mlp_toml([2, 2, 1], ["tanh", "identity"], "l1", y=[[0.5]], momentum=0.9),
}

RESIDUAL = """import torch
from torch import nn, optim
class Res(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.out = nn.Linear(2, 1)
    def forward(self, x):
        h = x + torch.tanh(self.fc(x))
        return torch.sigmoid(self.out(h))
torch.manual_seed(1)
model = Res().double()
criterion = lambda yhat, y: 0.5 * ((yhat - y) ** 2).sum()
optimizer = optim.SGD(model.parameters(), lr=0.5)
x = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
y = torch.tensor([[1.0]], dtype=torch.float64)
"""

FROZEN = """import torch
from torch import nn, optim
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
criterion = nn.BCELoss()
optimizer = optim.SGD(model[2].parameters(), lr=1)
x = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
y = torch.tensor([[0.0]], dtype=torch.float64)
"""

CIRCUIT = """import torch
x = torch.tensor(-2.0, requires_grad=True, dtype=torch.float64)
y = torch.tensor(5.0, requires_grad=True, dtype=torch.float64)
z = torch.tensor(-4.0, requires_grad=True, dtype=torch.float64)
q = x + y
m = torch.maximum(q, z)
e = torch.exp(z / 4)
f = q * z + m / e
"""


def problems(tmp_path):
    for name, text in NETWORKS.items():
        yield name, problem_of(None if text is None else write(tmp_path, "m.toml", text))
    for name, text in (("residual, hand-written loss", RESIDUAL), ("frozen first layer", FROZEN),
                       ("circuit", CIRCUIT)):
        yield name, problem_of(write(tmp_path, f"{name.split()[0].strip(',')}.py", text))


def test_every_recipe_reproduces_the_engine(tmp_path):
    checked = 0
    for name, p in problems(tmp_path):
        with_recipe = [q for q in p if q.recipe is not None]
        assert with_recipe, name
        for q in with_recipe:
            got = q.compute([d.value for d in q.deps])
            tol = 2e-6 if name == "lecture" else 1e-9        # the lecture runs in float32, as PyTorch's default
            assert math.isclose(got, q.value, rel_tol=tol, abs_tol=tol), (name, q, got)
            checked += 1
    assert checked > 400


def test_graphs_outside_the_layered_form_are_named_by_the_derivation(tmp_path):
    p = problem_of(write(tmp_path, "circuit.py", CIRCUIT))
    for n in ("q", "f", "df/dx", "df/dy", "df/dz", "df/dq", "dq/dx"):
        assert p.lookup(n) is not None, n
    # f = q·z + m/e with q = 3, z = −4, m = max(q, z) = 3, e = exp(−1): ∂f/∂x = z + 1/e (through q and m)
    assert p.lookup("df/dx").value == pytest.approx(-4 + math.e, abs=1e-12)
    assert len(p.lookup("df/dq").paths) == 2           # q feeds the product and the max: a sum over paths
    frozen = problem_of(write(tmp_path, "frozen.py", FROZEN))
    assert frozen.describe == "graph" and frozen.lookup("W2[0,0](2)") is not None
    assert frozen.lookup("W0[0,0](2)") is None         # the frozen layer has no update


def test_the_lectures_quantities_are_pytorchs():
    import torch
    p = problem_of()
    torch.manual_seed(0)
    l1, l2 = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    with torch.no_grad():
        l1.weight.copy_(torch.tensor([[0.4352, 0.3545], [0.1951, 0.4835]]))
        l1.bias.copy_(torch.tensor([-0.1419, 0.0439]))
        l2.weight.copy_(torch.tensor([[-0.1725, 0.1129]]))
        l2.bias.copy_(torch.tensor([-0.3043]))
    x = torch.tensor([[1.0, 1.0]])
    z1 = l1(x)
    z1.retain_grad()
    s1 = torch.sigmoid(z1)
    s1.retain_grad()
    out = torch.sigmoid(l2(s1))
    loss = torch.nn.functional.binary_cross_entropy(out, torch.tensor([[0.0]]))
    loss.backward()
    pairs = {"z1": z1[0, 0], "σ3": out[0, 0], "L": loss, "dL/dz1": z1.grad[0, 0], "dL/dσ1": s1.grad[0, 0],
             "dL/dW1": l1.weight.grad[0, 0], "dL/dW2": l1.weight.grad[0, 1], "dL/dW5": l2.weight.grad[0, 0],
             "W5(2)": l2.weight[0, 0] - l2.weight.grad[0, 0], "W3(2)": l1.weight[1, 0] - l1.weight.grad[1, 0]}
    for name, t in pairs.items():
        assert p.lookup(name).value == pytest.approx(float(t.detach()), rel=1e-6, abs=1e-7), name
