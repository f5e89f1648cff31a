"""No NumPy RuntimeWarning where PyTorch is silent (issue 11, finding F36).

PyTorch computes overflow, 0/0 and the like silently (inf, nan); chainrule's ops run on NumPy, which
prints "RuntimeWarning: overflow encountered in exp" unless told not to.  Every built-in op's forward
and backward, and every backward pass as a whole, run with NumPy's floating-point errors ignored.  The
programs here hit edge values (±0, ±inf, nan, huge, tiny) through the op surface, forward and backward,
with every warning turned into an error.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule

EDGES = [0.0, -0.0, 1.0, -1.0, 2.0, -2.5, np.inf, -np.inf, np.nan, 1e308, -1e308, 3e38, 1e-320, 5e-324, 1e30]


def _values(dtype, repeat=1, tile=1):
    """The edge values in ``dtype`` (1e308 is inf in float32), as a list: each library converts it."""
    return np.tile(np.repeat(np.array(EDGES, dtype=np.float64), repeat), tile).tolist()

UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin",
         "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "erf", "reciprocal",
         "abs", "sign", "square", "relu", "floor", "ceil", "round", "trunc", "neg"]
FUNCTIONAL = {
    "gelu": lambda F, x: F.gelu(x), "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x), "softplus": lambda F, x: F.softplus(x), "elu": lambda F, x: F.elu(x),
    "logsigmoid": lambda F, x: F.logsigmoid(x), "hardtanh": lambda F, x: F.hardtanh(x),
    "softmax": lambda F, x: F.softmax(x, dim=-1), "log_softmax": lambda F, x: F.log_softmax(x, dim=-1),
    "layer_norm": lambda F, x: F.layer_norm(x, x.shape[-1:]), "normalize": lambda F, x: F.normalize(x, dim=-1),
    "mse": lambda F, x: F.mse_loss(x, x.detach() * 0.5), "huber": lambda F, x: F.huber_loss(x, x.detach() * 0),
    "bce_logits": lambda F, x: F.binary_cross_entropy_with_logits(x, x.detach() * 0 + 0.5),
}
REDUCTIONS = {
    "sum": lambda x: x.sum(), "mean": lambda x: x.mean(), "std": lambda x: x.std(), "var": lambda x: x.var(),
    "norm": lambda x: x.norm(), "prod": lambda x: x.prod(), "logsumexp": lambda x: x.logsumexp(-1),
    "amax": lambda x: x.amax(-1), "cumsum": lambda x: x.cumsum(-1),
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b, "rpow": lambda a, b: 2.0 ** b, "remainder": lambda a, b: a % b,
    "floordiv": lambda a, b: a // b, "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: a.minimum(b), "where": lambda a, b: a.where(b > 0, b), "matmul": lambda a, b: a[None] @ b[:, None], "lerp": lambda a, b: a.lerp(b, 0.3),
}


def _edges(lib, dtype):
    return lib.tensor(_values(dtype), dtype=getattr(lib, np.dtype(dtype).name), requires_grad=True)


def _silently(fn):
    """Run ``fn``, failing on any warning it gives; return whether it raised (an op PyTorch refuses too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", "std\\(\\): degrees of freedom|var\\(\\): degrees of freedom", UserWarning)
        try:
            fn()
        except (RuntimeWarning, UserWarning):
            raise
        except (RuntimeError, TypeError, ValueError, NotImplementedError, AttributeError):
            return False
    return True


def _forward_and_backward(lib, out_of):
    def run():
        out = out_of()
        if out.requires_grad:
            (out * 1.5).sum().backward()
    return run


def _torch_runs(fn):
    """Whether PyTorch runs ``fn`` (without a RuntimeWarning: its kernels never give one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # e.g. std() of one value: degrees of freedom
        warnings.simplefilter("error", RuntimeWarning)
        try:
            fn()
        except RuntimeWarning:
            raise
        except Exception:           # noqa: BLE001 - an op PyTorch refuses: chainrule must refuse it too
            return False
    return True


def check(program):
    """PyTorch runs ``program`` silently; chainrule runs it too (or refuses it too), printing no warning."""
    runs = _torch_runs(program(torch))
    assert _silently(program(chainrule)) == runs, "chainrule refused a program PyTorch runs" if runs else "?"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", UNARY)
def test_unary_ops_at_edge_values_print_no_warning(op, dtype):
    def program(lib):
        x = _edges(lib, dtype)
        return _forward_and_backward(lib, lambda: getattr(lib, op)(x))
    check(program)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", FUNCTIONAL)
def test_functional_ops_at_edge_values_print_no_warning(op, dtype):
    def program(lib):
        F = lib.nn.functional
        x = _edges(lib, dtype).reshape(3, 5)
        return _forward_and_backward(lib, lambda: FUNCTIONAL[op](F, x))
    check(program)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", REDUCTIONS)
def test_reductions_at_edge_values_print_no_warning(op, dtype):
    def program(lib):
        x = _edges(lib, dtype).reshape(3, 5)
        return _forward_and_backward(lib, lambda: REDUCTIONS[op](x))
    check(program)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", BINARY)
def test_binary_ops_of_every_pair_of_edge_values_print_no_warning(op, dtype):
    n = len(EDGES)

    def program(lib):
        dt = getattr(lib, np.dtype(dtype).name)
        a = lib.tensor(_values(dtype, repeat=n), dtype=dt, requires_grad=True)
        b = lib.tensor(_values(dtype, tile=n), dtype=dt, requires_grad=True)
        return _forward_and_backward(lib, lambda: BINARY[op](a, b))
    check(program)


def test_gradients_summed_over_paths_print_no_warning():
    """The engine's own sums (inf + -inf where two paths meet) are quiet too (the fuzzer's F.linear case)."""
    def program(lib):
        x = lib.tensor([[2.0, -1.0], [1.0, 2.0], [-2.0, np.inf]], dtype=lib.float32, requires_grad=True)
        y = lib.nn.functional.linear(x, x)
        return lambda: (y * lib.tensor([[1.0, -1.0, 1.0]] * 3)).sum().backward()
    check(program)


@pytest.mark.parametrize("dtype", ["float32", "float64", "bool"])
def test_building_a_tensor_of_edge_values_prints_no_warning(dtype):
    """tensor([1e308], dtype=float32) is inf, silently, as PyTorch."""
    def program(lib):
        return lambda: (lib.tensor(EDGES, dtype=getattr(lib, dtype)), lib.tensor(np.array(EDGES), dtype=getattr(lib, dtype)),
                        lib.tensor(EDGES).to(getattr(lib, dtype)))
    check(program)


def test_numpys_own_warnings_stay_on_outside_chainrule():
    """Only chainrule's ops are quiet: the user's own NumPy code still warns as NumPy does."""
    chainrule.tensor([1e308]).exp().sum()
    with pytest.warns(RuntimeWarning):
        np.exp(np.array([1e308]))
    assert np.geterr()["over"] == "warn"


EMPTY = {
    "std": lambda F, x: x.std(), "var": lambda F, x: x.var(), "mean": lambda F, x: x.mean(),
    "std(0)": lambda F, x: x.std(0), "var(0)": lambda F, x: x.var(0), "mean(0)": lambda F, x: x.mean(0),
    "norm(dim=0)": lambda F, x: x.norm(dim=0), "layer_norm": lambda F, x: F.layer_norm(x, (x.shape[-1],)),
    "mse_loss": lambda F, x: F.mse_loss(x, x.detach()), "l1_loss": lambda F, x: F.l1_loss(x, x.detach()),
}


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0)], ids=str)
@pytest.mark.parametrize("op", EMPTY)
def test_statistics_of_nothing_print_no_warning(op, shape):
    """NumPy's mean of an empty slice warns (a Python warning, not a floating-point error): PyTorch gives nan."""
    def program(lib):
        x = lib.zeros(shape, requires_grad=True)
        return _forward_and_backward(lib, lambda: EMPTY[op](lib.nn.functional, x))
    check(program)


@pytest.mark.parametrize("values", [[[-np.inf], [1.0]], [[-1.0], [-1.0], [2.0], [1e200]], [[np.nan], [1.0]]])
def test_batch_norm_statistics_of_extreme_values_print_no_warning(values):
    def program(lib):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        return _forward_and_backward(lib, lambda: lib.nn.functional.batch_norm(x, None, None, training=True))
    check(program)
