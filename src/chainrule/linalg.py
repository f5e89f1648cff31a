"""``chainrule.linalg``: PyTorch's ``torch.linalg`` norms, differentiable.

* ``vector_norm(x, ord=2, dim=None)`` — ‖x‖_p = (Σ|xᵢ|ᵖ)^(1/p); ``inf`` max|xᵢ|, ``-inf`` min|xᵢ|, ``0`` the
  number of non-zeros; over all entries, or over ``dim``.
* ``matrix_norm(A, ord='fro', dim=(-2, -1))`` — ``'fro'`` √(Σ aᵢⱼ²), ``'nuc'`` Σσᵢ, ``2`` / ``-2`` the largest /
  smallest singular value, ``1`` / ``-1`` the max / min column sum of |aᵢⱼ|, ``inf`` / ``-inf`` the max / min
  row sum.
* ``norm(A, ord=None, dim=None)`` — a vector norm for one ``dim`` (or a 1-D input), a matrix norm for two.

    >>> linalg.vector_norm(tensor([3., 4.]))
    tensor(5.)
    >>> linalg.matrix_norm(tensor([[1., -2.], [3., 4.]]), ord=1)     # column sums 4 and 6
    tensor(6.)
"""
from __future__ import annotations

import math

from .ops import reduce as R
from .ops.reduce import normalize_dims
from .ops.spectral import SingularValues
from .tensor import Tensor

__all__ = ["norm", "vector_norm", "matrix_norm"]


def _check_float(x: Tensor, fn: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.{fn}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.dtype.is_floating_point is False:
        raise RuntimeError(f"linalg.{fn}: Expected a floating point or complex tensor as input. Got {x.dtype}")


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """‖x‖_ord over every entry (``dim=None``) or over ``dim`` (an int or a tuple of ints)."""
    _check_float(x, "vector_norm")
    if dtype is not None:
        x = x.to(dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}' (matrix norms: "
                           f"linalg.matrix_norm)")
    dims = normalize_dims(dim, x.ndim) if dim is not None else tuple(range(x.ndim))
    ord = float(ord)
    if ord == -math.inf:
        return x.abs().amin(dim=dims, keepdim=keepdim)
    return R.Norm.apply(x, ord, dims if dims else None, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The matrix norm ``ord`` of the matrices spanned by the two dims in ``dim`` (batched over the rest)."""
    _check_float(A, "matrix_norm")
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {tuple(dim)}")
    (rows,), (cols,) = normalize_dims(dim[0], A.ndim), normalize_dims(dim[1], A.ndim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[-1]})")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        moved = A.movedim((rows, cols), (-2, -1))
        sigma = SingularValues.apply(moved)
        out = sigma.sum(-1) if ord == "nuc" else (sigma.amax(-1) if ord == 2 else sigma.amin(-1))
        return out.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (rows, cols)) if keepdim else out
    if ord in (1, -1, math.inf, -math.inf):
        summed, reduced = (rows, cols) if ord in (1, -1) else (cols, rows)   # 1: column sums; inf: row sums
        sums = A.abs().sum(dim=summed, keepdim=True)
        pick = sums.amax if ord > 0 else sums.amin
        out = pick(dim=reduced, keepdim=True)
        return out if keepdim else out.squeeze((rows, cols))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported (use 'fro', 'nuc', 1, -1, 2, -2, inf "
                       f"or -inf)")


def norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``vector_norm`` for one ``dim`` or a 1-D input, ``matrix_norm`` for two dims or a 2-D input with an
    ``ord``; with neither ``ord`` nor ``dim``, the 2-norm of all entries."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is not None and dim is None and A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if ord is not None and dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord '{ord}' needs a matrix: pass a 2-D input or two dims")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
