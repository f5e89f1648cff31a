"""What the explainer knows about each activation and loss: its formula and its local derivative.

Each entry gives the formula as an expression tree (for printing), and the same formula as a NumPy
function.  The functions are used only (1) to evaluate a local factor from values the engine
recorded, which the chain-rule check then compares with autograd, and (2) for ``--hand``, where
every intermediate is recomputed from the rounded numbers a person would carry.
"""
from __future__ import annotations

import numpy as np

from .derivation import Add, Frac, Func, Mul, Neg, Num, Paren, Pow, Rel, Sub, Abs

ONE = Num(1, integer=True)
ZERO = Num(0, integer=True)
TWO = Num(2, integer=True)


def _sigmoid(x):
    with np.errstate(over="ignore"):      # e^(−x) overflows to inf for x ≪ 0, and 1/(1 + inf) is the right 0
        return 1.0 / (1.0 + np.exp(-x))


class Activation:
    kind = ""
    modules = ()

    def __init__(self, **params):
        self.params = params

    def formula(self, z):            # a = f(z), as an expression
        raise NotImplementedError

    def fn(self, z):
        raise NotImplementedError

    def dformula(self, z, a):        # ∂a/∂z in terms of z and/or a
        raise NotImplementedError

    def dfn(self, z, a):
        raise NotImplementedError


class Sigmoid(Activation):
    kind, modules = "sigmoid", ("Sigmoid",)

    def formula(self, z):
        return Frac(ONE, Add((ONE, Func("exp", (Neg(z) if not isinstance(z, Num) else Num(-z.value),)))))

    def fn(self, z):
        return _sigmoid(z)

    def dformula(self, z, a):
        return Mul((a, Paren(Sub(ONE, a))), "juxt")

    def dfn(self, z, a):
        return a * (1 - a)


class Tanh(Activation):
    kind, modules = "tanh", ("Tanh",)

    def formula(self, z):
        return Func("tanh", (z,))

    def fn(self, z):
        return np.tanh(z)

    def dformula(self, z, a):
        return Sub(ONE, Pow(a, TWO))

    def dfn(self, z, a):
        return 1 - a * a


class ReLU(Activation):
    kind, modules = "relu", ("ReLU",)

    def formula(self, z):
        return Func("max", (ZERO, z))

    def fn(self, z):
        return np.maximum(z, 0)

    def dformula(self, z, a):
        return Rel(z, ">", ZERO)

    def dfn(self, z, a):
        return (z > 0).astype(float)


class LeakyReLU(Activation):
    kind, modules = "leaky_relu", ("LeakyReLU",)

    @property
    def slope(self):
        return float(self.params.get("negative_slope", 0.01))

    def formula(self, z):
        return Func("max", (Mul((Num(self.slope), z), "juxt"), z))

    def fn(self, z):
        return np.where(z > 0, z, self.slope * z)

    def dformula(self, z, a):
        s = Num(self.slope)
        return Add((s, Mul((Paren(Sub(ONE, s)), Rel(z, ">", ZERO)), "juxt")))

    def dfn(self, z, a):
        return np.where(z > 0, 1.0, self.slope)


class Softplus(Activation):
    kind, modules = "softplus", ("Softplus",)

    @property
    def beta(self):
        return float(self.params.get("beta", 1.0))

    def formula(self, z):
        if self.beta == 1:
            return Func("log", (Add((ONE, Func("exp", (z,)))),))
        b = Num(self.beta)
        return Mul((Frac(ONE, b), Func("log", (Add((ONE, Func("exp", (Mul((b, z), "juxt"),)))),))), "juxt")

    def fn(self, z):
        return np.logaddexp(0, self.beta * z) / self.beta

    def dformula(self, z, a):
        arg = z if self.beta == 1 else Mul((Num(self.beta), z), "juxt")
        neg = Num(-arg.value) if isinstance(arg, Num) else Neg(arg)
        return Frac(ONE, Add((ONE, Func("exp", (neg,)))))

    def dfn(self, z, a):
        return _sigmoid(self.beta * z)


class Identity(Activation):
    kind, modules = "identity", ("Identity",)

    def formula(self, z):
        return z

    def fn(self, z):
        return z

    def dformula(self, z, a):
        return ONE

    def dfn(self, z, a):
        return np.ones_like(z)


