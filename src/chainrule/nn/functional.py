"""``nn.functional``: the stateless form of every layer, activation and loss (``F.relu(x)``,
``F.cross_entropy(logits, target)``), with PyTorch's signatures and defaults.

Each function checks its arguments (shapes, value ranges, class indices) and says what is wrong in a
way a learner can act on, then calls one op from ``chainrule.ops`` (or a few tensor operations).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..tensor import Tensor
from ..ops import activations as A, losses as LS, layers as LY, elementwise as E
from ..ops import linalg as _linalg
from ..random import distributions, resolve

__all__ = [
    "linear", "relu", "relu_", "relu6", "leaky_relu", "elu", "gelu", "silu", "softplus", "logsigmoid", "hardtanh",
    "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "batch_norm", "layer_norm", "embedding", "one_hot",
    "normalize", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
]


# --------------------------------------------------------------------------------------- helpers
def _t(x, name="input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a Tensor, not {type(x).__name__}")
    return x


def _float_input(x: Tensor, fn: str) -> Tensor:
    _t(x)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{fn}: expected a floating point input but got {x.dtype}; convert it with .float()")
    return x


def _reduction(reduction, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:   # PyTorch's deprecated arguments
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _mat(shape) -> str:
    return "x".join(str(n) for n in shape)


def _shape(t: Tensor) -> str:
    s = tuple(t.shape)
    return "(" + ", ".join(str(n) for n in s) + ("," if len(s) == 1 else "") + ")"


# -------------------------------------------------------------------------------------- linear
def linear_error(input: Tensor, weight: Tensor, who):
    """The error for a width or dtype mismatch in y = x·Wᵀ + b, or None when they fit.

    ``who`` names the caller in the message (a string, or a function giving one, called only on error)."""
    x, w = input._data, weight._data
    if x.ndim and w.ndim and x.shape[-1] == w.shape[-1] and x.dtype == w.dtype:
        return None
    who = who() if callable(who) else who
    in_w = weight.shape[-1] if weight.ndim else 0
    if input.ndim == 0:
        return RuntimeError(f"{who}: input is a 0-d tensor (a scalar) but the layer expects shape (*, {in_w})")
    if input.shape[-1] != in_w:
        rows = int(np.prod(input.shape[:-1])) if input.ndim > 1 else 1
        mat1 = (rows, input.shape[-1])
        mat2 = tuple(reversed(tuple(weight.shape))) if weight.ndim == 2 else (in_w,)
        return RuntimeError(f"{who}: input has shape {_shape(input)} but the layer expects (*, {in_w}) — "
                            f"mat1 and mat2 shapes cannot be multiplied ({_mat(mat1)} and {_mat(mat2)})")
    if input._data.dtype != weight._data.dtype:
        return RuntimeError(f"{who}: input dtype {input.dtype} does not match the weight dtype {weight.dtype} "
                            f"(mat1 and mat2 must have the same dtype); convert one of them, e.g. x.to"
                            f"({weight.dtype}) or model.to({input.dtype})")
    return None


def linear(input: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """y = x·Wᵀ + b — x: (*, in), W: (out, in), b: (out,) → y: (*, out)."""
    _t(input)
    err = linear_error(input, weight, lambda: f"linear (weight {_shape(weight)})")
    if err is not None:
        raise err
    return _linear(input, weight, bias)


def _linear(input: Tensor, weight: Tensor, bias) -> Tensor:
    if input._data.ndim == 2:
        return (LY.Addmm if bias is not None else LY.Mm).apply(input, weight, bias)
    return _linalg.Linear.apply(input, weight, bias)


# ---------------------------------------------------------------------------------- activations
def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ)"""
    return _t(input).sigmoid()


def tanh(input: Tensor) -> Tensor:
    """tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)"""
    return _t(input).tanh()


