"""``chainrule.onnx.export(model, example_input, path)``: PyTorch's ``torch.onnx.export`` for chainrule models
(feed-forward ``Sequential`` models; see ``interop.onnx_export`` for what translates)."""
from .interop.onnx_export import OnnxExportError, export

__all__ = ["export", "OnnxExportError"]
