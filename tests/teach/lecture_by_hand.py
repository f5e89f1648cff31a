"""The lecture's step worked by a person who writes every number to d decimals (no chainrule inside).

``work(d, rounding)`` follows the lecture's own order of steps: each number is computed from the numbers
written before it, then written down with ``rounding(value, d)``.  Different people round differently
(half away from zero, truncating, or rounding up), which is what the checker's band must allow for.
"""
from __future__ import annotations

import math

W = {"W1": 0.4352, "W2": 0.3545, "W3": 0.1951, "W4": 0.4835, "W5": -0.1725, "W6": 0.1129}
B = {"b1": -0.1419, "b2": 0.0439, "b3": -0.3043}
X = (1.0, 1.0)


def nearest(v, d):
    q = 10 ** d
    return math.copysign(math.floor(abs(v) * q + 0.5), v) / q


def truncate(v, d):
    q = 10 ** d
    return math.copysign(math.floor(abs(v) * q), v) / q


def away(v, d):
    q = 10 ** d
    return math.copysign(math.ceil(abs(v) * q - 1e-12), v) / q


def sig(z):
    return 1 / (1 + math.exp(-z))


def work(d, rounding):
    """{name: value as written} of the lecture's step; ``rounding``: a function (v, d) -> v, or a list
    of them, one per written number (cycled)."""
    seq = rounding if isinstance(rounding, (list, tuple)) else [rounding]
    k = [0]

    def R(v):
        f = seq[k[0] % len(seq)]
        k[0] += 1
        return f(v, d)
    s = {}
    w = {n: R(v) for n, v in W.items()}
    b = {n: R(v) for n, v in B.items()}
    x1, x2 = X
    s["z1"] = R(w["W1"] * x1 + w["W2"] * x2 + b["b1"])
    s["z2"] = R(w["W3"] * x1 + w["W4"] * x2 + b["b2"])
    s["σ1"] = R(sig(s["z1"]))
    s["σ2"] = R(sig(s["z2"]))
    s["z3"] = R(w["W5"] * s["σ1"] + w["W6"] * s["σ2"] + b["b3"])
    s["σ3"] = R(sig(s["z3"]))
    s["L"] = R(-math.log(1 - s["σ3"]))
    s["dL/dσ3"] = R(1 / (1 - s["σ3"]))
    s["dσ3/dz3"] = R(s["σ3"] * (1 - s["σ3"]))
    s["dL/dz3"] = R(s["dL/dσ3"] * s["dσ3/dz3"])
    s["dL/dW5"] = R(s["dL/dz3"] * s["σ1"])
    s["dL/dW6"] = R(s["dL/dz3"] * s["σ2"])
    s["W5(2)"] = R(w["W5"] - s["dL/dW5"])
    s["W6(2)"] = R(w["W6"] - s["dL/dW6"])
    s["b3(2)"] = R(b["b3"] - s["dL/dz3"])
    s["dL/dσ1"] = R(s["dL/dz3"] * w["W5"])
    s["dL/dσ2"] = R(s["dL/dz3"] * w["W6"])
    s["dσ1/dz1"] = R(s["σ1"] * (1 - s["σ1"]))
    s["dσ2/dz2"] = R(s["σ2"] * (1 - s["σ2"]))
    s["dL/dz1"] = R(s["dL/dσ1"] * s["dσ1/dz1"])
    s["dL/dz2"] = R(s["dL/dσ2"] * s["dσ2/dz2"])
    s["dL/dW1"] = R(s["dL/dz1"] * x1)
    s["dL/dW4"] = R(s["dL/dz2"] * x2)
    s["W1(2)"] = R(w["W1"] - s["dL/dW1"])
    s["W4(2)"] = R(w["W4"] - s["dL/dW4"])
    s["b1(2)"] = R(b["b1"] - s["dL/dz1"])
    return s


def fmt(v, d) -> str:
    return f"{v:.{d}f}"