def _maybe_inplace(input: Tensor, out_fn, inplace: bool, name: str) -> Tensor:
    if inplace:
        return input._in_place(out_fn, name)
    return out_fn()


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """relu(x) = max(x, 0)"""
    return _maybe_inplace(_t(input), lambda: E.Relu.apply(input), inplace, "relu_")


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x) = min(max(x, 0), 6)"""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope·x"""
    return _maybe_inplace(_float_input(input, "leaky_relu"), lambda: A.LeakyRelu.apply(input, negative_slope),
                          inplace, "leaky_relu_")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else α(eˣ − 1)"""
    return _maybe_inplace(_float_input(input, "elu"), lambda: A.Elu.apply(input, alpha), inplace, "elu_")


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (approximate='none') or ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (approximate='tanh')"""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh (got {approximate!r})")
    return A.Gelu.apply(_float_input(input, "gelu"), approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x)"""
    return _maybe_inplace(_float_input(input, "silu"), lambda: A.Silu.apply(input), inplace, "silu_")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β)·ln(1 + e^{βx}); x itself where βx > threshold"""
    return A.Softplus.apply(_float_input(input, "softplus"), beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """ln σ(x) = −softplus(−x)"""
    return A.LogSigmoid.apply(_float_input(input, "log_sigmoid"))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val)"""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(_float_input(input, "hardtanh"), lambda: A.Hardtanh.apply(input, min_val, max_val),
                          inplace, "hardtanh_")


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  f"dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(x)ᵢ = e^{xᵢ} / Σⱼ e^{xⱼ} along ``dim``"""
    if dim is None:
        dim = _softmax_dim("softmax", _t(input).ndim)
    return _t(input).softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log_softmax(x)ᵢ = xᵢ − log Σⱼ e^{xⱼ} along ``dim``"""
    if dim is None:
        dim = _softmax_dim("log_softmax", _t(input).ndim)
    return _t(input).log_softmax(dim, dtype=dtype)


# ------------------------------------------------------------------------------------ layers
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training: zero each element with probability p and scale the rest by 1/(1 − p); else identity.

    The mask is PyTorch's CPU one: ``noise = empty_like(x).bernoulli_(1 − p) / (1 − p)`` (one float64
    uniform per element, kept when < 1 − p), ``y = x·noise``; p = 1 draws nothing."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _t(input)
    if not training or p == 0 or x._data.size == 0:
        return input
    return _maybe_inplace(input, lambda: LY.NativeDropout.apply(input, _dropout_noise(x._data, float(p))), inplace,
                          "dropout_")


def _dropout_noise(a: np.ndarray, p: float) -> np.ndarray:
    """m/(1 − p) in ``a``'s dtype, m ~ Bernoulli(1 − p) from the global generator (zeros when p = 1)."""
    if p >= 1:
        return np.zeros(a.shape, dtype=a.dtype)
    keep = distributions.bernoulli_scalar(resolve(None), a.shape, a.dtype, 1.0 - p)
    return (keep / a.dtype.type(1.0 - p)).astype(a.dtype)


