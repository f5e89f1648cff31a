"""``chainrule.optim``: update rules that move parameters against their gradients, as ``torch.optim`` does.

    >>> from chainrule import optim
    >>> opt = optim.SGD(model.parameters(), lr=1)
    >>> opt.zero_grad(); loss.backward(); opt.step()     # W ← W − lr · ∂L/∂W
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .lbfgs import LBFGS
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LBFGS", "lr_scheduler"]
