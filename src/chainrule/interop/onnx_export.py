"""ONNX export of feed-forward models, with the ``onnx`` package: ``chainrule.onnx.export(model, x, "m.onnx")``.

The model is walked module by module (``Sequential`` and its nesting), in evaluation mode, and each module
becomes the ONNX node(s) that compute the same function — ``Linear`` → MatMul(x, Wᵀ) + b, ``ReLU`` → Relu,
``GELU`` → ½·x·(1 + erf(x/√2)), ``BatchNorm1d`` → BatchNormalization with the running statistics,
``LayerNorm`` → LayerNormalization, ``Flatten`` → Reshape … — with its weights as initializers.  The
example input fixes the input's shape and dtype (``dynamic_axes={"input": {0: "batch"}}`` frees the batch
size).  A module with no translation — a custom module's Python ``forward``, a layer ONNX export does not
cover — is refused by name before anything is written; the file is written atomically.

    >>> chainrule.onnx.export(model, torch.randn(1, 4), "model.onnx")
    >>> onnxruntime.InferenceSession("model.onnx").run(None, {"input": x.numpy()})
"""
from __future__ import annotations

import math

import numpy as np

OPSET = 17


class OnnxExportError(RuntimeError):
    """A model (or one of its modules) that this exporter cannot translate; the message names it."""


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise OnnxExportError("ONNX export needs the onnx package: pip install onnx") from None
    return onnx, helper, numpy_helper


class _Graph:
    """The nodes and initializers being built; ``name()`` hands out fresh value names."""

    def __init__(self, dtype):
        self.onnx, self.helper, self.numpy_helper = _onnx()
        self.dtype = dtype
        self.nodes, self.initializers = [], []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value, hint: str, dtype=None) -> str:
        name = self.name(hint)
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list, hint: str, **attrs) -> str:
        out = self.name(hint)
        self.nodes.append(self.helper.make_node(op, inputs, [out], name=out, **attrs))
        return out


def _weights(t) -> np.ndarray:
    return np.array(t.detach().numpy(), copy=True)


# -- one translation per module class: (graph, module, input value name, input rank) -> output value name --
def _linear(g, m, x, rank):
    y = g.node("MatMul", [x, g.const(_weights(m.weight).T, "weight_t")], "linear")
    return g.node("Add", [y, g.const(_weights(m.bias), "bias")], "linear_bias") if m.bias is not None else y


def _gelu(g, m, x, rank):
    half = g.const(0.5, "half")
    if m.approximate == "tanh":      # ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
        cube = g.node("Mul", [g.node("Mul", [x, x], "sq"), x], "cube")
        inner = g.node("Add", [x, g.node("Mul", [cube, g.const(0.044715, "c")], "c_cube")], "inner")
        t = g.node("Tanh", [g.node("Mul", [inner, g.const(math.sqrt(2 / math.pi), "k")], "scaled")], "tanh")
    else:                            # ½x(1 + erf(x/√2))
        t = g.node("Erf", [g.node("Div", [x, g.const(math.sqrt(2.0), "sqrt2")], "scaled")], "erf")
    return g.node("Mul", [g.node("Mul", [x, half], "half_x"), g.node("Add", [t, g.const(1.0, "one")], "one_plus")],
                  "gelu")


def _softplus(g, m, x, rank):      # log(1 + e^(βx))/β, and x itself where βx > threshold (as PyTorch)
    bx = g.node("Mul", [x, g.const(m.beta, "beta")], "beta_x")
    soft = g.node("Div", [g.node("Softplus", [bx], "softplus"), g.const(m.beta, "beta")], "softplus_beta")
    linear = g.node("Greater", [bx, g.const(m.threshold, "threshold")], "above")
    return g.node("Where", [linear, x, soft], "softplus_out")


def _clip(lo, hi):
    return lambda g, m, x, rank: g.node("Clip", [x, g.const(lo(m), "min"), g.const(hi(m), "max")], "clip")


def _flatten(g, m, x, rank):
    start, end = m.start_dim % rank, m.end_dim % rank
    if end != rank - 1:
        raise OnnxExportError(f"Flatten(start_dim={m.start_dim}, end_dim={m.end_dim}): only flattening through "
                              f"the last dimension is exported")
    return g.node("Reshape", [x, g.const([0] * start + [-1], "shape", np.int64)], "flatten")


