"""chainrule.save / chainrule.load: round trips, PyTorch interop through safetensors, optimizer checkpoints."""
from __future__ import annotations

import io
import math
import os
from collections import OrderedDict

import numpy as np
import pytest
import torch
import safetensors.torch as st_torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import chainrule
from chainrule import nn

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_]


def _same(a, b):
    a = a.numpy() if isinstance(a, chainrule.Tensor) else a
    b = b.numpy() if isinstance(b, chainrule.Tensor) else b
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


@given(arr=st.sampled_from(DTYPES).flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3,
                                                                                        min_side=0, max_side=4))))
def test_any_tensor_round_trips_bit_for_bit(tmp_path_factory, arr):
    path = tmp_path_factory.mktemp("rt") / "t.safetensors"
    chainrule.save({"x": chainrule.from_numpy(arr)}, path)
    back = chainrule.load(path)["x"]
    _same(back, arr)
    assert back._data.flags.writeable and not back.requires_grad


def test_model_state_dict_round_trip_keeps_order_and_loads_into_a_model(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
    path = tmp_path / "model.safetensors"
    chainrule.save(model.state_dict(), path)
    loaded = chainrule.load(path)
    assert list(loaded) == list(model.state_dict())
    other = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
    other.load_state_dict(loaded)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        _same(a, b)


def test_nested_structures_numbers_and_specials_round_trip(tmp_path):
    obj = {"epoch": 3, "loss": 0.25, "nan": float("nan"), "inf": -math.inf, "name": "run", "none": None,
           "flag": True, "tuple": (1, 2.5, "x"), "list": [chainrule.ones(2), [chainrule.zeros(1)]],
           7: {"int key": chainrule.tensor(1.5)}, "od": OrderedDict(b=1, a=2), "np": np.arange(3)}
    path = tmp_path / "ckpt.safetensors"
    chainrule.save(obj, path)
    back = chainrule.load(path)
    assert list(back) == list(obj)
    assert back["epoch"] == 3 and back["loss"] == 0.25 and math.isnan(back["nan"]) and back["inf"] == -math.inf
    assert back["tuple"] == (1, 2.5, "x") and back["none"] is None and back["flag"] is True
    _same(back["list"][0], obj["list"][0])
    _same(back["list"][1][0], obj["list"][1][0])
    _same(back[7]["int key"], obj[7]["int key"])
    assert isinstance(back["od"], OrderedDict) and list(back["od"]) == ["b", "a"]
    assert isinstance(back["np"], np.ndarray) and back["np"].tolist() == [0, 1, 2]


def test_file_objects_work_too():
    buf = io.BytesIO()
    chainrule.save({"w": chainrule.ones(2, 2)}, buf)
    buf.seek(0)
    _same(chainrule.load(buf)["w"], np.ones((2, 2), np.float32))


def test_chainrule_file_loads_into_pytorch(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    path = tmp_path / "m.safetensors"
    chainrule.save(model.state_dict(), path)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    theirs.load_state_dict(st_torch.load_file(str(path)))
    x = np.array([[1.0, 1.0], [0.5, -2.0]], np.float32)
    np.testing.assert_allclose(model(chainrule.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_pytorch_file_loads_into_chainrule_and_a_chainrule_model(tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    path = tmp_path / "torch.safetensors"
    st_torch.save_file(theirs.state_dict(), str(path))
    loaded = chainrule.load(path)
    assert set(loaded) == set(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        _same(loaded[k], v.numpy())
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    ours.load_state_dict(loaded)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(chainrule.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-7)


def test_pytorch_file_with_int_and_float64_tensors(tmp_path):
    sd = {"a": torch.arange(5), "b": torch.randn(2, 2, dtype=torch.float64), "c": torch.tensor(True),
          "d": torch.zeros(0, 3)}
    path = tmp_path / "mixed.safetensors"
    st_torch.save_file(sd, str(path))
    loaded = chainrule.load(path)
    for k, v in sd.items():
        _same(loaded[k], v.numpy())


def test_optimizer_checkpoint_resumes_bit_identically(tmp_path):
    def run(steps, start=None):
        chainrule.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = chainrule.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
        sched = chainrule.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        if start is not None:
            ck = chainrule.load(start)
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["optimizer"])
            sched.load_state_dict(ck["scheduler"])
        rng = np.random.default_rng(1)
        data = [(rng.standard_normal((6, 4)).astype(np.float32), rng.standard_normal((6, 1)).astype(np.float32))
                for _ in range(10)]
        first = 0 if start is None else ck["step"]
        for i in range(first, steps):
            x, y = data[i]
            opt.zero_grad()
            ((model(chainrule.tensor(x)) - chainrule.tensor(y)) ** 2).mean().backward()
            opt.step()
            sched.step()
        return model, opt, sched

    full, _, _ = run(10)
    model, opt, sched = run(5)
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "step": 5}, path)
    resumed, _, rs = run(10, start=path)
    for (k, a), (_, b) in zip(full.state_dict().items(), resumed.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert rs.get_last_lr() == pytest.approx([0.01 * 0.5 ** 3])


def test_chainrule_optimizer_file_loads_into_pytorch_via_safetensors(tmp_path):
    w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    path = tmp_path / "opt.safetensors"
    chainrule.save(opt.state_dict(), path)
    tensors = st_torch.load_file(str(path))
    np.testing.assert_array_equal(tensors["state.0.momentum_buffer"].numpy(), [2.0, -4.0])


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "m.safetensors"
    chainrule.save({"w": chainrule.ones(3)}, path)
    chainrule.save({"w": chainrule.zeros(3)}, path)
    assert os.listdir(tmp_path) == ["m.safetensors"]
    _same(chainrule.load(path)["w"], np.zeros(3, np.float32))


def test_save_of_something_unsupported_leaves_the_old_file_untouched(tmp_path):
    path = tmp_path / "m.safetensors"
    chainrule.save({"w": chainrule.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"got object at a\.b"):
        chainrule.save({"a": {"b": object()}}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]


def test_save_errors():
    with pytest.raises(TypeError, match=r"stores state dicts, not Linear objects.*obj\.state_dict\(\)"):
        chainrule.save(nn.Linear(2, 2), "never-written.safetensors")
    with pytest.raises(TypeError, match="dict keys must be str or int, got tuple"):
        chainrule.save({(1, 2): 3}, io.BytesIO())
    with pytest.raises(TypeError, match="expected a path or a binary file object"):
        chainrule.save({}, 42)
    with pytest.raises(TypeError, match="expected a path or a binary file object"):
        chainrule.load(42)
    assert not os.path.exists("never-written.safetensors")


def test_load_accepts_torch_load_keyword_arguments(tmp_path):
    path = tmp_path / "m.safetensors"
    chainrule.save({"w": chainrule.ones(1)}, path)
    assert chainrule.load(path, map_location="cpu", weights_only=True)["w"].item() == 1.0


def test_missing_safetensors_package_says_what_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        chainrule.save({"w": chainrule.ones(1)}, io.BytesIO())


@pytest.mark.parametrize("make", [
    lambda o: chainrule.optim.lr_scheduler.StepLR(o, step_size=2),
    lambda o: chainrule.optim.lr_scheduler.MultiStepLR(o, milestones=[1, 3, 3]),
    lambda o: chainrule.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    lambda o: chainrule.optim.lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
    lambda o: chainrule.optim.lr_scheduler.LambdaLR(o, lambda e: 0.5 ** e),
    lambda o: chainrule.optim.lr_scheduler.ReduceLROnPlateau(o, mode="max", patience=0),
], ids=["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "ReduceLROnPlateau"])
def test_every_scheduler_state_survives_save_and_load(make):
    opt = chainrule.optim.SGD([chainrule.tensor([1.0], requires_grad=True)], lr=0.1)
    sched = make(opt)
    for i in range(3):
        sched.step(float(i % 2)) if isinstance(sched, chainrule.optim.lr_scheduler.ReduceLROnPlateau) else sched.step()
    buf = io.BytesIO()
    chainrule.save(sched.state_dict(), buf)
    buf.seek(0)
    assert chainrule.load(buf) == sched.state_dict()
