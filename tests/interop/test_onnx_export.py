"""ONNX export: the example models and every translated layer pass onnx.checker and give the model's own
outputs under onnxruntime (float32 tolerance); what does not translate is refused by name."""
from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import nn

import onnx  # noqa: E402  (test dependencies: a missing one fails, never skips)
import onnxruntime as ort  # noqa: E402

MODELS = {
    "seed": lambda: nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()),
    "digits": lambda: nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10)),
    "activations": lambda: nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.LeakyReLU(0.3), nn.ELU(0.7), nn.GELU(),
                                         nn.GELU("tanh"), nn.SiLU(), nn.Softplus(2.0, 3.0), nn.Hardtanh(-0.4, 0.8),
                                         nn.ReLU6(), nn.LogSigmoid(), nn.Identity(), nn.Dropout(0.5),
                                         nn.Linear(6, 3), nn.Softmax(dim=1)),
    "norms": lambda: nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.LayerNorm(6),
                                   nn.Linear(6, 3, bias=False), nn.LogSoftmax(dim=-1)),
    "nested": lambda: nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(12, 5), nn.ReLU()), nn.Linear(5, 2)),
    "lenet": lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                   nn.Conv2d(4, 6, 3, stride=1, dilation=1), nn.Tanh(), nn.AvgPool2d(2),
                                   nn.Flatten(), nn.Linear(6, 3)),
    "conv_variants": lambda: nn.Sequential(nn.Conv2d(2, 4, 3, stride=2, padding=2, dilation=2, bias=False),
                                           nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                                           nn.Conv2d(4, 4, 1, groups=2), nn.AvgPool2d(2, padding=1,
                                                                                      count_include_pad=False),
                                           nn.Conv2d(4, 2, 3, padding="same"), nn.AdaptiveAvgPool2d(1),
                                           nn.Flatten()),
    "conv1d": lambda: nn.Sequential(nn.Conv1d(3, 5, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2),
                                    nn.AvgPool1d(2), nn.Flatten(), nn.Linear(10, 2)),
}
INPUTS = {"nested": (3, 3, 4), "lenet": (3, 1, 10, 10), "conv_variants": (2, 2, 11, 11), "conv1d": (4, 3, 8)}


def _trained(model, shape):
    """A few training steps first, so BatchNorm's running statistics are not the defaults."""
    opt = chainrule.optim.SGD(model.parameters(), lr=0.05)
    for seed in range(3):
        opt.zero_grad()
        model(chainrule.tensor(np.random.default_rng(seed).normal(size=(8, *shape[1:])).astype(np.float32))).sum().backward()
        opt.step()
    return model


@pytest.mark.parametrize("name", list(MODELS))
def test_exported_model_passes_the_checker_and_matches_onnxruntime(name, tmp_path):
    shape = INPUTS.get(name, (5, 64 if name == "digits" else 2 if name == "seed" else 4))
    model = _trained(MODELS[name](), shape)
    x = np.random.default_rng(9).normal(size=shape).astype(np.float32)
    path = tmp_path / f"{name}.onnx"
    chainrule.onnx.export(model, chainrule.tensor(x), str(path), dynamic_axes={"input": {0: "batch"},
                                                                               "output": {0: "batch"}})
    onnx.checker.check_model(onnx.load(str(path)))
    assert model.training, "export leaves the model in the mode it was in"
    model.eval()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (x, x[:2]):                        # the batch axis is free
        expected = model(chainrule.tensor(batch)).detach().numpy()
        (got,) = session.run(None, {"input": batch})
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_float64_models_export_as_float64(tmp_path):
    model = MODELS["seed"]().double()
    x = chainrule.tensor([[1.0, 1.0]], dtype=chainrule.float64)
    chainrule.onnx.export(model, x, str(tmp_path / "m.onnx"))
    (got,) = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x.numpy()})
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-12)


def test_what_does_not_translate_is_named_and_nothing_is_written(tmp_path):
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) + x

    path = tmp_path / "m.onnx"
    with pytest.raises(chainrule.onnx.OnnxExportError, match=r"'1' \(Residual\) cannot be exported to ONNX: .*"
                                                             r"Linear.*custom module's forward"):
        chainrule.onnx.export(nn.Sequential(nn.Linear(2, 2), Residual()), chainrule.ones(1, 2), str(path))
    with pytest.raises(chainrule.onnx.OnnxExportError, match=r"'0' \(Embedding\) cannot be exported"):
        chainrule.onnx.export(nn.Sequential(nn.Embedding(3, 2)), chainrule.ones(1, 2), str(path))
    with pytest.raises(chainrule.onnx.OnnxExportError, match="track_running_stats=False"):
        chainrule.onnx.export(nn.Sequential(nn.BatchNorm1d(2, track_running_stats=False)), chainrule.ones(3, 2),
                              str(path))
    assert not path.exists()


@pytest.mark.parametrize("layer,message", [
    (lambda: nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), r"Conv2d\(padding_mode='reflect'\): only zero"),
    (lambda: nn.MaxPool2d(2, return_indices=True), r"MaxPool2d\(return_indices=True\): the indices are not exported"),
    (lambda: nn.AvgPool2d(2, divisor_override=3), r"AvgPool2d\(divisor_override=…\) has no ONNX AveragePool"),
    (lambda: nn.AdaptiveAvgPool2d(2), r"AdaptiveAvgPool2d\(output_size=2\): only output size 1"),
])
def test_conv_and_pool_settings_onnx_cannot_express_are_refused(layer, message, tmp_path):
    path = tmp_path / "m.onnx"
    with pytest.raises(chainrule.onnx.OnnxExportError, match=message):
        chainrule.onnx.export(nn.Sequential(layer()), chainrule.randn(1, 1, 6, 6), str(path))
    assert not path.exists()
