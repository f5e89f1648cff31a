"""dtypes and PyTorch's type promotion, default dtype, conversions, factories, random seeding, devices."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule


def _name(d):
    return str(d).split(".")[-1]


def _same_dtype(ours, theirs):
    assert _name(ours.dtype) == _name(theirs.dtype), f"{ours.dtype} != {theirs.dtype}"


@pytest.fixture
def restore_default_dtype():
    yield
    chainrule.set_default_dtype(chainrule.float32)
    torch.set_default_dtype(torch.float32)


OPERANDS = {
    "f32": lambda lib: lib.tensor([1.5, 2.0]),
    "f64": lambda lib: lib.tensor([1.5, 2.0], dtype=lib.float64),
    "i64": lambda lib: lib.tensor([1, 2]),
    "i32": lambda lib: lib.tensor([1, 2], dtype=lib.int32),
    "bool": lambda lib: lib.tensor([True, False]),
    "f64_0d": lambda lib: lib.tensor(2.5, dtype=lib.float64),
    "f32_0d": lambda lib: lib.tensor(2.5),
    "i64_0d": lambda lib: lib.tensor(3),
    "bool_0d": lambda lib: lib.tensor(True),
    "py_float": lambda lib: 2.5,
    "py_int": lambda lib: 3,
    "py_bool": lambda lib: True,
}
OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
       "div": lambda a, b: a / b, "radd": lambda a, b: b + a, "rdiv": lambda a, b: b / a,
       "maximum": lambda a, b: a.maximum(b) if not isinstance(b, (int, float)) else None,
       "where": None}


@pytest.mark.parametrize("left", ["f32", "f64", "i64", "i32", "bool", "f64_0d", "f32_0d", "i64_0d", "bool_0d"])
@pytest.mark.parametrize("right", sorted(OPERANDS))
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "radd", "rdiv", "maximum"])
def test_type_promotion_matches_torch(left, right, op):
    fn = OPS[op]

    def run(lib):
        try:
            out = fn(OPERANDS[left](lib), OPERANDS[right](lib))
            return out if out is None else ("ok", out)
        except (RuntimeError, TypeError) as e:
            return ("error", e)
    ours, theirs = run(chainrule), run(torch)
    if theirs is None or ours is None:
        return
    if theirs[0] == "error":
        assert ours[0] == "error", f"torch refuses ({theirs[1]}), chainrule gave {ours[1]!r}"
        return
    assert ours[0] == "ok", f"chainrule raised {ours[1]!r}; torch gave {theirs[1]!r}"
    _same_dtype(ours[1], theirs[1])
    np.testing.assert_allclose(ours[1].numpy().astype(np.float64), theirs[1].numpy().astype(np.float64),
                               rtol=1e-6)


def test_documented_promotion_examples():
    assert (chainrule.tensor([1, 2]) + 1.5).dtype == chainrule.float32
    assert (chainrule.tensor([1.0]) + chainrule.tensor(1.0, dtype=chainrule.float64)).dtype == chainrule.float32
    assert (chainrule.tensor([1, 2]) / chainrule.tensor([2, 2])).dtype == chainrule.float32
    assert (chainrule.tensor([1, 2]) * chainrule.tensor([1.0], dtype=chainrule.float64)).dtype == chainrule.float64


def test_inference_from_python_data():
    assert chainrule.tensor([1.0, 2]).dtype == chainrule.float32
    assert chainrule.tensor([1, 2]).dtype == chainrule.int64
    assert chainrule.tensor([True]).dtype == chainrule.bool
    assert chainrule.tensor(np.zeros(2, np.float64)).dtype == chainrule.float64
    assert chainrule.tensor(np.zeros(2, np.int32)).dtype == chainrule.int32
    assert chainrule.tensor(3.0).shape == () and chainrule.tensor([]).shape == (0,)
    assert chainrule.tensor([chainrule.tensor(1.0), chainrule.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_default_dtype(restore_default_dtype):
    assert chainrule.get_default_dtype() == chainrule.float32
    chainrule.set_default_dtype(chainrule.float64)
    assert chainrule.tensor([1.5]).dtype == chainrule.float64
    assert chainrule.zeros(2).dtype == chainrule.float64
    assert chainrule.Tensor([1.0]).dtype == chainrule.float64
    assert (chainrule.tensor([1, 2]) * 0.5).dtype == chainrule.float64
    assert repr(chainrule.tensor([1.5])) == "tensor([1.5000])"
    assert repr(chainrule.tensor([1.5], dtype=chainrule.float32)) == "tensor([1.5000], dtype=chainrule.float32)"
    with pytest.raises(TypeError):
        chainrule.set_default_dtype(chainrule.int64)


def test_conversions_and_aliases():
    x = chainrule.tensor([1.7, -2.2], requires_grad=True)
    assert x.double().dtype == chainrule.float64 and x.float() is x
    assert x.long().dtype == chainrule.int64 and x.long().tolist() == [1, -2]
    assert x.to(chainrule.float64).dtype == chainrule.float64
    assert x.to("cpu") is x and x.to(chainrule.device("cpu"), chainrule.float64).dtype == chainrule.float64
    assert x.to(dtype=chainrule.double).dtype == chainrule.float64
    assert x.to(chainrule.zeros(1, dtype=chainrule.int64)).dtype == chainrule.int64
    assert chainrule.float is chainrule.float32 and chainrule.double is chainrule.float64
    assert chainrule.long is chainrule.int64
    assert repr(chainrule.float32) == "chainrule.float32"
    y = x.double()
    y.sum().backward()
    assert x.grad.dtype == chainrule.float32 and x.grad.tolist() == [1.0, 1.0]
    assert x.int().dtype == chainrule.int32 and x.bool().dtype == chainrule.bool


def test_legacy_constructors():
    assert chainrule.Tensor([[0.4352, 0.3545]]).dtype == chainrule.float32
    assert chainrule.Tensor([[1, 2]]).dtype == chainrule.float32
    assert chainrule.Tensor(2, 3).shape == (2, 3)
    assert chainrule.FloatTensor([1, 2]).dtype == chainrule.float32
    assert chainrule.LongTensor([1.9, 2]).dtype == chainrule.int64
    assert chainrule.LongTensor([1.9, 2]).tolist() == torch.LongTensor([1.9, 2]).tolist()
    assert chainrule.DoubleTensor([1]).dtype == chainrule.float64
    assert chainrule.FloatTensor(3).shape == (3,)


@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(2, 3), lambda lib: lib.zeros((2, 3)), lambda lib: lib.ones([4]),
    lambda lib: lib.zeros(2, dtype=lib.int64), lambda lib: lib.full((2, 2), 7.0), lambda lib: lib.full((2,), 7),
    lambda lib: lib.full((2,), True), lambda lib: lib.eye(3), lambda lib: lib.eye(2, 3),
    lambda lib: lib.arange(5), lambda lib: lib.arange(1, 4), lambda lib: lib.arange(0, 1, 0.25),
    lambda lib: lib.arange(1.0, 4.0), lambda lib: lib.arange(5, dtype=lib.float64),
    lambda lib: lib.linspace(0, 1, 5), lambda lib: lib.linspace(-1, 1, steps=3, dtype=lib.float64),
    lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.int64)), lambda lib: lib.ones_like(lib.ones(2, 2)),
    lambda lib: lib.full_like(lib.ones(3), 2.5), lambda lib: lib.zeros(0, 3), lambda lib: lib.ones(()),
    lambda lib: lib.empty(2, 3).shape, lambda lib: lib.empty_like(lib.ones(2, dtype=lib.float64)).dtype,
    lambda lib: lib.rand(2, 3).shape, lambda lib: lib.randn(4).dtype, lambda lib: lib.randint(0, 5, (3,)).dtype,
    lambda lib: lib.randint(5, (3,)).shape, lambda lib: lib.rand_like(lib.ones(2, dtype=lib.float64)).dtype,
    lambda lib: lib.randn_like(lib.ones(2, 2)).shape, lambda lib: lib.ones(2, requires_grad=True).requires_grad,
    lambda lib: lib.zeros(2, device="cpu").device.type,
])
def test_factories_match_torch(call):
    ours, theirs = call(chainrule), call(torch)
    if isinstance(theirs, torch.Tensor):
        _same_dtype(ours, theirs)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    elif isinstance(theirs, torch.dtype):
        assert _name(ours) == _name(theirs)
    else:
        assert tuple(ours) == tuple(theirs) if isinstance(theirs, tuple) else ours == theirs


def test_random_factories_are_in_range_and_reproducible():
    chainrule.manual_seed(123)
    a = (chainrule.rand(100), chainrule.randn(100), chainrule.randint(2, 7, (100,)))
    chainrule.manual_seed(123)
    b = (chainrule.rand(100), chainrule.randn(100), chainrule.randint(2, 7, (100,)))
    for x, y in zip(a, b):
        assert x.equal(y)
    assert 0 <= a[0].min().item() and a[0].max().item() < 1
    assert 2 <= a[2].min().item() and a[2].max().item() <= 6
    assert abs(a[1].mean().item()) < 0.5
    chainrule.manual_seed(124)
    assert not chainrule.rand(100).equal(a[0])
    g = chainrule.Generator().manual_seed(5)
    r1 = chainrule.rand(3, generator=g)
    assert chainrule.rand(3, generator=chainrule.Generator().manual_seed(5)).equal(r1)


def test_from_numpy_shares_memory_and_as_tensor():
    arr = np.array([1.0, 2.0])
    t = chainrule.from_numpy(arr)
    arr[0] = 5.0
    assert t[0].item() == 5.0 and t.dtype == chainrule.float64
    t.add_(1)
    assert arr[1] == 3.0
    assert t.numpy() is arr or np.shares_memory(t.numpy(), arr)
    s = chainrule.as_tensor(arr)
    arr[1] = -1.0
    assert s[1].item() == -1.0
    assert chainrule.as_tensor([1, 2]).dtype == chainrule.int64
    assert chainrule.as_tensor(arr, dtype=chainrule.float32).dtype == chainrule.float32
    c = chainrule.tensor(arr)
    arr[0] = 99.0
    assert c[0].item() != 99.0  # tensor() copies
    with pytest.raises(TypeError):
        chainrule.from_numpy([1, 2])


def test_devices():
    assert chainrule.cuda.is_available() is False
    dev = chainrule.device("cuda" if chainrule.cuda.is_available() else "cpu")
    x = chainrule.zeros(2, device=dev)
    assert x.device == chainrule.device("cpu") and x.device.type == "cpu" and str(x.device) == "cpu"
    assert x.to(dev) is x and x.cpu() is x
    for bad in ("cuda", "cuda:0", chainrule.device("cuda"), "mps"):
        with pytest.raises(RuntimeError, match="not available.*CPU only"):
            chainrule.zeros(2, device=bad)
    with pytest.raises(RuntimeError, match="cuda"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        x.cuda()
    with pytest.raises(RuntimeError, match="cuda"):
        chainrule.tensor([1.0], device="cuda")


def test_item_tolist_numpy():
    assert chainrule.tensor([[2.5]]).item() == 2.5 and isinstance(chainrule.tensor(3).item(), int)
    assert chainrule.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    x = chainrule.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0]
    assert float(chainrule.tensor(2.5)) == 2.5 and int(chainrule.tensor(3)) == 3


def test_python_types_as_dtypes_like_torch():
    for lib in (chainrule, torch):
        assert _name(lib.zeros(2, dtype=float).dtype) == "float64"
        assert _name(lib.zeros(2, dtype=int).dtype) == "int64"
        assert _name(lib.zeros(2, dtype=bool).dtype) == "bool"
        assert _name(lib.tensor([1]).to(float).dtype) == "float64"
        assert lib.tensor([1.7]).to(int).tolist() == [1]
