"""Central-difference gradient checking: ∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, in float64."""
from __future__ import annotations

import numpy as np

from . import function as F
from .grad_mode import no_grad


def numerical_gradient(fn, inputs, eps: float = 1e-6, grad_output=None):
    """Central-difference estimate of ∂⟨grad_output, fn(*inputs)⟩/∂input for each input requiring grad."""
    Tensor = F._Tensor[0]
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    with no_grad():
        out0 = fn(*inputs)
    w = np.ones_like(out0._data) if grad_output is None else np.asarray(grad_output)
    grads = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            grads.append(None)
            continue
        g = np.zeros(t._data.shape, dtype=np.float64)
        flat = t._data.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            with no_grad():
                flat[i] = orig + eps
                plus = float(np.sum(fn(*inputs)._data * w))
                flat[i] = orig - eps
                minus = float(np.sum(fn(*inputs)._data * w))
                flat[i] = orig
            g.reshape(-1)[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """Compare autograd's gradients of ``fn`` with central differences (inputs should be float64).

    Checks every output element's vector-Jacobian product with a random weighting, so non-scalar
    outputs are covered.  Returns True, or raises (``raise_exception``) naming the input and the
    largest disagreement.
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
    out = fn(*inputs)
    rng = np.random.default_rng(0)
    w = rng.standard_normal(out._data.shape).astype(out._data.dtype)
    analytic = autograd_grad(out, diff_inputs, grad_outputs=Tensor._make(w), allow_unused=True)
    numeric = numerical_gradient(fn, inputs, eps=eps, grad_output=w)
    numeric = [n for n in numeric if n is not None]
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.zeros_like(n) if a is None else a._data.astype(np.float64)
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            err = np.max(np.abs(a - n))
            if raise_exception:
                raise RuntimeError(f"Jacobian mismatch for output 0 with respect to input {k},\n"
                                   f"numerical:{n}\nanalytical:{a}\nlargest difference {err:.3g}")
            return False
    return True
