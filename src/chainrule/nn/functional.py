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


def _float_input(x: Tensor, fn: str, kernel: str = None) -> Tensor:
    """``x`` itself when it is floating point; else PyTorch's error — NotImplementedError naming its CPU
    kernel where PyTorch has none for the dtype (``kernel``), with what to do."""
    _t(x)
    if x._data.dtype.kind != "f":
        hint = f"{fn}: expected a floating point input but got {x.dtype}; convert it with .float()"
        if kernel is not None:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_word(x)}\' ({hint})')
        raise RuntimeError(hint)
    return x


def _reduction(reduction, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:   # PyTorch's deprecated arguments
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _type_word(t: Tensor) -> str:
    """PyTorch's scalar-type word for a dtype in messages (Float, Double, Long …)."""
    from ..dtypes import SCALAR_TYPE_NAMES
    return SCALAR_TYPE_NAMES[t.dtype.name]


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
    return _maybe_inplace(_t(input), lambda: input.relu(), inplace, "relu_")


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x) = min(max(x, 0), 6)"""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope·x"""
    return _maybe_inplace(_float_input(input, "leaky_relu", "leaky_relu_cpu"), lambda: A.LeakyRelu.apply(input, negative_slope),
                          inplace, "leaky_relu_")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else α(eˣ − 1)"""
    return _maybe_inplace(_float_input(input, "elu", "elu_cpu"), lambda: A.Elu.apply(input, alpha), inplace, "elu_")


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (approximate='none') or ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (approximate='tanh')"""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh (got {approximate!r})")
    return A.Gelu.apply(_float_input(input, "gelu", "GeluKernelImpl"), approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x)"""
    return _maybe_inplace(_float_input(input, "silu", "silu_cpu"), lambda: A.Silu.apply(input), inplace, "silu_")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β)·ln(1 + e^{βx}); x itself where βx > threshold"""
    return A.Softplus.apply(_float_input(input, "softplus", "softplus_cpu"), beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """ln σ(x) = −softplus(−x)"""
    return A.LogSigmoid.apply(_float_input(input, "log_sigmoid", "log_sigmoid_cpu"))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val)"""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if _t(input)._data.dtype == np.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    return _maybe_inplace(input, lambda: A.Hardtanh.apply(input, min_val, max_val), inplace, "hardtanh_")


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
    from ..autograd.function import quiet_numpy
    with quiet_numpy():    # the statistics of inf/huge values: nan/inf silently, as PyTorch
        return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps):
    _float_input(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected a 2D or higher input (N, C, ...) but got a {input.ndim}D input")
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        n = int(np.prod((input.shape[0],) + tuple(input.shape[2:])))     # values per channel
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        if n == 0 or not input._data.size:   # an empty batch: an empty result, the running estimates kept
            shape = [1] * input.ndim
            shape[1] = input.shape[1]
            zeros = np.zeros(shape)
            return LY.NativeBatchNorm.apply(input, weight, bias, zeros, zeros + 1.0, False)
        x64 = input._data.astype(np.float64)
        mean = x64.mean(axis=axes, keepdims=True)
        var_sum = ((x64 - mean) ** 2).sum(axis=axes, keepdims=True)
        if input._data.dtype == np.float32:   # PyTorch sums the squares in float32: beyond 3.4e38 they are inf
            var_sum = np.where(var_sum > np.finfo(np.float32).max, np.inf, var_sum)
        var = var_sum / n
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
    _float_input(input, "layer_norm", "LayerNormKernelImpl")
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
        if not idx.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
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
    if input._data.dtype.kind == "f" and target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)       # PyTorch's huber_loss keeps the input's dtype
    input, target = _pair(input, target)
    if weight is not None:
        loss = LS.HuberLoss.apply(input, target, "none", float(delta)) * weight
        return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss
    return LS.HuberLoss.apply(input, target, reduction, float(delta))


def _range_check(t: Tensor, what: str, fn: str, hint: str) -> None:
    a = t._data
    # the common case costs two reductions; only a failure looks closer (NaN fails too, as in PyTorch)
    if a.size and np.minimum.reduce(a, axis=None) >= 0 and np.maximum.reduce(a, axis=None) <= 1:
        return
    bad = ~((a >= 0) & (a <= 1))
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
    if input._data.dtype != target._data.dtype and input._data.dtype.kind == "f":
        raise RuntimeError(f"Found dtype {_type_word(target)} but expected {_type_word(input)} (binary_cross_entropy: "
                           f"the target must have the input's dtype; convert it with target.to({input.dtype}))")
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
    if not (input._data.dtype.kind == target._data.dtype.kind == "f"):
        input, target = _pair(input, target)
    # (float32 scores with a float64 target, or the reverse: the kernel mixes them as PyTorch does, and the
    # result takes the target's dtype)
    if weight is not None:
        weight = _t(weight, "weight").to(target.dtype)
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
    _float_input(input, fn, "nll_loss_out_frame" if fn == "nll_loss" else "log_softmax_lastdim_kernel_impl")
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
    _float_input(input, "cross_entropy", "log_softmax_lastdim_kernel_impl")
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
    smooth = smooth.masked_fill(~keep, 0.0)     # (select: an ignored row of −inf logits is NaN, not 0·NaN)
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


# ------------------------------------------------------------------------ attention (rnn-attn's block)
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _attention_fully_masked_rows(bias, shape):
    """Rows of the score matrix whose every entry is masked (−∞), broadcast to ``shape`` (…, L, 1), or None."""
    b = bias._data if isinstance(bias, Tensor) else bias
    if not np.isneginf(b).any():
        return None
    dead = np.isneginf(np.broadcast_to(b, shape)).all(axis=-1, keepdims=True)
    return Tensor._make(dead) if dead.any() else None


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
                                 scale=None, enable_gqa: bool = False) -> Tensor:
    r"""Attention: softmax(q·kᵀ·s + M)·v, s = ``scale`` or 1/√E, row by row over the keys.

    Shapes: query (…, L, E), key (…, S, E), value (…, S, Eᵥ) → (…, L, Eᵥ); the leading dims broadcast.
    ``attn_mask``: bool (…, L, S), True = may attend (False → −∞ before the softmax), or float, added
    to the scores.  ``is_causal``: query i sees keys 0…i only (a lower-triangular mask; not together
    with ``attn_mask``).  ``dropout_p``: dropout on the attention weights (always applied, as PyTorch's
    functional form does — pass 0.0 in evaluation).  ``enable_gqa``: key/value with fewer heads (dim −3)
    than the query are repeated to match (grouped-query attention).  A query whose keys are all masked
    gets weights 0 (output 0), as PyTorch 2.5+ does.

        scores = q·kᵀ·s + M,   w = softmax(scores, dim=−1),   out = w·v
        ∂L/∂v = wᵀ·g,   ∂L/∂w = g·vᵀ,   ∂L/∂scores = w ⊙ (∂L/∂w − Σⱼ ∂L/∂w ⊙ w),   ∂L/∂q = s·∂L/∂scores·k
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        _t(t, name)
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    if not (query._data.dtype == key._data.dtype == value._data.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    _float_input(query, "scaled_dot_product_attention")
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(f"scaled_dot_product_attention: query has {query.shape[-1]} features per position "
                           f"(last dim of {_shape(query)}) but key has {key.shape[-1]} ({_shape(key)}); q·kᵀ needs "
                           f"them equal")
    if value.shape[-2] != key.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: key has {key.shape[-2]} positions (dim -2 of "
                           f"{_shape(key)}) but value has {value.shape[-2]} ({_shape(value)}); each key needs "
                           f"one value")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hk == 0 or hq % hk or value.shape[-3] != hk:
            raise RuntimeError(f"scaled_dot_product_attention with enable_gqa=True: the query's {hq} heads must be "
                               f"a multiple of the key's and value's heads (got key {hk}, value {value.shape[-3]})")
        key, value = (_repeat_heads(t, hq // hk) for t in (key, value))
    L, S = query.shape[-2], key.shape[-2]
    s = 1.0 / np.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = query.matmul(key.transpose(-2, -1)) * s
    bias = None
    if is_causal:
        bias = np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf)
        scores = scores.masked_fill(Tensor._make(~np.tri(L, S, dtype=bool)), float("-inf"))
    elif attn_mask is not None:
        _t(attn_mask, "attn_mask")
        m = attn_mask._data
        if m.dtype != np.bool_ and m.dtype != query._data.dtype and m.dtype.kind != "f":
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {attn_mask.dtype} and  query.dtype: {query.dtype} instead.")
        try:
            np.broadcast_shapes(m.shape, scores.shape)
        except ValueError:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {_shape(attn_mask)} does not "
                               f"broadcast to the scores' shape {_shape(scores)} (…, L={L}, S={S})") from None
        if m.dtype == np.bool_:
            bias = np.where(m, 0.0, -np.inf)
            scores = scores.masked_fill(Tensor._make(~m), float("-inf"))
        else:
            bias = m
            scores = scores + attn_mask.to(scores.dtype)
    dead = None if bias is None else _attention_fully_masked_rows(bias, scores._data.shape)
    if dead is not None:     # a row of −∞ only: softmax would give NaN; PyTorch returns weights 0
        scores = scores.masked_fill(dead, 0.0)
    weights = scores.softmax(-1)
    if dead is not None:
        weights = weights.masked_fill(dead, 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights.matmul(value)


def _repeat_heads(t: Tensor, n: int) -> Tensor:
    """(…, H, S, E) → (…, H·n, S, E), each head repeated n times in a row (repeat_interleave on dim −3)."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], n, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * n, *shape[-2:])


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """PyTorch's input checks for multi-head attention; True when the input is batched (3-D)."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                         f"tensor")


def _canonical_mask(mask, mask_name: str, other_type, other_name: str, target_type, check_other: bool = True):
    """A bool mask becomes the float mask PyTorch adds to the scores: 0 where allowed, −∞ where True."""
    if mask is None:
        return None
    _t(mask, mask_name)
    kind = mask._data.dtype
    if kind != np.bool_ and kind.kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and kind != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", stacklevel=3)
    if kind == np.bool_:
        return Tensor._make(np.where(mask._data, -np.inf, 0.0).astype(target_type))
    return mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight, out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None, use_separate_proj_weight: bool = False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True, is_causal: bool = False):
    r"""Multi-head attention on (L, N, E) query and (S, N, E_k), (S, N, E_v) key/value (sequence first).

        q = query·W_qᵀ + b_q,  k = key·W_kᵀ + b_k,  v = value·W_vᵀ + b_v      (W_q, W_k, W_v: in_proj_weight's thirds)
        head h:  wₕ = softmax(qₕ·kₕᵀ/√d + M),  oₕ = wₕ·vₕ                       (d = E / num_heads)
        out = [o₁ … o_H]·W_oᵀ + b_o

    Returns (out (L, N, E), weights (N, L, S) averaged over heads — (N, H, L, S) with
    ``average_attn_weights=False`` — or None when ``need_weights=False``).  Unbatched (L, E) inputs work
    too.  M: ``attn_mask`` (L, S) or (N·H, L, S), plus −∞ at the keys ``key_padding_mask`` (N, S) marks."""
    from ..functions import cat
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    dt = query._data.dtype
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       None if attn_mask is None else attn_mask._data.dtype, "attn_mask", dt)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dt, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            size = type(key.shape)
            raise AssertionError(f"key's sequence and batch dims {size(key.shape[:2])} do not match value's "
                                 f"{size(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if not use_separate_proj_weight:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):     # 3-D (_mha_shape_check)
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                               f"{(bsz * num_heads, tgt_len, src_len)}.")

    def pad_column(m):      # one more key: its mask column is 0 (allowed)
        return None if m is None else cat([m, Tensor._make(np.zeros(tuple(m.shape[:-1]) + (1,), m._data.dtype))], -1)

    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key." if static_k is not None
                                 else "bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = pad_column(attn_mask), pad_column(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k is set but bias_v is None" if bias_k is not None
                             else "bias_v is set but bias_k is None")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v)
    if add_zero_attn:
        zeros = Tensor._make(np.zeros((bsz * num_heads, 1, head_dim), dtype=dt))
        k, v = cat([k, zeros], 1), cat([v, zeros], 1)
        attn_mask, key_padding_mask = pad_column(attn_mask), pad_column(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len) \
            .reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:        # (is_causal without a mask was refused above)
        scores = (q * float(np.sqrt(1.0 / head_dim))).matmul(k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = scores.softmax(-1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = weights.matmul(v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not is_batched:
        out = out.squeeze(1)
    return out, None
# ===================================================================== convolution, pooling, padding
# (engineer `conv`: one block, appended; the kernels and their VJPs are in ops/conv.py, ops/pooling.py
# and ops/normalization.py)
from ..ops import conv as _CV, pooling as _PL, normalization as _NM  # noqa: E402

__all__ += [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "pad", "unfold", "fold",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "group_norm", "dropout1d", "dropout2d",
]

_TORCH_DTYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _size(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _conv_param(value, d: int, name: str) -> tuple:
    """An int, or a list of 1 or ``d`` ints, as a d-tuple (PyTorch's expand_param_if_needed)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * d
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * d
    if len(value) != d:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {d} values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


def _conv_dtypes(input: Tensor, weight: Tensor, bias, fn: str) -> None:
    xd, wd = input._data.dtype, weight._data.dtype
    if xd != wd:
        raise RuntimeError(f"expected scalar type {_TORCH_DTYPE.get(xd.name, xd.name)} but found "
                           f"{_TORCH_DTYPE.get(wd.name, wd.name)} ({fn}: input is {input.dtype}, weight is "
                           f"{weight.dtype}; convert one, e.g. x.to({weight.dtype}))")
    if xd.kind != "f":
        raise RuntimeError(f"\"{fn}\" not implemented for '{_TORCH_DTYPE.get(xd.name, xd.name)}': convolution needs "
                           f"floating point input and weight; convert them with .float()")
    if bias is not None and bias._data.dtype != xd:
        raise RuntimeError(f"Input type ({xd.name.replace('float32', 'float').replace('float64', 'double')}) and "
                           f"bias type ({bias._data.dtype.name.replace('float32', 'float').replace('float64', 'double')})"
                           f" should be the same")


def _batched(input: Tensor, d: int, fn: str):
    """(input with a batch dim, whether one was added): (C, *spatial) is an unbatched sample."""
    _t(input)
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {fn}, but got input of "
                           f"size: {_size(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == d + 1 else (input, False)


def _conv_nd(input, weight, bias, stride, padding, dilation, groups, d: int, fn: str) -> Tensor:
    x, unbatched = _batched(input, d, fn)
    _t(weight, "weight")
    if weight.ndim != d + 2:
        raise RuntimeError(f"{fn}: weight must be {d + 2}-dimensional (out_channels, in_channels/groups, "
                           f"{'kernel size' if d == 1 else ', '.join(['k'] * d)}), but got weight of size "
                           f"{_size(weight.shape)}")
    stride = _conv_param(stride, d, "stride")
    dilation = _conv_param(dilation, d, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)} (non-positive dilation is "
                           f"not supported)")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * d
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            totals = [dl * (k - 1) for dl, k in zip(dilation, kernel)]
            if any(t % 2 for t in totals):
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a "
                              "zero-padded copy of the input be created", stacklevel=3)
            pads = tuple((t // 2, t - t // 2) for t in totals)
        else:
            raise RuntimeError(f"Invalid padding string: {padding!r} (use 'same', 'valid' or numbers)")
    else:
        padding = _conv_param(padding, d, "padding")
        if any(p < 0 for p in padding):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((p, p) for p in padding)
    _conv_dtypes(x, weight, bias, fn)
    out_ch = weight.shape[0]
    if out_ch % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_size(weight.shape)}] instead")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_size(weight.shape)}, expected input"
                           f"{_size(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           f"channels instead")
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"Given weight of size {_size(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_ch} elements, but got bias of size {_size(bias.shape)} instead")
    padded = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads)]
    reach = [dl * (k - 1) + 1 for dl, k in zip(dilation, kernel)]
    if any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, reach))}). Kernel size can't be greater than actual input size")
    y = _CV.Convolution.apply(x, weight, bias, stride, pads, dilation, int(groups))
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """y[n, o, i] = b[o] + Σ_{c, p} W[o, c, p] · x[n, g·C/G + c, i·s + p·d − pad] (zeros outside x).

    x (N, C_in, L) or (C_in, L); W (C_out, C_in/groups, k); b (C_out,) → y (N, C_out, L_out),
    L_out = ⌊(L + 2·pad − d·(k − 1) − 1)/s⌋ + 1.  ``padding`` may be 'valid' (0) or 'same' (L_out = L)."""
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """y[n, o, i, j] = b[o] + Σ_{c, p, q} W[o, c, p, q] · x[n, g·C/G + c, i·s₁ + p·d₁ − pad₁, j·s₂ + q·d₂ − pad₂].

    The cross-correlation deep learning calls convolution: each output is a kernel-weighted sum of the
    window under it.  x (N, C_in, H, W) or (C_in, H, W); W (C_out, C_in/groups, kH, kW); b (C_out,)
    → y (N, C_out, H_out, W_out), H_out = ⌊(H + 2·pad − d·(kH − 1) − 1)/s⌋ + 1.  ``groups`` splits the
    channels into independent convolutions; ``padding`` may be 'valid' or 'same'.

    Example::

        >>> F.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2)).shape
        chainrule.Size([1, 1, 3, 3])
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """conv2d with three spatial dims: x (N, C_in, D, H, W), W (C_out, C_in/groups, kD, kH, kW)."""
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, d, fn) -> Tensor:
    x, unbatched = _batched(input, d, fn)
    _t(weight, "weight")
    if weight.ndim != d + 2:
        raise RuntimeError(f"{fn}: weight must be {d + 2}-dimensional (in_channels, out_channels/groups, kernel…), "
                           f"but got weight of size {_size(weight.shape)}")
    stride = _conv_param(stride, d, "stride")
    dilation = _conv_param(dilation, d, "dilation")
    padding = _conv_param(padding, d, "padding")
    output_padding = _conv_param(output_padding, d, "output_padding")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(op >= s and op >= dl for op, s, dl in zip(output_padding, stride, dilation)):
        names = ["depth", "height", "width"][-d:] if d > 1 else [""]
        def parts(what, vals):
            return " ".join(f"{what}{'_' + n if n else ''}: {v}" for n, v in zip(names, vals))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"{parts('output_padding', output_padding)} {parts('stride', stride)} "
                           f"{parts('dilation', dilation)}")
    _conv_dtypes(x, weight, bias, fn)
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {_size(weight.shape)}, expected input"
                           f"{_size(x.shape)} to have {weight.shape[0]} channels, but got {x.shape[1]} channels "
                           f"instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_size(weight.shape)}] instead")
    out_ch = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"Given transposed=1, weight of size {_size(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_ch} elements, but got bias of size {_size(bias.shape)} instead")
    kernel = weight.shape[2:]
    out = [(n - 1) * s - 2 * p + dl * (k - 1) + op + 1
           for n, s, p, dl, k, op in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)]
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, out))}). Output size is too small")
    y = _CV.ConvolutionTranspose.apply(x, weight, bias, stride, padding, dilation, output_padding, int(groups))
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """The adjoint of conv1d (a "deconvolution"): x (N, C_in, L), W (C_in, C_out/groups, k) →
    y (N, C_out, (L − 1)·s − 2·pad + d·(k − 1) + output_padding + 1)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                              "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """The adjoint of conv2d: every input cell adds W-weighted copies of itself to a kernel-sized patch,
    full[n, o, i·s + p·d, j·s + q·d] += Σ_c x[n, c, i, j]·W[c, o, p, q], then ``padding`` is cut from
    each side.  x (N, C_in, H, W); W (C_in, C_out/groups, kH, kW); b (C_out,) → y (N, C_out, H_out, W_out),
    H_out = (H − 1)·s − 2·pad + d·(kH − 1) + output_padding + 1 (what conv2d's ∂L/∂x computes)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                              "conv_transpose2d")


_PAD_SUPPORT = ("Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, …)`` starts at the LAST dim.

    mode 'constant' fills with ``value`` (0 by default; a negative width crops); 'reflect' mirrors about
    the edge cell (…, x₂, x₁ | x₀, x₁, x₂ …), 'replicate' repeats it, 'circular' wraps around.
    ∂L/∂x: each output cell's gradient goes back to the cell it copies (added up for repeated copies)."""
    _t(input)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    d = len(pad) // 2
    if d > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    pads = tuple((pad[2 * i], pad[2 * i + 1]) for i in reversed(range(d)))   # first padded dim first
    shape = tuple(input.shape)
    if mode == "constant":
        for i, (lo, hi) in enumerate(pads):
            if shape[input.ndim - d + i] + lo + hi < 0:
                raise RuntimeError(f"narrow(): length must be non-negative. (pad: dimension "
                                   f"{input.ndim - d + i} of size {shape[input.ndim - d + i]} cannot lose "
                                   f"{-(lo + hi)} cells)")
        return _CV.ConstantPadNd.apply(input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if d not in (1, 2, 3) or input.ndim not in (d + 1, d + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
                                  + _PAD_SUPPORT)
    for i, (lo, hi) in enumerate(pads):
        dim = input.ndim - d + i
        n = shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {dim} of input {_size(shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(f"Padding value causes wrapping around more than once. (pad ({lo}, {hi}) for "
                               f"dimension {dim} of size {n})")
        if n == 0 or n + lo + hi < 0:
            raise RuntimeError(f"Expected {d + 1}D or {d + 2}D (batch mode) tensor with possibly 0 batch size and "
                               f"other non-zero dimensions for input, but got: {_size(shape)}")
    return _CV.IndexPad.apply(input, pads, mode)


def _pair_arg(value, d: int, name: str, fn: str) -> tuple:
    """An int or a d-tuple (unfold/fold/pooling arguments)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * d
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * d
    if len(value) != d:
        raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of {d} ints")
    return value


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: every sliding block as a column. x (N, C, H, W) → (N, C·kH·kW, L), L = the number of blocks;
    out[n, (c, p, q), l] = x[n, c, i·s + p·d − pad, j·s + q·d − pad] for block l = (i, j).
    ``conv2d(x, W) == (W.view(O, -1) @ unfold(x, k)).view(N, O, H_out, W_out)``."""
    _t(input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    k, dl, p, s = (_pair_arg(v, 2, n, "unfold") for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                                (padding, "padding"), (stride, "stride")))
    blocks = [(m + 2 * pp - d_ * (kk - 1) - 1) // ss + 1 for m, kk, d_, pp, ss in zip(x.shape[2:], k, dl, p, s)]
    if any(v <= 0 for v in k + dl + s) or any(v < 0 for v in p) or any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={k}, dilation={dl}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {tuple(blocks)}, but "
                           f"its components must be at least one.")
    y = _CV.Im2Col.apply(x, k, s, tuple((q, q) for q in p), dl)
    return y.squeeze(0) if input.ndim == 3 else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im, unfold's adjoint: columns (N, C·kH·kW, L) summed into an image (N, C, *output_size) — each
    column entry added to the cell unfold would have read it from (overlaps add up)."""
    _t(input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {_size(input.shape)}")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    o, k, dl, p, s = (_pair_arg(v, 2, n, "fold") for v, n in ((output_size, "output_size"), (kernel_size, "kernel_size"),
                                                                 (dilation, "dilation"), (padding, "padding"),
                                                                 (stride, "stride")))
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size={k}.")
    blocks = [(m + 2 * pp - d_ * (kq - 1) - 1) // ss + 1 for m, kq, d_, pp, ss in zip(o, k, dl, p, s)]
    if any(b < 1 for b in blocks) or blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size={o}, kernel_size={k}, dilation={dl}, padding={p}, stride={s}, expected "
                           f"size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}.")
    y = _CV.Col2Im.apply(x, o, k, s, tuple((q, q) for q in p), dl, tuple(blocks))
    return y.squeeze(0) if input.ndim == 2 else y


def _pool_input(input, d: int, fn: str, allow_empty_batch=True) -> None:
    _t(input)
    shape = tuple(input.shape)
    if input.ndim not in (d + 1, d + 2) or 0 in shape[-(d + 1):]:
        what = "2D or 3D" if d == 1 else "3D or 4D"
        raise RuntimeError(f"{fn}: Expected {what} (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{_size(shape)}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"\"{fn}\" not implemented for '{_TORCH_DTYPE.get(input._data.dtype.name, input.dtype)}': "
                           f"pooling needs a floating point input; convert it with .float()")


def _pool_sizes(kernel_size, stride, padding, dilation, d: int, fn: str):
    k = _pair_arg(kernel_size, d, "kernel_size", fn)
    s = k if stride is None or (not isinstance(stride, int) and len(tuple(stride)) == 0) else \
        _pair_arg(stride, d, "stride", fn)
    p = _pair_arg(padding, d, "padding", fn)
    dl = _pair_arg(dilation, d, "dilation", fn)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got "
                           f"{' '.join(f'k{a}: {v}' for a, v in zip('HW' if d == 2 else 'W', k))}")
    if any(v <= 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in dl):
        raise RuntimeError(f"dilation should be greater than zero, but got "
                           f"{' '.join(f'dilation{a}: {v}' for a, v in zip('HW' if d == 2 else 'W', dl))}")
    for pp, kk, dd in zip(p, k, dl):
        if pp < 0 or pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    return k, s, p, dl


def _pool_out_check(input, k, s, p, dl, ceil_mode, d) -> None:
    spatial = tuple(input.shape[-d:])
    out = [_PL.pool_out_size(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(spatial, k, s, p, dl)]
    if any(o <= 0 for o in out):
        c = input.shape[-d - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated output size: "
                           f"({'x'.join(map(str, [c] + out))}). Output size is too small")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """y[n, c, i, j] = max_{p, q} x[n, c, i·s − pad + p·d, j·s − pad + q·d] (padding never wins).

    x (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out), H_out = ⌊(H + 2·pad − d·(k − 1) − 1)/s⌋ + 1
    (⌈…⌉ with ``ceil_mode``); ``stride`` defaults to ``kernel_size``.  The gradient flows only to each
    window's maximum (the first one of ties).  ``return_indices=True`` also returns where each maximum
    is: its flat position h·W + w in the input plane (int64), as PyTorch's."""
    _pool_input(input, 2, "max_pool2d")
    k, s, p, dl = _pool_sizes(kernel_size, stride, padding, dilation, 2, "max_pool2d")
    _pool_out_check(input, k, s, p, dl, ceil_mode, 2)
    sink = [] if return_indices else None
    y = _PL.MaxPool2DWithIndices.apply(input, k, s, p, dl, bool(ceil_mode), sink)
    return (y, Tensor._make(sink[0])) if return_indices else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """y[n, c, i] = max_p x[n, c, i·s − pad + p·d]: x (N, C, L) or (C, L) → (N, C, L_out); as max_pool2d
    on (N, C, 1, L), which is how PyTorch computes it (a SqueezeBackward1 node over the 2-d one)."""
    _pool_input(input, 1, "max_pool1d")
    k, s, p, dl = _pool_sizes(kernel_size, stride, padding, dilation, 1, "max_pool1d")
    _pool_out_check(input, k, s, p, dl, ceil_mode, 1)
    sink = [] if return_indices else None
    y = _PL.MaxPool2DWithIndices.apply(input.unsqueeze(-2), (1,) + k, (1,) + s, (0,) + p, (1,) + dl,
                                       bool(ceil_mode), sink).squeeze(-2)
    return (y, Tensor._make(sink[0][..., 0, :])) if return_indices else y


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override=None) -> Tensor:
    """y[n, c, i, j] = Σ of the window x[n, c, i·s − pad : … + kH, j·s − pad : … + kW] / D, D = the window's
    size (padding counted when ``count_include_pad``, not past the padded edge) or ``divisor_override``.
    The gradient: each g/D shared by every cell of its window."""
    _pool_input(input, 2, "avg_pool2d")
    k, s, p, dl = _pool_sizes(kernel_size, stride, padding, 1, 2, "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _pool_out_check(input, k, s, p, dl, ceil_mode, 2)
    return _PL.AvgPool2D.apply(input, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """y[n, c, i] = mean of the window x[n, c, i·s − pad : i·s − pad + k]: avg_pool2d on (N, C, 1, L)."""
    _pool_input(input, 1, "avg_pool1d")
    k, s, p, _ = _pool_sizes(kernel_size, stride, padding, 1, 1, "avg_pool1d")
    _pool_out_check(input, k, s, p, (1,), ceil_mode, 1)
    return _PL.AvgPool2D.apply(input.unsqueeze(-2), (1,) + k, (1,) + s, (0,) + p, bool(ceil_mode),
                               bool(count_include_pad), None).squeeze(-2)


def _adaptive_size(input, output_size, d: int, fn: str) -> tuple:
    _t(input)
    shape = tuple(input.shape)
    if input.ndim not in (d + 1, d + 2):
        if d == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                               f"'self' (while checking arguments for {fn})")
        raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got {_size(shape)}")
    for i in range(input.ndim - d - 1, input.ndim):
        if shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {_size(shape)} with dimension {i} being empty")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * d
    output_size = tuple(output_size)
    if len(output_size) != d:
        raise RuntimeError(f"{fn}: output_size must be {d}")
    out = tuple(shape[-d + i] if o is None else int(o) for i, o in enumerate(output_size))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but received {out}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"\"{fn}\" not implemented for '{_TORCH_DTYPE.get(input._data.dtype.name, input.dtype)}': "
                           f"pooling needs a floating point input; convert it with .float()")
    return out


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average over windows that tile the input into ``output_size`` cells: window i along H covers
    rows ⌊i·H/H_out⌋ … ⌈(i + 1)·H/H_out⌉ − 1 (PyTorch's formula; ``None`` keeps a size).  (1, 1) is the
    global average x.mean((-2, -1), keepdim=True), as in PyTorch."""
    out = _adaptive_size(input, output_size, 2, "adaptive_avg_pool2d")
    if out == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    return _PL.AdaptiveAvgPool2D.apply(input, out)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Maximum over adaptive_avg_pool2d's windows; ``return_indices`` as max_pool2d's."""
    out = _adaptive_size(input, output_size, 2, "adaptive_max_pool2d")
    sink = [] if return_indices else None
    y = _PL.AdaptiveMaxPool2D.apply(input, out, sink)
    return (y, Tensor._make(sink[0])) if return_indices else y


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """adaptive_avg_pool2d on (N, C, 1, L): windows ⌊i·L/L_out⌋ … ⌈(i + 1)·L/L_out⌉ − 1."""
    out = _adaptive_size(input, output_size, 1, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1,) + out).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """adaptive_max_pool2d on (N, C, 1, L)."""
    out = _adaptive_size(input, output_size, 1, "adaptive_max_pool1d")
    sink = [] if return_indices else None
    y = _PL.AdaptiveMaxPool2D.apply(input.unsqueeze(-2), (1,) + out, sink).squeeze(-2)
    return (y, Tensor._make(sink[0][..., 0, :])) if return_indices else y


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β, statistics per sample over each group of C/G channels (and
    all positions); γ, β per channel.  G = 1 is layer norm over (C, *), G = C instance norm."""
    _float_input(input, "group_norm")
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    c = input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {_size(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {_size(t.shape)} and input of shape {_size(input.shape)}")
    return _NM.NativeGroupNorm.apply(input, weight, bias, int(num_groups), float(eps))


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, batched: bool) -> Tensor:
    """Zero whole channels: one Bernoulli(1 − p) draw per (sample, channel), kept ones scaled by 1/(1 − p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    mask = Tensor._make(_dropout_noise(np.empty(shape, dtype=input._data.dtype), p))   # one draw per channel
    return input.mul_(mask) if inplace else input * mask


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout on (N, C, H, W) or (C, H, W): each channel of each sample is zeroed with
    probability p (all its cells together), the others scaled by 1/(1 − p)."""
    _t(input)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result "
                      f"in an error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      f"spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      f"inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, batched=input.ndim >= 2)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout on (N, C, L) or (C, L)."""
    _t(input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           f"dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           f"channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, batched=input.ndim == 3)
