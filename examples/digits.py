"""An MLP classifies scikit-learn's bundled 8×8 handwritten digits (1,797 images, 10 classes).

    $ pip install scikit-learn      # the 'data' extra: pip install 'chainrule[data]'
    $ python examples/digits.py

Pixels (0–16) are scaled to [0, 1]; a 64 → 64 → 10 ReLU network is trained with Adam and
cross-entropy on a seeded 80/20 split, with a shuffling DataLoader; the test accuracy is printed
after each epoch and reaches about 98%.  The trained weights are saved with ``chainrule.save``
when a path is given: ``python examples/digits.py model.safetensors``.
"""
import sys

import chainrule as torch
from chainrule import nn, optim
from chainrule.utils.data import DataLoader, TensorDataset, random_split

EPOCHS = 20
BATCH_SIZE = 32


def load_dataset():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("examples/digits.py needs scikit-learn for its bundled digits data: "
                         "pip install scikit-learn") from None
    digits = load_digits()
    X = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.int64)
    return TensorDataset(X, y)


def accuracy(model, dataset) -> float:
    loader = DataLoader(dataset, batch_size=512)
    correct = 0
    model.eval()
    with torch.no_grad():
        for xb, yb in loader:
            correct += (model(xb).argmax(dim=1) == yb).sum().item()
    model.train()
    return correct / len(dataset)


def main(save_path=None, seed: int = 0) -> float:
    torch.manual_seed(seed)
    train_set, test_set = random_split(load_dataset(), [0.8, 0.2], generator=torch.Generator().manual_seed(seed))
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True, generator=torch.Generator().manual_seed(seed))
    print(f"train {len(train_set)} images, test {len(test_set)} images")
    acc = 0.0
    for epoch in range(1, EPOCHS + 1):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        acc = accuracy(model, test_set)
        print(f"epoch {epoch:2d}  train loss {total / len(train_set):.4f}  test accuracy {acc:.2%}")
    print(f"final test accuracy {acc:.2%}")
    if save_path:
        torch.save(model.state_dict(), save_path)
        print(f"saved weights to {save_path}")
    return acc


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