class ELU(Activation):
    """a = z for z > 0, else α(eᶻ − 1); ∂a/∂z = 1 for z > 0, else αeᶻ = a + α."""
    kind, modules = "elu", ("ELU",)

    @property
    def alpha(self):
        return float(self.params.get("alpha", 1.0))

    def _neg_branch(self, z):
        inner = Sub(Func("exp", (z,)), ONE)
        return Paren(inner) if self.alpha == 1 else Mul((Num(self.alpha), Paren(inner)), "juxt")

    def formula(self, z):
        op = "times" if isinstance(z, Num) else "dot"
        return Add((Mul((Rel(z, ">", ZERO), z), op), Mul((Rel(z, "≤", ZERO), self._neg_branch(z)), op)))

    def fn(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def dformula(self, z, a):
        alpha = Num(self.alpha, integer=self.alpha == round(self.alpha))
        op = "times" if isinstance(z, Num) else "dot"
        return Add((Rel(z, ">", ZERO), Mul((Rel(z, "≤", ZERO), Paren(Add((a, alpha)))), op)))

    def dfn(self, z, a):
        return np.where(z > 0, 1.0, a + self.alpha)


def _erf(x):
    import math
    return np.vectorize(math.erf, otypes=[float])(x)


class GELU(Activation):
    """a = z·Φ(z), Φ the standard normal CDF ½(1 + erf(z/√2)); ∂a/∂z = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π)."""
    kind, modules = "gelu", ("GELU",)

    def formula(self, z):
        return Mul((z, Func("Φ", (z,))), "times" if isinstance(z, Num) else "dot")

    def fn(self, z):
        return z * 0.5 * (1 + _erf(np.asarray(z, np.float64) / np.sqrt(2)))

    def dformula(self, z, a):
        return Add((Func("Φ", (z,)), Mul((z, Func("φ", (z,))), "times" if isinstance(z, Num) else "dot")))

    def dfn(self, z, a):
        z = np.asarray(z, np.float64)
        return 0.5 * (1 + _erf(z / np.sqrt(2))) + z * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


class SiLU(Activation):
    """a = z·σ(z) = z / (1 + e^(−z)); ∂a/∂z = σ(z)(1 + z(1 − σ(z)))."""
    kind, modules = "silu", ("SiLU",)

    def formula(self, z):
        return Frac(z, Add((ONE, Func("exp", (Neg(z) if not isinstance(z, Num) else Num(-z.value),)))))

    def fn(self, z):
        return z * _sigmoid(z)

    def dformula(self, z, a):
        s = Func("σ", (z,))
        return Mul((s, Paren(Add((ONE, Mul((z, Paren(Sub(ONE, s))), "juxt"))))), "juxt")

    def dfn(self, z, a):
        s = _sigmoid(z)
        return s * (1 + z * (1 - s))


ACTIVATIONS = {m: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Softplus, Identity, ELU, GELU, SiLU)
               for m in cls.modules}


ACTIVATION_PARAMS = ("negative_slope", "beta", "threshold", "alpha", "approximate")


def activation_for(module) -> Activation | None:
    """The explainer's view of an activation module, or None when it is not one it knows."""
    cls = ACTIVATIONS.get(type(module).__name__)
    if cls is None:
        return None
    params = {k: getattr(module, k) for k in ACTIVATION_PARAMS if hasattr(module, k)}
    if cls is GELU and params.get("approximate", "none") != "none":
        from .errors import UnsupportedModel
        raise UnsupportedModel(f"GELU(approximate={params['approximate']!r}) is not supported by chainrule explain: "
                               f"use GELU() (the exact z·Φ(z))")
    return cls(**params)


# -- losses -----------------------------------------------------------------------------------------

class Loss:
    """Per sample n with K outputs o (the network's output) and target t:
    ``ℓ_n`` and ``∂ℓ_n/∂o_k``; the batch loss is ``L = c·Σ_n ℓ_n`` (c = 1/N for mean, 1 for sum)."""
    kind = ""
    module = ""
    logits = False          # True when the loss applies its own sigmoid/softmax to o

    def __init__(self, reduction: str, K: int):
        self.reduction = reduction
        self.K = K
        self.kscale = 1.0 / K if reduction == "mean" else 1.0

    def per_sample(self, o, t):           # [N, K], [N, K] or [N] → [N]
        raise NotImplementedError

    def grad(self, o, t):                 # ∂ℓ_n/∂o  [N, K]
        raise NotImplementedError


def _clamped_log(arg, value):
    """log(arg), or max(log(arg), −100) when ``value`` (a Num) is where PyTorch's BCE clamps the log."""
    if isinstance(value, Num) and value.value <= float(np.exp(-100.0)):
        return Func("max", (Func("log", (arg,)), Num(-100, integer=True)))
    return Func("log", (arg,))


