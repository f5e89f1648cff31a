"""``chainrule.autograd``: ``backward``, ``grad``, ``Function``, ``gradcheck``, grad modes, anomaly mode."""
from __future__ import annotations

import numpy as np

from .function import Function, Node, AccumulateGrad, Op, RemovableHandle
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from .engine import run_backward
from . import function as _function


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _seeds(outputs, grad_outputs, fn_name: str):
    Tensor = _function._Tensor[0]
    seeds = []
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{fn_name}: got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    for out, g in zip(outputs, grad_outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{fn_name}: expected Tensor outputs, got {type(out).__name__}")
        if not out._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn: "
                               "nothing that requires grad was used to compute this tensor. Create the "
                               "inputs with requires_grad=True (parameters of nn modules have it).")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs: this tensor "
                                   f"has shape {tuple(out.shape)}. Reduce it to a scalar first (e.g. "
                                   f"loss.sum() or loss.mean()) or pass gradient=torch.ones_like(output).")
            seeds.append(np.ones(out._data.shape, dtype=out._data.dtype))
        else:
            arr = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=out._data.dtype)
            if arr.shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(arr.shape)} and "
                                   f"output[0] has a shape of {tuple(out.shape)}.")
            seeds.append(arr.astype(out._data.dtype, copy=False))
    return seeds


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    """Accumulate ∂tensors/∂leaf into ``leaf.grad`` for every leaf that requires grad."""
    outputs = _as_tuple(tensors)
    seeds = _seeds(outputs, grad_tensors, "backward")
    roots = [o._edge() for o in outputs]
    if create_graph:
        return _backward_graph(roots, seeds, outputs, grad_tensors, retain_graph, inputs)
    if inputs is not None:
        only = _as_tuple(inputs)
        capture = {t._edge(): None for t in only}
        with _function.quiet_numpy():
            run_backward(roots, seeds, bool(retain_graph), capture=capture, accumulate=False)
        from .engine import _accumulate_into
        for t in only:
            g = capture[t._edge()]
            if g is not None:
                _accumulate_into(t, np.array(g), set())   # a private copy: captures may share arrays
        return
    with _function.quiet_numpy():    # PyTorch's backward prints no NumPy RuntimeWarnings
        run_backward(roots, seeds, bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool = False, materialize_grads: bool = False):
    """Return ∂outputs/∂inputs (a tuple, one per input) without touching any ``.grad``."""
    Tensor = _function._Tensor[0]
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seeds(outputs, grad_outputs, "grad")
    capture = {t._edge(): None for t in inputs}
    if create_graph:
        from .higher import run_backward_graph
        seeds = _graph_seeds(seeds, grad_outputs)
        run_backward_graph([o._edge() for o in outputs], seeds, retain_graph is not False, capture=capture,
                           accumulate=False)
        return _graph_result(inputs, capture, allow_unused, materialize_grads)
    with _function.quiet_numpy():
        run_backward([o._edge() for o in outputs], seeds, bool(retain_graph), capture=capture, accumulate=False)
    result = []
    for t in inputs:
        g = capture[t._edge()]
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        result.append(None if g is None else Tensor._make(np.array(g)))
    return tuple(result)


def _graph_seeds(seeds, grad_outputs):
    """With create_graph=True a given grad_output keeps its graph (the gradient is differentiable in it)."""
    Tensor = _function._Tensor[0]
    given = _as_tuple(grad_outputs) or (None,) * len(seeds)
    return [g if isinstance(g, Tensor) and g._data.shape == s.shape and g._data.dtype == s.dtype
            else Tensor._make(s) for s, g in zip(seeds, given)]


def _backward_graph(roots, seeds, outputs, grad_tensors, retain_graph, inputs):
    """``backward(create_graph=True)``: leaf ``.grad`` becomes a Tensor with its own graph."""
    from .higher import run_backward_graph
    seeds = _graph_seeds(seeds, grad_tensors)
    keep = retain_graph is not False         # PyTorch: retain_graph defaults to create_graph
    if inputs is None:
        run_backward_graph(roots, seeds, keep)
        return None
    only = _as_tuple(inputs)
    capture = {t._edge(): None for t in only}
    run_backward_graph(roots, seeds, keep, capture=capture, accumulate=False)
    for t in only:
        g = capture[t._edge()]
        if g is not None:
            t._grad = g if t._grad is None else t._grad + g
    return None


def _graph_result(inputs, capture, allow_unused, materialize_grads):
    Tensor = _function._Tensor[0]
    result = []
    for t in inputs:
        g = capture[t._edge()]
        if g is None:
            if materialize_grads:
                g = Tensor._make(np.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


from .gradcheck import gradcheck, gradgradcheck, numerical_gradient  # noqa: E402
from . import functional  # noqa: E402,F401
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled  # noqa: E402

__all__ = ["Function", "Node", "AccumulateGrad", "backward", "grad", "gradcheck", "gradgradcheck",
           "numerical_gradient", "functional",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]
