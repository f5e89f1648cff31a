"""The seed's model, written as the seed writes it (only imports changed), against PyTorch."""
import numpy as np
import pytest
import torch as pt

import chainrule
from oracle import assert_close


def build(torch):
    """The seed's code block, character for character except that ``torch`` is a parameter."""
    nn = torch.nn

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

        def forward(self, x):
            x = self.layer1(x)
            x = self.layer2(x)
            return x

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = CustomModel().to(device)
    criterion = nn.BCELoss().to(device)
    return model, criterion


def one_step(torch):
    model, criterion = build(torch)
    optimizer = torch.optim.SGD(model.parameters(), lr=1)
    x = torch.Tensor([[1, 1]])
    y = torch.Tensor([[0]])
    out = model(x)
    loss = criterion(out, y)
    optimizer.zero_grad()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    optimizer.step()
    return model, out, loss, grads


def test_print_model_is_pytorchs_character_for_character():
    ours, _ = build(chainrule)
    theirs, _ = build(pt)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


def test_one_training_step_matches_pytorch_and_the_reference_table():
    m_o, out_o, loss_o, g_o = one_step(chainrule)
    m_t, out_t, loss_t, g_t = one_step(pt)
    assert_close(out_o, out_t, "prediction")
    assert_close(loss_o, loss_t, "loss")
    assert loss_o.grad_fn.name == "BinaryCrossEntropyBackward0"
    for name in g_t:
        assert_close(g_o[name], g_t[name], f"grad {name}")
    sd_o, sd_t = m_o.state_dict(), m_t.state_dict()
    assert list(sd_o) == list(sd_t)
    for k in sd_t:
        assert_close(sd_o[k], sd_t[k], k)
    # the seed README's reference values (float32 run, 4-5 decimals)
    assert loss_o.item() == pytest.approx(0.536884, abs=1e-5)
    np.testing.assert_allclose(sd_o["layer1.0.weight"].numpy(), [[0.451360, 0.370660], [0.184781, 0.473181]],
                               atol=1e-5)
    np.testing.assert_allclose(sd_o["layer2.0.weight"].numpy(), [[-0.445238, -0.166752]], atol=1e-5)
    np.testing.assert_allclose(sd_o["layer2.0.bias"].numpy(), [-0.719733], atol=1e-5)


def test_weight_assignment_through_data_keeps_the_registered_parameter():
    model, _ = build(chainrule)
    w = model.layer1[0].weight
    assert isinstance(w, chainrule.nn.Parameter) and w.requires_grad
    assert w.dtype == chainrule.float32
    assert [n for n, _ in model.named_parameters()] == ["layer1.0.weight", "layer1.0.bias", "layer2.0.weight",
                                                      "layer2.0.bias"]