class BCE(Loss):
    kind, module = "bce", "BCELoss"

    def term(self, yhat, y):
        """y·log(ŷ) + (1 − y)·log(1 − ŷ); with numbers, a log PyTorch clamps at −100 is written max(log …, −100)
        (a saturated ŷ = 1.0000 would otherwise read log(1 − 1.0000) = −100 as if it were finite)."""
        return Add((Mul((y, _clamped_log(yhat, yhat)), "dot"),
                    Mul((Paren(Sub(ONE, y)), _clamped_log(Sub(ONE, yhat), None if not isinstance(yhat, Num)
                                                          else Num(1 - yhat.value))), "dot")))

    def per_sample(self, o, t):
        with np.errstate(divide="ignore"):
            lg = np.maximum(np.log(o), -100)
            lg1 = np.maximum(np.log(1 - o), -100)
        return -(t * lg + (1 - t) * lg1).sum(axis=1) * self.kscale

    def dterm(self, yhat, y):
        """∂ℓ/∂ŷ for one output, before the 1/K factor: (ŷ − y) / (ŷ(1 − ŷ)); with a number where PyTorch's
        floor acts, the denominator is written max(ŷ(1 − ŷ), 10⁻¹²), as the kernel computes it."""
        den = Mul((yhat, Paren(Sub(ONE, yhat))), "juxt")
        if isinstance(yhat, Num):
            from ..ops.losses import _EPSILON
            if yhat.value * (1 - yhat.value) < _EPSILON:
                den = Func("max", (den, Num(_EPSILON)))
        return Frac(Sub(yhat, y), den)

    def grad(self, o, t):
        # the same floor as the engine's kernel (PyTorch's float32 1e-12), so a saturated ŷ agrees too
        from ..ops.losses import _EPSILON
        return (o - t) / np.maximum(o * (1 - o), _EPSILON) * self.kscale


class BCEWithLogits(BCE):
    kind, module, logits = "bce_logits", "BCEWithLogitsLoss", True

    def per_sample(self, o, t):
        return (np.logaddexp(0, o) - t * o).sum(axis=1) * self.kscale

    def grad(self, o, t):
        return (_sigmoid(o) - t) * self.kscale


class MSE(Loss):
    kind, module = "mse", "MSELoss"

    def term(self, yhat, y):
        return Pow(Paren(Sub(yhat, y)), TWO)

    def per_sample(self, o, t):
        return ((o - t) ** 2).sum(axis=1) * self.kscale

    def dterm(self, yhat, y):
        return Mul((TWO, Paren(Sub(yhat, y))), "juxt")

    def grad(self, o, t):
        return 2 * (o - t) * self.kscale


class L1(Loss):
    kind, module = "l1", "L1Loss"

    def term(self, yhat, y):
        return Abs(Sub(yhat, y))

    def per_sample(self, o, t):
        return np.abs(o - t).sum(axis=1) * self.kscale

    def dterm(self, yhat, y):
        return Func("sign", (Sub(yhat, y),))

    def grad(self, o, t):
        return np.sign(o - t) * self.kscale


class CrossEntropy(Loss):
    """ℓ = −Σ_k q_k log p_k with p = softmax(o) and the target distribution q: one-hot on the class c
    (then ℓ = −log p_c), the given probabilities, and with label smoothing ε, (1 − ε)q + ε/K.
    ∂ℓ/∂o_k = p_k − q_k."""
    kind, module, logits = "cross_entropy", "CrossEntropyLoss", True

    def __init__(self, reduction: str, K: int, label_smoothing: float = 0.0):
        super().__init__(reduction, K)
        self.kscale = 1.0
        self.smoothing = float(label_smoothing)

    @staticmethod
    def soft(t) -> bool:
        """Probability targets [N, K] rather than class indices [N]."""
        return np.ndim(t) == 2

    def target(self, t, K=None):
        """q [N, K]: the distribution the loss compares p with."""
        K = K or self.K
        if self.soft(t):
            q = np.asarray(t, np.float64)
        else:
            q = np.zeros((len(t), K))
            q[np.arange(len(t)), np.asarray(t, int)] = 1.0
        return q * (1 - self.smoothing) + self.smoothing / K if self.smoothing else q

    @property
    def simple(self) -> bool:
        """Class targets without smoothing: ℓ = −log p_c, written as the post would."""
        return not self.smoothing

    @staticmethod
    def softmax(o):
        e = np.exp(o - o.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def per_sample(self, o, t):
        logp = o - o.max(axis=1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
        return -(self.target(t, o.shape[1]) * logp).sum(axis=1)

    def grad(self, o, t):
        return self.softmax(o) - self.target(t, o.shape[1])


LOSSES = {cls.module: cls for cls in (BCE, BCEWithLogits, MSE, L1, CrossEntropy)}