def _batch_norm(g, m, x, rank):
    if m.running_mean is None:
        raise OnnxExportError(f"{type(m).__name__}(track_running_stats=False) normalises with the batch's own "
                              f"statistics even in eval mode, which ONNX BatchNormalization cannot express")
    n = m.num_features
    scale = _weights(m.weight) if m.weight is not None else np.ones(n)
    shift = _weights(m.bias) if m.bias is not None else np.zeros(n)
    return g.node("BatchNormalization", [x, g.const(scale, "bn_scale"), g.const(shift, "bn_bias"),
                                         g.const(_weights(m.running_mean), "bn_mean"),
                                         g.const(_weights(m.running_var), "bn_var")], "batchnorm", epsilon=m.eps)


def _layer_norm(g, m, x, rank):
    shape = tuple(m.normalized_shape)
    scale = _weights(m.weight) if m.weight is not None else np.ones(shape)
    inputs = [x, g.const(scale, "ln_scale")]
    if getattr(m, "bias", None) is not None:
        inputs.append(g.const(_weights(m.bias), "ln_bias"))
    return g.node("LayerNormalization", inputs, "layernorm", axis=-len(shape), epsilon=m.eps)


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _conv(g, m, x, rank):
    """Conv: y = W ⋆ x + b with PyTorch's strides, zero pads, dilations and groups."""
    n = rank - 2
    if m.padding_mode != "zeros":
        raise OnnxExportError(f"{type(m).__name__}(padding_mode={m.padding_mode!r}): only zero padding is exported")
    k = _tuple(m.kernel_size, n)
    d = _tuple(m.dilation, n)
    if isinstance(m.padding, str):    # 'valid' or 'same' (stride 1): the explicit pads PyTorch uses
        if m.padding == "valid":
            pads = [(0, 0)] * n
        else:
            total = [dd * (kk - 1) for dd, kk in zip(d, k)]
            pads = [(t // 2, t - t // 2) for t in total]
    else:
        pads = [(p, p) for p in _tuple(m.padding, n)]
    inputs = [x, g.const(_weights(m.weight), "conv_weight")]
    if m.bias is not None:
        inputs.append(g.const(_weights(m.bias), "conv_bias"))
    return g.node("Conv", inputs, "conv", kernel_shape=list(k), strides=list(_tuple(m.stride, n)),
                  dilations=list(d), group=int(m.groups), pads=[p[0] for p in pads] + [p[1] for p in pads])


def _pool_attrs(m, n, with_dilation):
    k = _tuple(m.kernel_size, n)
    stride = m.stride if m.stride is not None else k
    attrs = dict(kernel_shape=list(k), strides=list(_tuple(stride, n)), pads=list(_tuple(m.padding, n)) * 2,
                 ceil_mode=int(bool(m.ceil_mode)))
    if with_dilation:
        attrs["dilations"] = list(_tuple(m.dilation, n))
    return attrs


def _max_pool(g, m, x, rank):
    if getattr(m, "return_indices", False):
        raise OnnxExportError(f"{type(m).__name__}(return_indices=True): the indices are not exported")
    return g.node("MaxPool", [x], "maxpool", **_pool_attrs(m, rank - 2, True))


def _avg_pool(g, m, x, rank):
    if getattr(m, "divisor_override", None) is not None:
        raise OnnxExportError(f"{type(m).__name__}(divisor_override=…) has no ONNX AveragePool counterpart")
    return g.node("AveragePool", [x], "avgpool", count_include_pad=int(bool(m.count_include_pad)),
                  **_pool_attrs(m, rank - 2, False))


def _adaptive_avg_pool(g, m, x, rank):
    size = _tuple(m.output_size, rank - 2)
    if any(s not in (1, None) for s in size) or all(s is None for s in size):
        raise OnnxExportError(f"{type(m).__name__}(output_size={m.output_size}): only output size 1 "
                              f"(GlobalAveragePool) is exported")
    return g.node("GlobalAveragePool", [x], "globalavgpool")


def _unary(op, **attrs):
    return lambda g, m, x, rank: g.node(op, [x], op.lower(), **{k: f(m) for k, f in attrs.items()})


TRANSLATIONS = {
    "Linear": _linear,
    "ReLU": _unary("Relu"),
    "Sigmoid": _unary("Sigmoid"),
    "Tanh": _unary("Tanh"),
    "LeakyReLU": _unary("LeakyRelu", alpha=lambda m: float(m.negative_slope)),
    "ELU": _unary("Elu", alpha=lambda m: float(m.alpha)),
    "GELU": _gelu,
    "SiLU": lambda g, m, x, rank: g.node("Mul", [x, g.node("Sigmoid", [x], "sigmoid")], "silu"),
    "Softplus": _softplus,
    "Hardtanh": _clip(lambda m: m.min_val, lambda m: m.max_val),
    "ReLU6": _clip(lambda m: 0.0, lambda m: 6.0),
    "LogSigmoid": lambda g, m, x, rank: g.node("Neg", [g.node("Softplus", [g.node("Neg", [x], "neg")], "sp")],
                                               "logsigmoid"),
    "Softmax": lambda g, m, x, rank: g.node("Softmax", [x], "softmax", axis=(-1 if m.dim is None else m.dim)),
    "LogSoftmax": lambda g, m, x, rank: g.node("LogSoftmax", [x], "logsoftmax",
                                               axis=(-1 if m.dim is None else m.dim)),
    "Identity": _unary("Identity"),
    "Dropout": _unary("Identity"),      # evaluation mode: the identity
    "Flatten": _flatten,
    "BatchNorm1d": _batch_norm,
    "BatchNorm2d": _batch_norm,
    "Conv1d": _conv,
    "Conv2d": _conv,
    "MaxPool1d": _max_pool,
    "MaxPool2d": _max_pool,
    "AvgPool1d": _avg_pool,
    "AvgPool2d": _avg_pool,
    "AdaptiveAvgPool2d": _adaptive_avg_pool,
    "LayerNorm": _layer_norm,
}


def _translate(g, module, x: str, shape: tuple, path: str):
    """Append ``module``'s nodes to ``g``; return the output's name and shape (from running the module)."""
    import chainrule
    name = type(module).__name__
    if name == "Sequential" and type(module).__module__.startswith("chainrule.nn"):
        for key, child in module.named_children():
            x, shape = _translate(g, child, x, shape, f"{path}.{key}" if path else key)
        return x, shape
    translate = TRANSLATIONS.get(name) if type(module).__module__.startswith("chainrule.nn") else None
    if translate is None:
        where = f"'{path}' ({name})" if path else f"the model ({name})"
        covered = ", ".join(sorted(TRANSLATIONS))
        raise OnnxExportError(f"{where} cannot be exported to ONNX: the exporter translates Sequential models of "
                              f"{covered}" + ("; a custom module's forward is Python code it does not trace"
                                              if not type(module).__module__.startswith("chainrule.nn") else ""))
    out = translate(g, module, x, len(shape))
    with chainrule.no_grad():
        probe = module(chainrule.zeros(shape, dtype=getattr(chainrule, g.dtype.name)))
    return out, tuple(probe.shape)


def export(model, args, f, *, input_names=None, output_names=None, opset_version: int = OPSET,
           dynamic_axes=None) -> None:
    """Write ``model`` (applied to an input like ``args``) to the ONNX file ``f``; PyTorch's argument names."""
    import chainrule
    from ..io.atomic import write_bytes
    x = args[0] if isinstance(args, (tuple, list)) else args
    if not isinstance(x, chainrule.Tensor):
        raise OnnxExportError(f"export: the example input must be a Tensor, got {type(x).__name__}")
    dtype = np.dtype(x.detach().numpy().dtype)
    if dtype not in (np.float32, np.float64):
        raise OnnxExportError(f"export: the example input must be float32 or float64, got {dtype}")
    in_name = (input_names or ["input"])[0]
    out_name = (output_names or ["output"])[0]
    g = _Graph(dtype)
    was_training = model.training
    model.eval()
    try:
        last, out_shape = _translate(g, model, in_name, tuple(x.shape), "")
    finally:
        model.train(was_training)
    g.nodes.append(g.helper.make_node("Identity", [last], [out_name], name=out_name))
    elem = g.helper.np_dtype_to_tensor_dtype(dtype)

    def dims(shape, name):
        free = (dynamic_axes or {}).get(name, {})
        free = {i: f"{name}_dim{i}" for i in free} if isinstance(free, (list, tuple)) else free
        return [free.get(i, n) for i, n in enumerate(shape)]

    graph = g.helper.make_graph(g.nodes, type(model).__name__, [
        g.helper.make_tensor_value_info(in_name, elem, dims(tuple(x.shape), in_name))],
        [g.helper.make_tensor_value_info(out_name, elem, dims(out_shape, out_name))], g.initializers)
    proto = g.helper.make_model(graph, opset_imports=[g.helper.make_opsetid("", opset_version)],
                                producer_name="chainrule")
    proto.ir_version = min(proto.ir_version, 9)
    g.onnx.checker.check_model(proto)
    write_bytes(f, proto.SerializeToString())
