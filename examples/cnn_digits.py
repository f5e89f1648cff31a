"""A small convolutional network (LeNet-style) classifies scikit-learn's 8×8 handwritten digits,
written the way a PyTorch tutorial writes it.

    $ pip install scikit-learn
    $ python examples/cnn_digits.py [epochs]

Only the imports say chainrule: put ``import torch`` (and ``torch.nn``, ``torch.nn.functional``,
``torch.optim``, ``torch.utils.data``) in their place and the same file runs under PyTorch —
tests/examples/test_cnn_digits.py does exactly that, starts both from the same weights and checks that
every loss and every parameter agree.  Test accuracy reaches about 97% in 10 epochs.
"""
import sys

import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
import chainrule.optim as optim
from chainrule.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)   # 1×8×8 → 8×8×8
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3)             # 8×4×4 → 16×2×2
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)   # → 8×4×4
        x = F.relu(self.conv2(x))
        x = torch.flatten(x, 1)                                # → 64
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def load_dataset():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("examples/cnn_digits.py needs scikit-learn for its bundled digits data: "
                         "pip install scikit-learn") from None
    digits = load_digits()
    images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)   # (1797, 1, 8, 8)
    labels = torch.tensor(digits.target, dtype=torch.int64)
    return TensorDataset(images, labels)


def train_epoch(model, loader, optimizer):
    """One pass over the loader; returns the loss of every batch."""
    model.train()
    losses = []
    for images, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def evaluate(model, loader) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            total += len(labels)
    return correct / total


def main(epochs: int = 10, seed: int = 0) -> float:
    torch.manual_seed(seed)
    dataset = load_dataset()
    n_test = len(dataset) // 5
    train_set = torch.utils.data.Subset(dataset, range(n_test, len(dataset)))
    test_set = torch.utils.data.Subset(dataset, range(n_test))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)
    model = Net()
    print(model)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    accuracy = 0.0
    for epoch in range(1, epochs + 1):
        losses = train_epoch(model, train_loader, optimizer)
        accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch:2d}  train loss {sum(losses) / len(losses):.4f}  test accuracy {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
