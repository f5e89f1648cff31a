"""Next-value prediction with an LSTM — a PyTorch-style tutorial that runs on chainrule.

    $ python examples/lstm_sine.py

The series is a sum of two sines, generated here (no download).  Each training example is a window
of SEQ_LEN consecutive values; the target is the value that follows it.  The model reads the window
with an ``nn.LSTM`` and maps its last hidden state to the prediction with an ``nn.Linear``; training is
mini-batch Adam on the mean squared error, with gradient clipping as recurrent nets usually need.

Only the two import lines below are chainrule's: change them to ``import torch`` and
``from torch import nn, optim`` and the script runs unchanged under PyTorch.  From the same initial
weights both give the same losses (tests/examples/test_lstm_tutorial.py checks this).
"""
import math

import chainrule as torch
from chainrule import nn, optim

SEQ_LEN = 20
HIDDEN = 16
EPOCHS = 40
BATCH_SIZE = 55
LR = 0.01


def make_data(n_points: int = 240, seq_len: int = SEQ_LEN):
    """Windows x (N, seq_len, 1) of the series and the value after each, y (N, 1)."""
    t = torch.linspace(0, 6 * math.pi, n_points)
    series = torch.sin(t) + 0.3 * torch.sin(3 * t)
    windows = torch.stack([series[i:i + seq_len] for i in range(n_points - seq_len)])
    x = windows.unsqueeze(-1)
    y = series[seq_len:].unsqueeze(-1)
    return x, y


class SineLSTM(nn.Module):
    def __init__(self, hidden_size: int = HIDDEN):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)          # out: (batch, seq_len, hidden)
        return self.head(out[:, -1, :])         # predict from the last time step


def train(model, x, y, epochs: int = EPOCHS, lr: float = LR, batch_size: int = BATCH_SIZE, log_every: int = 10):
    """Mini-batch Adam on the MSE; returns the mean loss of every epoch."""
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    n = x.shape[0]
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for start in range(0, n, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            total += loss.item() * xb.shape[0]
        losses.append(total / n)
        if log_every and epoch % log_every == 0:
            print(f"epoch {epoch:3d}  loss {losses[-1]:.6f}")
    return losses


def main() -> int:
    torch.manual_seed(0)
    x, y = make_data()
    model = SineLSTM()
    print(model)
    losses = train(model, x, y)
    model.eval()
    with torch.no_grad():
        pred = model(x[-5:]).squeeze(-1)
    print("last five targets    ", " ".join(f"{v:+.3f}" for v in y[-5:].squeeze(-1).tolist()))
    print("last five predictions", " ".join(f"{v:+.3f}" for v in pred.tolist()))
    print(f"final loss {losses[-1]:.6f} (first epoch {losses[0]:.6f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
