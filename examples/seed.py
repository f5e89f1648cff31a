"""The seed lecture's worked example, run for real: one forward pass, one backward pass, one SGD step.

The model, loss and optimiser below are the lecture's PyTorch code, unchanged except for the imports
(``import chainrule as torch``; ``from chainrule import nn, optim``).  The lecture gives no ``forward``;
its text describes one (layer 1, then layer 2), which ``SeedModel`` adds.  Input ``x = [1, 1]``,
target ``y = [0]``, as in the lecture.

    $ python examples/seed.py

Naming follows the lecture: ``z1 = W1·x1 + W2·x2 + b1`` (so W1, W2 are row 0 of layer 1's weight, W3, W4
row 1); W5, W6 are layer 2's weight.
"""
import chainrule as torch
from chainrule import nn, optim

device = "cpu"

# ----- the seed's code block 1, verbatim -----
class CustomModel(nn.Module):
    def __init__(self):
        super(CustomModel, self).__init__()

        self.layer1 = nn.Sequential(
            nn.Linear(2, 2),
            nn.Sigmoid()
        )
        self.layer2 = nn.Sequential(
            nn.Linear(2, 1),
            nn.Sigmoid()
        )
        
        self.layer1[0].weight.data = torch.nn.Parameter(
            torch.Tensor([[0.4352, 0.3545],
                         [0.1951, 0.4835]])
        )

        self.layer1[0].bias.data = torch.nn.Parameter(
            torch.Tensor([-0.1419,  0.0439])
        )

        self.layer2[0].weight.data = torch.nn.Parameter(
            torch.Tensor([[-0.1725,  0.1129]])
        )

        self.layer2[0].bias.data = torch.nn.Parameter(
            torch.Tensor([-0.3043])
        )
# ----- end of block 1 -----


class SeedModel(CustomModel):
    """The lecture's CustomModel with the forward pass its text describes: ŷ = layer2(layer1(x))."""

    def forward(self, x):
        return self.layer2(self.layer1(x))


model = SeedModel().to(device)

# ----- the seed's code block 2, verbatim -----
criterion = nn.BCELoss().to(device)
optimizer = optim.SGD(model.parameters(), lr=1)
# ----- end of block 2 -----

PARAMETERS = [  # (lecture name, where it lives)
    ("W1 = weight1[0][0]", "layer1.0.weight", (0, 0)),
    ("W2 = weight1[0][1]", "layer1.0.weight", (0, 1)),
    ("W3 = weight1[1][0]", "layer1.0.weight", (1, 0)),
    ("W4 = weight1[1][1]", "layer1.0.weight", (1, 1)),
    ("b1", "layer1.0.bias", (0,)),
    ("b2", "layer1.0.bias", (1,)),
    ("W5 = weight2[0][0]", "layer2.0.weight", (0, 0)),
    ("W6 = weight2[0][1]", "layer2.0.weight", (0, 1)),
    ("b3", "layer2.0.bias", (0,)),
]


def one_step(model, criterion, optimizer, x, y):
    """Forward, loss, backward, SGD update; return every intermediate as plain floats."""
    before = {name: dict(model.named_parameters())[key][idx].item() for name, key, idx in PARAMETERS}
    z_hidden = model.layer1[0](x)
    z_hidden.retain_grad()
    s_hidden = model.layer1[1](z_hidden)
    s_hidden.retain_grad()
    z_out = model.layer2[0](s_hidden)
    z_out.retain_grad()
    y_hat = model.layer2[1](z_out)
    y_hat.retain_grad()
    loss = criterion(y_hat, y)

    optimizer.zero_grad()
    loss.backward()
    params = dict(model.named_parameters())
    grads = {name: params[key].grad[idx].item() for name, key, idx in PARAMETERS}
    optimizer.step()
    after = {name: params[key][idx].item() for name, key, idx in PARAMETERS}
    s3 = y_hat.item()
    return {
        "z1": z_hidden[0, 0].item(), "z2": z_hidden[0, 1].item(),
        "s1": s_hidden[0, 0].item(), "s2": s_hidden[0, 1].item(),
        "z3": z_out.item(), "s3": s3, "loss": loss.item(),
        "dL/ds3": y_hat.grad.item(), "ds3/dz3": s3 * (1 - s3), "dL/dz3": z_out.grad.item(),
        "dL/ds1": s_hidden.grad[0, 0].item(), "dL/ds2": s_hidden.grad[0, 1].item(),
        "grads": grads, "before": before, "after": after,
    }


def report(r) -> str:
    lines = ["forward",
             f"  z1 = {r['z1']:.6f}    z2 = {r['z2']:.6f}",
             f"  σ1 = {r['s1']:.6f}    σ2 = {r['s2']:.6f}",
             f"  z3 = {r['z3']:.6f}   σ3 = ŷ = {r['s3']:.6f}",
             f"  loss (BCE) = {r['loss']:.6f}",
             "backward (chain rule)",
             f"  ∂L/∂σ3 = {r['dL/ds3']:.6f}   ∂σ3/∂z3 = {r['ds3/dz3']:.6f}   ∂L/∂z3 = σ3 − y = {r['dL/dz3']:.6f}",
             f"  ∂L/∂σ1 = {r['dL/ds1']:.6f}   ∂L/∂σ2 = {r['dL/ds2']:.6f}",
             "SGD step (lr = 1): W ← W − lr · ∂L/∂W",
             f"  {'parameter':<20}{'before':>11}{'∂L/∂param':>12}{'after':>11}"]
    for name, _, _ in PARAMETERS:
        lines.append(f"  {name:<20}{r['before'][name]:>11.6f}{r['grads'][name]:>12.6f}{r['after'][name]:>11.6f}")
    return "\n".join(lines)


if __name__ == "__main__":
    x = torch.FloatTensor([[1, 1]]).to(device)
    y = torch.FloatTensor([[0]]).to(device)
    print(model)
    print(report(one_step(model, criterion, optimizer, x, y)))
