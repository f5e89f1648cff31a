# The lecture's worked example ("Forward Propagation & Back Propagation", 풀이), as its PyTorch code.
# `chainrule explain` with no model file explains this; `import torch` gives chainrule here.
import torch
import torch.nn as nn
import torch.optim as optim

device = "cpu"


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
            torch.Tensor([-0.1419, 0.0439])
        )

        self.layer2[0].weight.data = torch.nn.Parameter(
            torch.Tensor([[-0.1725, 0.1129]])
        )

        self.layer2[0].bias.data = torch.nn.Parameter(
            torch.Tensor([-0.3043])
        )

    def forward(self, x):
        x = self.layer1(x)
        x = self.layer2(x)
        return x


model = CustomModel().to(device)
criterion = nn.BCELoss().to(device)
optimizer = optim.SGD(model.parameters(), lr=1)

x = torch.FloatTensor([[1, 1]]).to(device)
y = torch.FloatTensor([[0]]).to(device)
