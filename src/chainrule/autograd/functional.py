"""``torch.autograd.functional``: Jacobians, Hessians and their products for a function of tensors.

For ``f: inputs ↦ outputs``:
  * ``vjp(f, x, v)``  = vᵀ·J       (one backward pass);
  * ``jvp(f, x, v)``  = J·v        (two: u ↦ uᵀJ is linear in u, so J·v = ∂(uᵀJ·v)/∂u, the
    "double-backward trick" PyTorch uses);
  * ``jacobian(f, x)`` = J, shape ``out.shape + in.shape`` (one backward per output element);
  * ``hessian(f, x)`` = ∂²f/∂x², shape ``in.shape + in.shape`` (the Jacobian of the gradient);
  * ``vhp(f, x, v)`` = vᵀ·H,  ``hvp(f, x, v)`` = H·v (H symmetric: the same numbers).
Example::

    >>> import chainrule as torch
    >>> from chainrule.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])

As in PyTorch, the inputs are differentiated as fresh leaves, results are detached unless
``create_graph=True``, and ``strict=True`` refuses an output that does not depend on an input.
"""
from __future__ import annotations

import numpy as np

from . import function as _F
from .grad_mode import enable_grad


def _Tensor():
    return _F._Tensor[0]


def _as_tuple(x, what: str, fn_name: str):
    Tensor = _Tensor()
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"{what}[{i}]" if is_tuple else what
            raise TypeError(f"The {where} given to {fn_name} must be a Tensor (or a tuple of Tensors), "
                            f"but got {type(t).__name__}.")
    return is_tuple, items


