"""``nn.init``: fill a tensor in place with initial values (under ``no_grad``, as PyTorch does).

The distributions, the order of the draws and the stream are PyTorch's: after ``chainrule.manual_seed(s)``
every initialiser gives the numbers ``torch.nn.init`` gives after ``torch.manual_seed(s)``.

    fan_in  = size(1) · receptive field,  fan_out = size(0) · receptive field
    xavier_uniform_:  U(−a, a),  a = gain·√(6 / (fan_in + fan_out))
    xavier_normal_:   N(0, std²), std = gain·√(2 / (fan_in + fan_out))
    kaiming_uniform_: U(−b, b),  b = gain·√(3 / fan),  gain = calculate_gain(nonlinearity, a)
    kaiming_normal_:  N(0, std²), std = gain / √fan
    trunc_normal_:    N(mean, std²) on [a, b] by rejection (PyTorch 2.13's two samplers)
    orthogonal_:      Q of the QR of an N(0, 1) matrix, columns signed by diag(R), times gain
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from ..random import distributions as D, resolve
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_", "sparse_"]


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity: 1 (linear, sigmoid), 5/3 (tanh), √2 (relu),
    √(2 / (1 + slope²)) (leaky_relu), 3/4 (selu)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Write ``values`` into ``tensor`` in place (same memory, version bumped), outside autograd."""
    with no_grad():
        if not tensor._data.flags.writeable:
            tensor._data = tensor._data.copy()
        np.copyto(tensor._data, np.asarray(values), casting="unsafe")
        tensor._vc.value += 1
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b) (``Tensor.uniform_``: 24 random bits per float32)."""
    g, dt = resolve(generator), tensor._data.dtype
    return _fill(tensor, D.fill_like(tensor._data, lambda shape: D.uniform(g, shape, dt, float(a), float(b))))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std²) (``Tensor.normal_``)."""
    g, dt, contiguous = resolve(generator), tensor._data.dtype, tensor._data.flags.c_contiguous
    return _fill(tensor, D.fill_like(tensor._data, lambda shape: D.normal(g, shape, dt, mean, std, contiguous)))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill with N(mean, std²) restricted to [a, b], by PyTorch's rejection samplers: when [a, b] holds more
    than 30 % of the mass, redraw a whole normal tensor and keep it where values fell outside; otherwise
    propose U(a, b) and accept where log U(0, 1) ≤ −½((x − mean)/std)² − log_peak."""
    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    g, dt = resolve(generator), tensor._data.dtype

    def normal(like):      # a whole tensor of N(mean, std²), in the order PyTorch visits ``like``
        c = like.flags.c_contiguous
        return D.fill_like(like, lambda shape: D.normal(g, shape, dt, mean, std, c))

    def uniform(lo=0.0, hi=1.0):
        return D.fill_like(tensor._data, lambda shape: D.uniform(g, shape, dt, lo, hi))

    p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
    if p > 0.3:
        lo, hi = float(dt.type(a)), float(dt.type(b))
        result = normal(tensor._data)
        while True:
            mask = (result < lo) | (result > hi)
            if not mask.any():
                break
            result = np.where(mask, normal(D.empty_like(tensor._data)), result)    # torch.empty_like(…).normal_
        return _fill(tensor, result)
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2
    one = dt.type

    def log_pdf(x):
        return ((((x - one(mean)) / one(std)) ** 2) * one(-0.5) - one(log_peak)).astype(dt)

    def accept_draw(cand):
        with np.errstate(divide="ignore"):
            return np.log(uniform()) > cand

    result = uniform(float(a), float(b))
    pending = accept_draw(log_pdf(result))
    while pending.any():
        cand = uniform(float(a), float(b))
        result = np.where(pending, cand, result)
        pending = np.where(pending, accept_draw(log_pdf(cand)), pending)
    return _fill(tensor, result)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``."""
    return _fill(tensor, np.full(tensor._data.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor._data.shape))


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix: Q of the QR of an N(0, 1) (rows, cols) matrix (transposed when
    rows < cols), each column times sign(R_jj), then ``gain``·Q."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor._data.size == 0:
        return tensor
    dt = tensor._data.dtype
    rows = tensor._data.shape[0]
    cols = tensor._data.size // rows
    flat = D.normal(resolve(generator), (rows, cols), dt)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = (q * np.sign(np.diag(r))).astype(dt)
    if rows < cols:
        q = q.T
    return _fill(tensor, (q.reshape(tensor._data.shape) * dt.type(gain)).astype(dt))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fill a 2-D tensor with N(0, std²), then zero ⌈sparsity·rows⌉ random rows of each column (those
    permutations come from the global generator, as in PyTorch)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor._data.shape
    num_zeros = math.ceil(sparsity * rows)
    values = D.normal(resolve(generator), (rows, cols), tensor._data.dtype, 0.0, std)
    for col in range(cols):
        values[D.randperm(resolve(None), rows)[:num_zeros], col] = 0
    return _fill(tensor, values)


def _calculate_fan_in_and_fan_out(tensor: Tensor):
    """(fan_in, fan_out) = (size(1)·r, size(0)·r), r = product of the sizes after the first two."""
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    num_input_fmaps = tensor.size(1)
    num_output_fmaps = tensor.size(0)
    receptive_field_size = 1
    if dimensions > 2:
        for s in tensor.shape[2:]:
            receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot: U(−a, a), a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot: N(0, std²), std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """He: U(−b, b), b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a).

    ``nn.Linear`` uses ``a=√5``, which gives b = 1/√fan_in."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std          # PyTorch's order of operations: the same float bound
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """He: N(0, std²), std = gain / √fan."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


# PyTorch's deprecated non-underscore aliases are not provided: they only warn.
