"""Issue 10's "done when" models, written once: ``MODELS[name](lib)`` → (model, criterion, optimizer, x, y)
built with ``lib`` = chainrule or torch, so each test can run the same step in both.

``test_graph_explain.py`` checks each against PyTorch's numbers; ``test_every_model_everywhere.py``
renders each in every format and language, draws it and builds its page.  (The lecture, the scalar
circuit and per-sample SGD over a dataset are written where they are tested: they are an expression
file, the seed model and a ``data=`` run.)
"""
from __future__ import annotations


def frozen_biases(lib):
    """A 2-2-2 sigmoid network whose biases are left out of the optimizer."""
    model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Sigmoid(), lib.nn.Linear(2, 2), lib.nn.Sigmoid())
    opt = lib.optim.SGD([model[0].weight, model[2].weight], lr=0.5)
    return model, lib.nn.MSELoss(), opt, lib.tensor([[0.05, 0.1]]), lib.tensor([[0.01, 0.99]])


def no_biases_half_squared_error(lib):
    model = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Sigmoid(), lib.nn.Linear(2, 1, bias=False))
    crit = lambda yhat, y: 0.5 * ((yhat - y) ** 2).sum()       # noqa: E731
    return model, crit, lib.optim.SGD(model.parameters(), lr=0.1), lib.tensor([[1.0, 0.5]]), lib.tensor([[0.3]])


def residual(lib):
    class Res(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(2, 2)

        def forward(self, x):
            return x + lib.tanh(self.fc(x))
    model = Res()
    return model, lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.1), \
        lib.tensor([[0.5, -1.0]]), lib.tensor([[0.0, 0.0]])


def linear_twice(lib):
    class Twice(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(lib.sigmoid(self.fc(x)))
    model = Twice()
    return model, lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.1), \
        lib.tensor([[1.0, 2.0]]), lib.tensor([[0.0, 1.0]])


def log_softmax_nll(lib):
    model = lib.nn.Sequential(lib.nn.Linear(2, 3))
    crit = lambda out, y: lib.nn.functional.nll_loss(lib.nn.functional.log_softmax(out, dim=1), y)  # noqa: E731
    return model, crit, lib.optim.SGD(model.parameters(), lr=0.1), lib.tensor([[1.0, -1.0], [0.5, 2.0]]), \
        lib.tensor([2, 0])


def rnn_cell(lib):
    """A recurrent cell of two ``Linear`` layers and tanh, unrolled over 3 time steps."""
    class Cell(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.wx = lib.nn.Linear(1, 2)
            self.wh = lib.nn.Linear(2, 2, bias=False)
            self.out = lib.nn.Linear(2, 1)

        def forward(self, xs):
            h = lib.zeros(1, 2)
            for t in range(3):
                h = lib.tanh(self.wx(xs[:, t:t + 1]) + self.wh(h))
            return self.out(h)
    model = Cell()
    return model, lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.1), \
        lib.tensor([[0.5, -0.2, 0.9]]), lib.tensor([[0.3]])


def normalised(layer):
    def make(lib):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), getattr(lib.nn, layer)(3), lib.nn.Linear(3, 1))
        x = lib.tensor([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.3]])
        return model, lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.1), x, lib.tensor([[1.0], [0.0], [0.5]])
    make.__name__ = layer
    return make


def embedding(lib):
    model = lib.nn.Sequential(lib.nn.Embedding(4, 2), lib.nn.Flatten(), lib.nn.Linear(4, 1))
    return model, lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.1), lib.tensor([[1, 3]]), \
        lib.tensor([[0.5]])


def dropout(lib):
    lib.manual_seed(3)
    model = lib.nn.Sequential(lib.nn.Linear(2, 4), lib.nn.Dropout(0.5), lib.nn.Linear(4, 1))
    return model, lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.1), lib.tensor([[1.0, 2.0]]), \
        lib.tensor([[0.5]])


def lecture(lib):
    """The seed lecture's network (x = [1, 1], y = 0, BCE, SGD lr = 1), in float64."""
    class CustomModel(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Sigmoid())
            self.layer2 = lib.nn.Sequential(lib.nn.Linear(2, 1), lib.nn.Sigmoid())

        def forward(self, x):
            return self.layer2(self.layer1(x))
    model = CustomModel().to(lib.float64)
    from chainrule.viz.network import SEED_WEIGHTS
    model.load_state_dict({k: lib.tensor(v, dtype=lib.float64) for k, v in SEED_WEIGHTS.items()})
    return model, lib.nn.BCELoss(), lib.optim.SGD(model.parameters(), lr=1.0), \
        lib.tensor([[1.0, 1.0]], dtype=lib.float64), lib.tensor([[0.0]], dtype=lib.float64)


MODELS = {"lecture": lecture, "frozen_biases": frozen_biases, "no_biases_half_squared_error": no_biases_half_squared_error,
          "residual": residual, "linear_twice": linear_twice, "log_softmax_nll": log_softmax_nll, "rnn_cell": rnn_cell,
          "batchnorm": normalised("BatchNorm1d"), "layernorm": normalised("LayerNorm"), "embedding": embedding,
          "dropout": dropout}
