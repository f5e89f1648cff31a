"""Presentation patterns: known pieces of a recorded graph written the way a person works them by hand.

The generic builder (``graph_builder``) writes every op with its explain rule; a pattern adds what a
lecture adds on top, reading the same ``StepGraph`` numbers and checking every sum it prints against
autograd (``GraphBuilder.check``) before it is shown:

* ``windows``   — convolution as sliding windows (an output entry = Σ window·kernel + b), ∂L/∂W as the
  correlation of the input with ∂L/∂out, ∂L/∂x as the full convolution with the flipped kernel;
  max pooling routing each gradient to its window's maximum, average pooling sharing it;
* ``recurrent`` — ``nn.RNN``/``LSTM``/``GRU`` unrolled in time: values named h⁽ᵗ⁾, c⁽ᵗ⁾, the gates
  i⁽ᵗ⁾ f⁽ᵗ⁾ g⁽ᵗ⁾ o⁽ᵗ⁾ / r⁽ᵗ⁾ z⁽ᵗ⁾ n⁽ᵗ⁾ in PyTorch's order, ∂L/∂W_hh as the sum over time steps (BPTT)
  and the gradient reaching each h⁽ᵗ⁾;
* ``norm``      — batch norm over images: each channel's μ_c and 1/√(σ²_c + ε) over its N·H·W values,
  one entry worked, and ∂L/∂x's batch-statistics formula checked;
* ``attention`` — scaled dot-product attention named S = QKᵀ, A = softmax(S/√d), O = AV, one score,
  one softmax row and one output entry worked with numbers.

The builder calls the hooks below; each returns blocks (or renames symbols) and never changes a number.
"""
from __future__ import annotations

from . import attention, norm, recurrent, windows


def rename(gb) -> None:
    """Give the values of recognised layers the names a person uses (h⁽ᵗ⁾, i⁽ᵗ⁾, S, A …)."""
    recurrent.rename(gb)
    attention.rename(gb)


def after_forward(gb, op) -> list:
    """Blocks written after the forward equation of ``op``."""
    return windows.forward(gb, op) + norm.forward(gb, op) + recurrent.forward(gb, op) + attention.forward(gb, op)


def before_gradient(gb, v, cons) -> list:
    """Blocks written before ∂L/∂v (``cons``: v's consumers as (op, argument index))."""
    return recurrent.before_gradient(gb, v, cons)


def after_gradient(gb, v, cons) -> list:
    """Blocks written after ∂L/∂v."""
    return windows.backward(gb, v, cons) + norm.backward(gb, v, cons)


def backward_end(gb) -> list:
    """Blocks at the end of the backward section."""
    return recurrent.backward_end(gb)
