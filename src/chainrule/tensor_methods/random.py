"""Random fills and draws on a tensor: ``uniform_``, ``normal_``, ``bernoulli_``, ``exponential_``, ``random_``,
``log_normal_``, ``cauchy_``, ``geometric_``, ``bernoulli``, ``multinomial`` — PyTorch's algorithms and stream (``chainrule.random.distributions``).

    >>> chainrule.manual_seed(0); chainrule.empty(3).uniform_(-1, 1)   # tensor([-0.0075,  0.5364, -0.8230])
"""
from __future__ import annotations

import numpy as np

Tensor = None  # bound by tensor_methods.bind()


def _D():
    from ..random import distributions
    return distributions


def _gen(generator):
    from ..random import resolve
    return resolve(generator)


def _check_float(t, name: str) -> None:
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}" not implemented for \'{_type_name(t)}\'')


def _type_name(t) -> str:
    """PyTorch's scalar-type word for the dtype ('Long', 'Int', 'Float' …), as its kernel errors name it."""
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "float16": "Half", "float32": "Float", "float64": "Double"}[t._data.dtype.name]


class RandomMixin:
    """Methods that draw from a ``chainrule.Generator`` (the global one unless ``generator=`` is given)."""

    __slots__ = ()

    def _fill_random(self, draw, name: str):
        """Write ``draw(shape)`` into this tensor, in the order PyTorch visits its elements (memory order)."""
        values = _D().fill_like(self._data, draw)
        values = np.asarray(values).astype(self._data.dtype, copy=False)
        return self._in_place(lambda: Tensor._make(np.ascontiguousarray(values)), name)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Fill with U[a, b): float32 x = 24 random bits·2⁻²⁴, v = fma(x, b − a, a)."""
        _check_float(self, "check_uniform_bounds")
        if not a <= b:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
        g, dt = _gen(generator), self._data.dtype
        return self._fill_random(lambda shape: _D().uniform(g, shape, dt, float(a), float(b)), "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fill with N(mean, std²) (Box–Muller; blocks of 16 from 16 elements on)."""
        _check_float(self, "normal_kernel_cpu")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        g, dt, contiguous = _gen(generator), self._data.dtype, self._data.flags.c_contiguous
        return self._fill_random(lambda shape: _D().normal(g, shape, dt, mean, std, contiguous), "normal_")

    def exponential_(self, lambd=1.0, generator=None):
        """Fill with Exp(λ): −(1/λ)·log1p(−u)."""
        if self._data.dtype.kind != "f":
            raise RuntimeError(f"Exponential distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {_type_name(self)}")
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        g, dt = _gen(generator), self._data.dtype
        return self._fill_random(lambda shape: _D().exponential(g, shape, dt, lambd), "exponential_")

    def random_(self, from_=None, to=None, *, generator=None, **kw):
        """``random_()``: [0, 2^mantissa] (floats) or [0, max] (integers); ``random_(to)``: [0, to);
        ``random_(from, to)``: [from, to)."""
        from_ = kw.pop("from", from_)
        if kw:
            raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
        g, dt = _gen(generator), self._data.dtype
        if from_ is None and to is None:
            return self._fill_random(lambda shape: _D().random_full(g, shape, dt), "random_")
        if to is None and from_ is not None and not isinstance(from_, bool):
            from_, to = 0, from_
        if to is None:
            top = (1 << (np.finfo(dt).nmant + 1)) if dt.kind == "f" else int(np.iinfo(dt).max) if dt.kind in "iu" else 1
            to = top + 1
        if not from_ < to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        return self._fill_random(lambda shape: _D().random_from_to(g, shape, dt, int(from_), int(to)), "random_")

    def log_normal_(self, mean=1.0, std=2.0, generator=None):
        """Fill with exp(N(mean, std²)) (one element at a time, sharing the cached normal sample)."""
        _check_float(self, "log_normal_cpu")
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        g, dt = _gen(generator), self._data.dtype
        return self._fill_random(lambda shape: _D().log_normal(g, shape, dt, mean, std), "log_normal_")

    def cauchy_(self, median=0.0, sigma=1.0, generator=None):
        """Fill with Cauchy(median, σ): median + σ·tan(π(u − ½))."""
        if self._data.dtype.kind != "f":
            c_name = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                      "uint8": "unsigned char", "bool": "bool"}[self._data.dtype.name]     # torch names the C type
            raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {c_name}")
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        g, dt = _gen(generator), self._data.dtype
        return self._fill_random(lambda shape: _D().cauchy(g, shape, dt, median, sigma), "cauchy_")

    def geometric_(self, p, generator=None):
        """Fill with Geometric(p) on {1, 2, …}: ⌈ln u / ln(1 − p)⌉."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        g, dt = _gen(generator), self._data.dtype
        return self._fill_random(lambda shape: _D().geometric(g, shape, dt, p), "geometric_")

    def bernoulli_(self, p=0.5, generator=None):
        """Fill with 1 where a uniform < p (p a number, or a tensor broadcast to this one), else 0."""
        g, dt = _gen(generator), self._data.dtype
        if isinstance(p, Tensor):
            a = self._data                       # p is visited in the same order as this tensor
            order = tuple(range(a.ndim)) if a.flags.c_contiguous or a.ndim < 2 else _D().memory_order(a)
            p_visit = np.broadcast_to(p._data, a.shape).transpose(order)
            return self._fill_random(lambda shape: _D().bernoulli_tensor(g, p_visit, shape, dt), "bernoulli_")
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return self._fill_random(lambda shape: _D().bernoulli_scalar(g, shape, dt, float(p)), "bernoulli_")

    def bernoulli(self, p=None, generator=None):
        """A new tensor of 0/1 draws with probabilities ``self`` (or the number ``p``)."""
        if p is None:
            if self._data.dtype.kind != "f":
                raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{_type_name(self)}\'')
            if ((self._data < 0) | (self._data > 1)).any():
                raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
            return Tensor._make(_D().bernoulli_tensor(_gen(generator), self._data, self._data.shape, self._data.dtype))
        return Tensor._make(np.empty_like(self._data)).bernoulli_(p, generator)

    def multinomial(self, num_samples, replacement=False, generator=None):
        """Indices drawn from each row's (unnormalised) probabilities; see ``chainrule.multinomial``."""
        probs = self._data
        if probs.ndim not in (1, 2):
            raise RuntimeError("prob_dist must be 1 or 2 dim")
        if probs.dtype.kind != "f":
            raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                               f"{_type_name(self)}")
        if num_samples <= 0:
            raise RuntimeError("cannot sample n_sample <= 0 samples")
        if not replacement and num_samples > probs.shape[-1]:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if (probs < 0).any():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if not np.isfinite(probs).all():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (probs.reshape(-1, probs.shape[-1]).sum(-1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        return Tensor._make(_D().multinomial(_gen(generator), probs, int(num_samples), bool(replacement)))
