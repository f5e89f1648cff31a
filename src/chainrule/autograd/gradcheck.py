"""Central-difference gradient checking: ∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, in float64."""
from __future__ import annotations

import numpy as np

from . import function as F
from .grad_mode import no_grad


def _outputs(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _weighted(outputs, weights) -> float:
    """⟨w, f(x)⟩ summed over the float outputs."""
    return float(sum(np.sum(o._data.astype(np.float64) * w) for o, w in zip(outputs, weights) if w is not None))


def numerical_gradient(fn, inputs, eps: float = 1e-6, grad_output=None):
    """Central-difference estimate of ∂⟨grad_output, fn(*inputs)⟩/∂input for each input requiring grad.

    ``grad_output``: one array per output of ``fn`` (or a single array); ones when omitted.
    """
    Tensor = F._Tensor[0]
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    with no_grad():
        outs0 = _outputs(fn(*inputs))
    if grad_output is None:
        weights = [np.ones(o._data.shape) if o._data.dtype.kind == "f" else None for o in outs0]
    else:
        weights = [None if w is None else np.asarray(w) for w in _outputs(grad_output)]
    grads = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            grads.append(None)
            continue
        data = t._data
        g = np.zeros(data.shape, dtype=np.float64)
        for idx in np.ndindex(*data.shape):     # index the array itself: works for non-contiguous views too
            orig = data[idx]
            with no_grad():
                data[idx] = orig + eps
                plus = _weighted(_outputs(fn(*inputs)), weights)
                data[idx] = orig - eps
                minus = _weighted(_outputs(fn(*inputs)), weights)
                data[idx] = orig
            g[idx] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """Compare autograd's gradients of ``fn`` with central differences (inputs should be float64).

    Checks the vector-Jacobian product of every float output with a random weighting, so non-scalar
    and several outputs are covered.  Returns True, or raises (``raise_exception``) naming the input
    and the largest disagreement.
    """
    from . import grad as autograd_grad
    Tensor = F._Tensor[0]
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in diff_inputs:
        if t._data.dtype != np.float64:
            import warnings
            warnings.warn(f"gradcheck: input of dtype {t.dtype} is not float64; finite differences will be "
                          f"inaccurate", UserWarning, stacklevel=2)

    def f_float(*args):
        return tuple(o for o in _outputs(fn(*args)) if o._data.dtype.kind == "f")

    first = f_float(*inputs)
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(o._data.shape).astype(o._data.dtype) if o.requires_grad else None
               for o in first]
    outs = [o for o, w in zip(first, weights) if w is not None]
    if outs:
        analytic = autograd_grad(outs, diff_inputs, grad_outputs=[Tensor._make(w) for w in weights if w is not None],
                                 allow_unused=True)
    else:
        analytic = [None] * len(diff_inputs)
    numeric = numerical_gradient(f_float, inputs, eps=eps, grad_output=weights)
    numeric = [n for n in numeric if n is not None]
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.zeros_like(n) if a is None else a._data.astype(np.float64)
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            err = np.max(np.abs(a - n))
            if raise_exception:
                which = "output 0" if len(outs) == 1 else f"outputs 0-{len(outs) - 1} (weighted together)"
                raise RuntimeError(f"Jacobian mismatch for {which} with respect to input {k},\n"
                                   f"numerical:{n}\nanalytical:{a}\nlargest difference {err:.3g}")
            return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, **_ignored) -> bool:
    """Check second derivatives: ``gradcheck`` of (inputs, v) ↦ ∂⟨v, fn(inputs)⟩/∂inputs, whose own
    gradient runs through the backward recorded with ``create_graph=True``.

    ``grad_outputs`` (v): one tensor per float output of ``fn``; random (float64, requiring grad) when
    omitted, so the check covers the dependence on v too.
    """
    from . import grad as autograd_grad
    Tensor = F._Tensor[0]
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outs = tuple(o for o in _outputs(fn(*inputs)) if o._data.dtype.kind == "f" and o.requires_grad)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                             .requires_grad_(True) for o in outs)
    else:
        grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_derivatives(*args):
        from .grad_mode import enable_grad
        xs, vs = args[:n_in], args[n_in:]
        with enable_grad():     # (finite differences call this under no_grad: the inner gradient still needs a graph)
            ys = tuple(o for o in _outputs(fn(*xs)) if o._data.dtype.kind == "f" and o.requires_grad)
            gs = autograd_grad(ys, [xs[i] for i in diff_idx], grad_outputs=list(vs), create_graph=True,
                               allow_unused=True)
        return tuple(Tensor._make(np.zeros_like(xs[i]._data)) if g is None else g for g, i in zip(gs, diff_idx))

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