def _prepare(inputs, create_graph: bool):
    """Fresh leaves standing for the inputs (views that keep the graph when create_graph is set)."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _finish(values, create_graph: bool):
    Tensor = _Tensor()
    if isinstance(values, tuple):
        return tuple(_finish(v, create_graph) for v in values)
    if values is None or not isinstance(values, Tensor):
        return values
    return values if create_graph else values.detach()


def _grads(outputs, inputs, grad_outputs, create_graph: bool, strict: bool, fn_name: str):
    """∂⟨grad_outputs, outputs⟩/∂inputs; zeros (or a strict-mode error) where an input is unused."""
    from . import grad as autograd_grad
    Tensor = _Tensor()
    diff_out = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if diff_out:
        gs = autograd_grad([o for o, _ in diff_out], inputs, grad_outputs=[g for _, g in diff_out],
                           create_graph=create_graph, retain_graph=True, allow_unused=True)
    else:
        gs = (None,) * len(inputs)
    result = []
    for i, (g, x) in enumerate(zip(gs, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                   f"This is not allowed in strict mode ({fn_name}).")
            g = Tensor._make(np.zeros_like(x._data))
        result.append(g)
    return tuple(result)


def _check_v(v, like, fn_name: str, what: str):
    if v is None:
        if len(like) != 1 or like[0]._data.size != 1:
            raise RuntimeError(f"The vector v can only be None if the {what} of the user-provided function "
                               f"is a single Tensor with a single element ({fn_name}).")
        return (_Tensor()._make(np.ones_like(like[0]._data)),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(f"v has {len(vs)} tensors but the {what} has {len(like)} ({fn_name}).")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {list(b.shape)} but got "
                               f"{list(a.shape)} ({fn_name}).")
    return vs


def _call(func, inputs, fn_name: str):
    out = func(*inputs)
    is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", fn_name)
    return is_tuple, outs


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(f(inputs), vᵀ·J): the vector-Jacobian product of ``func`` at ``inputs``."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _call(func, xs, "vjp")
        vs = _check_v(v, outs, "vjp", "output")
        res = _grads(outs, xs, vs, create_graph, strict, "vjp")
    outs, res = _finish(outs, create_graph), _finish(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if in_tuple else res[0])


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(f(inputs), J·v): the Jacobian-vector product, by differentiating u ↦ uᵀJ (linear in u) along v."""
    Tensor = _Tensor()
    in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    vs = _check_v(v, xs, "jvp", "input")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _call(func, xs, "jvp")
        us = tuple(Tensor._make(np.zeros_like(o._data)).requires_grad_(True) for o in outs)
        gx = _grads(outs, xs, us, True, strict, "jvp")
        pairs = [(g, w) for g, w in zip(gx, vs) if g.requires_grad]
        if pairs:
            from . import grad as autograd_grad
            res = autograd_grad([g for g, _ in pairs], us, grad_outputs=[w for _, w in pairs],
                                create_graph=create_graph, allow_unused=True)
        else:
            res = (None,) * len(us)
        res = tuple(Tensor._make(np.zeros_like(o._data)) if r is None else r for r, o in zip(res, outs))
    outs, res = _finish(outs, create_graph), _finish(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if out_tuple else res[0])


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """J[i…, j…] = ∂out[i…]/∂in[j…], one backward pass per output element (``strategy='forward-mode'``
    gives the same numbers, one J·v per input element)."""
    from . import grad as autograd_grad
    Tensor = _Tensor()
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f'Expected strategy to be either "forward-mode" or "reverse-mode", got {strategy!r}.')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is "
                                  "only implemented for `vectorize=True`.")
    in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _call(func, xs, "jacobian")
        table = []
        for k, out in enumerate(outs):
            n = out._data.size
            rows = [[] for _ in xs]
            for idx in range(n):
                if out.requires_grad:
                    flat = out.reshape(-1)[idx]
                    gs = autograd_grad(flat, xs, retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    gs = (None,) * len(xs)
                for j, (g, x) in enumerate(zip(gs, xs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {k} of the user-provided function is independent of "
                                               f"input {j}. This is not allowed in strict mode.")
                        g = Tensor._make(np.zeros_like(x._data))
                    rows[j].append(g)
            per_input = []
            for j, x in enumerate(xs):
                from ..functions import stack
                if rows[j]:
                    jac = stack(rows[j]).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    jac = Tensor._make(np.zeros(tuple(out.shape) + tuple(x.shape), dtype=x._data.dtype))
                per_input.append(jac)
            table.append(tuple(per_input))
    table = _finish(tuple(table), create_graph)
    if not out_tuple and not in_tuple:
        return table[0][0]
    if not out_tuple:
        return table[0]
    if not in_tuple:
        return tuple(row[0] for row in table)
    return table


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """H[i…, j…] = ∂²f/∂in[i…]∂in[j…] for a ``func`` returning one element: the Jacobian of its gradient."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*args):
        out_tuple, outs = _call(func, args, "hessian")
        if out_tuple or outs[0]._data.size != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single "
                               "element")
        out = outs[0].reshape(())
        return _grads((out,), args, (_Tensor()._make(np.ones((), dtype=out._data.dtype)),), True, strict,
                      "hessian")

    res = jacobian(gradient, xs, create_graph=create_graph, strict=strict, strategy=outer_jacobian_strategy)
    if not in_tuple:
        return res[0][0]
    return res


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(f(inputs), vᵀ·H): the gradient of ⟨∇f, v⟩."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(f(inputs), H·v); H is symmetric, so it equals ``vhp`` up to rounding."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn_name):
    in_tuple, xs = _as_tuple(inputs, "inputs", fn_name)
    vs = _check_v(v, xs, fn_name, "input")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _call(func, xs, fn_name)
        if out_tuple or outs[0]._data.size != 1:
            raise RuntimeError(f"The function given in {fn_name} should return a Tensor with a single element")
        out = outs[0]
        one = _Tensor()._make(np.ones(out._data.shape, dtype=out._data.dtype))
        gx = _grads((out,), xs, (one,), True, strict, fn_name)
        pairs = [(g, w) for g, w in zip(gx, vs)]
        res = _grads([g for g, _ in pairs], xs, [w for _, w in pairs], create_graph, strict, fn_name)
    out, res = _finish(out, create_graph), _finish(res, create_graph)
    return out, (res if in_tuple else res[0])


__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]
