"""A 2-2-1 sigmoid network learns XOR — the classic problem a single layer cannot solve.

    $ python examples/xor.py

XOR is not linearly separable, so the two hidden units must each carve out a half-plane and the
output unit combines them.  Small sigmoid nets on XOR have a well-known trap: from some starting
weights gradient descent settles in a local minimum (loss ≈ 0.35 or 0.48, three of four points right).
The script detects that and restarts from new random weights, saying so, as a practitioner would.
"""
import chainrule as torch
from chainrule import nn, optim

X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])

EPOCHS = 2000
TARGET_LOSS = 0.05
MAX_ATTEMPTS = 10


def make_model():
    return nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())


def train(model, epochs=EPOCHS, lr=0.1, log_every=500):
    criterion = nn.BCELoss()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        loss = criterion(model(X), Y)
        loss.backward()
        optimizer.step()
        if epoch % log_every == 0:
            print(f"  epoch {epoch:5d}  loss {loss.item():.6f}")
    with torch.no_grad():
        return criterion(model(X), Y).item()


def main(seed: int = 0) -> int:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        torch.manual_seed(seed + attempt - 1)
        model = make_model()
        print(f"attempt {attempt} (seed {seed + attempt - 1})")
        loss = train(model)
        with torch.no_grad():
            pred = model(X)
        solved = bool(((pred > 0.5).float() == Y).all()) and loss < TARGET_LOSS
        if solved:
            print(f"learned XOR: final loss {loss:.6f}")
            print("  x1  x2  target  prediction")
            for (x1, x2), t, p in zip(X.tolist(), Y.tolist(), pred.tolist()):
                print(f"  {x1:.0f}   {x2:.0f}   {t[0]:.0f}       {p[0]:.4f}")
            return 0
        print(f"  stuck in a local minimum (loss {loss:.4f}): a known trap of small sigmoid nets on XOR; "
              f"restarting from new random weights")
    print(f"did not learn XOR in {MAX_ATTEMPTS} attempts")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