def batch_norm(input: Tensor, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β, per channel (dim 1).

    Training: batch statistics (biased variance) normalise, and the running estimates move:
    running = (1 − momentum)·running + momentum·batch (unbiased variance).  Evaluation: the running
    estimates normalise."""
    _float_input(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected a 2D or higher input (N, C, ...) but got a {input.ndim}D input")
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        n = input._data.size // input.shape[1]
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        x64 = input._data.astype(np.float64)
        mean = x64.mean(axis=axes, keepdims=True)
        var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
        if running_mean is not None:
            for buf, batch in ((running_mean, mean.reshape(-1)), (running_var, var.reshape(-1) * (n / (n - 1)))):
                buf._data[...] = (1 - momentum) * buf._data + momentum * batch
                buf._vc.value += 1
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm in evaluation mode needs running_mean and running_var")
        shape = [1] * input.ndim
        shape[1] = input.shape[1]
        mean = running_mean._data.astype(np.float64).reshape(shape)
        var = running_var._data.astype(np.float64).reshape(shape)
    invstd = 1.0 / np.sqrt(var + eps)
    return LY.NativeBatchNorm.apply(input, weight, bias, mean, invstd, bool(training))


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β over the last ``len(normalized_shape)`` dimensions."""
    _float_input(input, "layer_norm")
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{input.shape}")
    return LY.NativeLayerNorm.apply(input, weight, bias, k, float(eps))


def embedding(input: Tensor, weight: Tensor, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """out[...] = weight[input[...]]: row lookup; the gradient adds into the rows that were used."""
    _t(input)
    if input._data.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (embedding takes integer indices)")
    n = weight.shape[0]
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"embedding: index {bad} is out of range for an embedding table of {n} rows "
                         f"(valid indices are 0..{n - 1})")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        from ..autograd.grad_mode import no_grad
        with no_grad():
            rows = np.unique(idx)
            norms = np.linalg.norm(weight._data[rows], ord=norm_type, axis=1)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            weight._data[rows] *= scale[:, None].astype(weight._data.dtype)
            weight._vc.value += 1
    return LY.Embedding.apply(weight, idx, padding_idx, bool(scale_grad_by_freq))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer class indices → 0/1 vectors of length ``num_classes`` (int64)."""
    idx = _t(tensor)._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._make((idx[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, ε) along ``dim``."""
    denom = _t(input).norm(p, dim=dim, keepdim=True).clamp_min(eps)
    return input / denom


# ------------------------------------------------------------------------------------- losses
def _size_warning(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      f"This will likely lead to incorrect results due to broadcasting. Please ensure they have "
                      f"the same size.", stacklevel=3)


def _pair(input: Tensor, target: Tensor):
    """Bring input and target to one floating dtype (PyTorch's promotion)."""
    _t(input)
    _t(target, "target")
    if input._data.dtype != target._data.dtype:
        input, target = E.promote(input, target)
    if input._data.dtype.kind != "f":          # integer scores: compute in the default float dtype
        from ..dtypes import get_default_dtype
        input, target = input.to(get_default_dtype()), target.to(get_default_dtype())
    return input, target


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """ℓ = (x − y)², reduced by mean (default), sum or none."""
    reduction = _reduction(reduction, size_average, reduce)
    _size_warning(_t(input), _t(target, "target"))
    input, target = _pair(input, target)
    return LS.MseLoss.apply(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """ℓ = |x − y|, reduced by mean (default), sum or none."""
    reduction = _reduction(reduction, size_average, reduce)
    _size_warning(_t(input), _t(target, "target"))
    input, target = _pair(input, target)
    loss = (input - target).abs()
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """ℓ = ½(x − y)²/β where |x − y| < β, else |x − y| − ½β."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _size_warning(_t(input), _t(target, "target"))
    input, target = _pair(input, target)
    return LS.SmoothL1Loss.apply(input, target, reduction, float(beta))


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """ℓ = ½(x − y)² where |x − y| < δ, else δ(|x − y| − ½δ)."""
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _size_warning(_t(input), _t(target, "target"))
    input, target = _pair(input, target)
    if weight is not None:
        loss = LS.HuberLoss.apply(input, target, "none", float(delta)) * weight
        return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss
    return LS.HuberLoss.apply(input, target, reduction, float(delta))


def _range_check(t: Tensor, what: str, fn: str, hint: str) -> None:
    a = t._data
    # the common case costs two reductions; only a failure looks closer (where NaN passes, as in PyTorch)
    if a.size and np.minimum.reduce(a, axis=None) >= 0 and np.maximum.reduce(a, axis=None) <= 1:
        return
    bad = (a < 0) | (a > 1)
    if bad.any():
        raise RuntimeError(f"{fn}: all elements of {what} should be between 0 and 1, but {int(bad.sum())} of "
                           f"{a.size} are not (min {a.min():.6g}, max {a.max():.6g}){hint}")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """ℓ = −w·(y·ln p + (1 − y)·ln(1 − p)), each log clamped at −100 (so p = 0 or 1 stays finite).

    ``input`` holds probabilities p ∈ [0, 1] (apply sigmoid first, or use
    ``binary_cross_entropy_with_logits`` on raw scores)."""
    reduction = _reduction(reduction, size_average, reduce)
    _t(input)
    _t(target, "target")
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    input, target = _pair(input, target)
    _range_check(input, "input", "binary_cross_entropy",
                 "; BCELoss expects probabilities: apply sigmoid first, or use BCEWithLogitsLoss on raw scores")
    _range_check(target, "target", "binary_cross_entropy", "")
    if weight is not None:
        weight = _t(weight, "weight").to(input.dtype)
        try:
            np.broadcast_shapes(weight.shape, input.shape)
        except ValueError:
            raise RuntimeError(f"binary_cross_entropy: weight of shape {_shape(weight)} does not broadcast to the "
                               f"input shape {_shape(input)}") from None
        if tuple(weight.shape) != tuple(input.shape):
            weight = weight.expand(*input.shape)
    return LS.BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """ℓ = −w·(pw·y·ln σ(x) + (1 − y)·ln(1 − σ(x))) on raw scores x, computed stably
    as w·((1 − y)·x − (1 + (pw − 1)·y)·ln σ(x))."""
    reduction = _reduction(reduction, size_average, reduce)
    _t(input)
    _t(target, "target")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    input, target = _pair(input, target)
    if weight is not None:
        weight = _t(weight, "weight").to(input.dtype)
    if pos_weight is not None:
        pos_weight = _t(pos_weight, "pos_weight").to(input.dtype)
    return LS.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def _class_dim_checks(input: Tensor, target: Tensor, fn: str) -> None:
    x_shape, t_shape = input._data.shape, target._data.shape
    if len(x_shape) >= 2 and t_shape == x_shape[:1] + x_shape[2:]:   # the common, well-formed case
        return
    if input.ndim == 0:
        raise ValueError(f"{fn}: input is a 0-d tensor; expected class scores of shape (C,) or (N, C, ...)")
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"{fn}: for an unbatched input of shape {_shape(input)} the target must be a single "
                             f"class index (0-d), got shape {_shape(target)}")
        return
    if target.ndim == 0 or input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"{fn}: target has shape {_shape(target)} but input {_shape(input)} needs class indices "
                           f"of shape {expected}")


def _check_indices(target: Tensor, n_classes: int, ignore_index: int, fn: str) -> None:
    t = target._data
    # the common case costs two reductions; only a failure (or an ignore_index present) looks closer
    if not t.size or (np.minimum.reduce(t, axis=None) >= 0 and np.maximum.reduce(t, axis=None) < n_classes):
        return
    bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
    if bad.any():
        first = int(t[bad].flat[0])
        raise IndexError(f"{fn}: Target {first} is out of bounds: there are {n_classes} classes, so class indices "
                         f"must be in 0..{n_classes - 1}" + (f" (or ignore_index={ignore_index})"
                                                              if ignore_index >= 0 else ""))


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """ℓᵢ = −w[yᵢ]·input[i, yᵢ] for log-probabilities ``input`` (N, C, ...); 'mean' divides by Σ w[yᵢ]."""
    reduction = _reduction(reduction, size_average, reduce)
    return _nll_loss(input, target, weight, ignore_index, reduction, "nll_loss")


def _nll_loss(input, target, weight, ignore_index, reduction, fn):
    _float_input(input, fn)
    _t(target, "target")
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"{fn}: expected target of integer class indices (int64), got {target.dtype}; "
                           f"use target.long()")
    _class_dim_checks(input, target, fn)
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    _check_indices(target, n_classes, ignore_index, fn)
    w = None
    if weight is not None:
        if tuple(weight.shape) != (n_classes,):
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes "
                               f"but got weight tensor of shape: {list(weight.shape)}")
        w = weight._data
    return LS.NllLoss.apply(input, target._data.astype(np.int64, copy=False), w, reduction, ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """ℓ = −Σ_c y_c·log softmax(x)_c: class indices (N,) or probabilities (N, C) as the target;
    ``label_smoothing`` ε mixes the target with the uniform distribution: (1 − ε)·y + ε/C."""
    reduction = _reduction(reduction, size_average, reduce)
    _float_input(input, "cross_entropy")
    _t(target, "target")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cdim = 0 if input.ndim == 1 else 1
    if input.ndim == 0:
        raise ValueError("cross_entropy: input is a 0-d tensor; expected class scores of shape (C,) or (N, C, ...)")
    n_classes = input.shape[cdim]
    logp = input.log_softmax(cdim)
    wshape = [1] * input.ndim
    wshape[cdim] = n_classes
    if target._data.dtype.kind == "f":      # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"cross_entropy: a target of class probabilities must have the input's shape "
                               f"{_shape(input)}, got {_shape(target)} (for class indices use an integer target)")
        if target._data.dtype != input._data.dtype:
            target = target.to(input.dtype)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target
        if weight is not None:
            prod = prod * weight.to(input.dtype).reshape(wshape)
        loss = -prod.sum(cdim)
        if reduction == "mean":
            return loss.sum() / (input._data.size // n_classes) if input.ndim > 1 else loss
        return loss.sum() if reduction == "sum" else loss
    nll = _nll_loss(logp, target, weight, ignore_index, reduction, "cross_entropy")
    if label_smoothing <= 0:
        return nll
    keep = Tensor._make((target._data != ignore_index))
    if weight is not None:
        smooth = -(logp * weight.to(input.dtype).reshape(wshape)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = smooth * keep.to(input.dtype)
    if reduction == "mean":
        kept = target._data[target._data != ignore_index]
        if weight is not None:
            denom = float(weight._data[kept].sum())
        else:
            denom = float(kept.size)
        ret = smooth.sum() / denom if denom != 0 else smooth.sum() * float("nan")
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / n_classes)
