# A moons classifier as a PyTorch tutorial writes it: TensorDataset + DataLoader(shuffle=True), Adam, StepLR
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_moons

torch.manual_seed(0)

X, y = make_moons(n_samples=400, noise=0.2, random_state=0)
X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor(y, dtype=torch.float32).unsqueeze(1)
dataset = TensorDataset(X, y)
loader = DataLoader(dataset, batch_size=32, shuffle=True)

model = nn.Sequential(
    nn.Linear(2, 16),
    nn.ReLU(),
    nn.Linear(16, 16),
    nn.ReLU(),
    nn.Linear(16, 1),
)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)

for epoch in range(30):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    scheduler.step()
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1}: loss {total / len(dataset):.6f}, lr {scheduler.get_last_lr()[0]:.6f}")

model.eval()
with torch.no_grad():
    predictions = (model(X) > 0).float()
    accuracy = (predictions == y).float().mean().item()
print(f"accuracy: {accuracy:.4f}")
print(model)
