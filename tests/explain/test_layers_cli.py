"""Issue 13 from the command line: ``chainrule explain model.py --verify-torch`` on a PyTorch-style model
file with a convolution and max-pool, and one with an LSTM — the worked layers in the text and every
compared quantity ✓ against the same file run with the real PyTorch."""
import re

from .helpers import run_cli

CNN = """import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 1, 2), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1, 1)).double()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.arange(16.0, dtype=torch.float64).reshape(1, 1, 4, 4) / 10
y = torch.tensor([[1.0]], dtype=torch.float64)
"""

LSTM = """import torch
import torch.nn as nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 2, batch_first=True)
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


model = Net().double()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.tensor([[[0.5], [-1.0]]], dtype=torch.float64)
y = torch.tensor([[1.0]], dtype=torch.float64)
"""


def _explain(tmp_path, text, *argv):
    path = tmp_path / "model.py"
    path.write_text(text)
    code, out, err = run_cli("explain", str(path), "--verify-torch", *argv)
    assert code == 0, err
    marks = [ln for ln in out.splitlines() if ln.rstrip().endswith(("✓",)) or "✗" in ln]
    assert len(marks) >= 5 and all("✗" not in ln for ln in marks), out[-2000:]
    assert any(ln.split()[0] == "L" for ln in marks)          # the loss, then every gradient and update
    import chainrule
    assert chainrule.get_default_dtype() == chainrule.float32   # the file left no global setting behind
    return out


def test_a_conv_model_file_is_explained_window_by_window_and_matches_pytorch(tmp_path):
    out = _explain(tmp_path, CNN)
    assert len(re.findall(r"^    h₀\[\d,\d\] = W₀\[0,0\]·x\[\d,\d\]", out, re.M)) == 9
    assert "Max pooling routes each gradient" in out and "∂L/∂W₀ is the correlation of the input x with g" in out


def test_an_lstm_model_file_is_unrolled_with_its_gates_and_matches_pytorch(tmp_path):
    out = _explain(tmp_path, LSTM, "--lang", "ko")
    for name in ("i⁽¹⁾ = σ(z⁽¹⁾ᵢ)", "f⁽²⁾ = σ(z⁽²⁾_f)", "g⁽¹⁾ = tanh(z⁽¹⁾_g)", "o⁽²⁾ = σ(z⁽²⁾ₒ)"):
        assert name in out
    assert "시간 역전파(BPTT)" in out and "2개 시간 단계로 펼친 LSTM" in out
