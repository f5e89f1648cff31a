"""Learning-rate schedules: change each param group's ``lr`` once per epoch (call ``scheduler.step()``
after ``optimizer.step()``; ``CyclicLR`` and ``OneCycleLR`` once per batch), with PyTorch's recursive
(chainable) formulas so the numbers agree with it.

    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> sched = StepLR(opt, step_size=30, gamma=0.1)    # lr = 0.1 for epochs 0-29, 0.01 for 30-59, ...
    >>> for epoch in range(100):
    ...     train(...); sched.step()
    >>> sched.get_last_lr()
    [0.0001...]

One family a file: ``base`` (``LRScheduler``), ``decay`` (factor schedules), ``cosine``, ``cyclic``
(``CyclicLR``, ``OneCycleLR``), ``composite`` (``SequentialLR``, ``ChainedScheduler``), ``plateau``.
"""
from .base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR, OneCycleLR
from .decay import (ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR, PolynomialLR,
                    StepLR)
from .plateau import ReduceLROnPlateau

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]
