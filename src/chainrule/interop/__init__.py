"""The way onward to PyTorch and back: ``torch_shim`` (run a script that says ``import torch`` on chainrule,
``chainrule run``), and — as they land — the module bridge and ONNX export."""
