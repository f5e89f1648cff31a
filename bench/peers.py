"""The other engines in the benchmark, each written as its own documentation teaches: the same network,
the same initial weights and data, the same loss and update as ``numpy_reference``.

* **micrograd** (Karpathy's scalar engine, W1 only: one ``Value`` per number).  It has no ``exp`` or
  ``log``; σ and the BCE's log are added the way its own ops are written (a ``Value`` with a
  ``_backward`` closure), so the graph and the update are micrograd's.
* **MyGrad** (``mygrad.Tensor``; ``mygrad.nnet`` for σ, ReLU and softmax cross-entropy).
* **HIPS autograd** (``autograd.grad`` of a loss written in ``autograd.numpy``; the update by hand).

``make(name, workload)`` returns ``(step_or_epoch, get_params)`` like ``bench/run.py``'s ``Workload.make``,
or None where that engine is not installed or has no sensible form of the workload.
"""
from __future__ import annotations

import importlib.util
import math

import numpy as np

PEERS = ("micrograd", "mygrad", "autograd")


def installed() -> list:
    return [p for p in PEERS if importlib.util.find_spec(p) is not None]


def make(name: str, w):
    return {"micrograd": _micrograd, "mygrad": _mygrad, "autograd": _autograd}[name](w)


# ------------------------------------------------------------------------------------------ micrograd
def _micrograd(w):
    if w.name != "W1":
        return None        # one Python object per number: a 64-128-64-10 epoch would take minutes
    from micrograd.engine import Value

    def sigmoid(v):
        s = 1 / (1 + math.exp(-v.data)) if v.data >= 0 else math.exp(v.data) / (1 + math.exp(v.data))
        out = Value(s, (v,), "sigmoid")

        def _backward():
            v.grad += s * (1 - s) * out.grad
        out._backward = _backward
        return out

    def log(v):
        out = Value(max(math.log(v.data), -100.0) if v.data > 0 else -100.0, (v,), "log")

        def _backward():
            v.grad += (1 / v.data if v.data > math.exp(-100) else 0.0) * out.grad
        out._backward = _backward
        return out

    W1 = [[Value(float(c)) for c in row] for row in w.params0[0]]
    b1 = [Value(float(c)) for c in w.params0[1]]
    W2 = [[Value(float(c)) for c in row] for row in w.params0[2]]
    b2 = [Value(float(c)) for c in w.params0[3]]
    params = [v for row in W1 for v in row] + b1 + [v for row in W2 for v in row] + b2
    x = [float(c) for c in w.x[0]]
    t = float(w.y[0, 0])
    lr = 1.0

    def step():
        h = [sigmoid(sum((wi * xi for wi, xi in zip(row, x)), b)) for row, b in zip(W1, b1)]
        p = sigmoid(sum((wi * hi for wi, hi in zip(W2[0], h)), b2[0]))
        loss = -(t * log(p) + (1 - t) * log(1 - p))
        for q in params:
            q.grad = 0.0
        loss.backward()
        for q in params:
            q.data -= lr * q.grad
        return loss

    def get():
        vals = [q.data for q in params]
        return [np.array(vals[0:4]).reshape(2, 2), np.array(vals[4:6]), np.array(vals[6:8]).reshape(1, 2),
                np.array(vals[8:9])]
    return step, get


# --------------------------------------------------------------------------------------------- MyGrad
def _mygrad(w):
    import mygrad as mg
    from mygrad.nnet.activations import relu, sigmoid
    from mygrad.nnet.losses import softmax_crossentropy

    params = [mg.Tensor(p.copy()) for p in w.params0]

    def forward(x, sizes_act):
        h = x
        n = len(params) // 2
        for i in range(n):
            h = mg.matmul(h, params[2 * i].T) + params[2 * i + 1]
            if i < n - 1 or sizes_act == "sigmoid":
                h = sigmoid(h) if sizes_act == "sigmoid" else relu(h)
        return h

    def sgd(lr, momentum=0.0, bufs=None):
        for k, p in enumerate(params):
            g = p.grad
            if momentum:
                bufs[k] = g.copy() if bufs[k] is None else bufs[k] * momentum + g
                g = bufs[k]
            p.data -= lr * g
            p.null_grad()

    if w.name == "W1":
        x, y = w.x, w.y

        def step():
            p = forward(x, "sigmoid")
            loss = -mg.mean(y * mg.maximum(mg.log(p), -100) + (1 - y) * mg.maximum(mg.log(1 - p), -100))
            loss.backward()
            sgd(1.0)
        return step, lambda: [p.data for p in params]
    if w.name == "W2":
        bufs = [None] * len(params)

        def epoch():
            for xb, yb in w.batches:
                softmax_crossentropy(forward(xb, "relu"), yb).backward()
                sgd(0.05, 0.9, bufs)
        return epoch, lambda: [p.data for p in params]

    def step3():
        softmax_crossentropy(forward(w.x, "relu"), w.labels).backward()
        sgd(0.01)
    return step3, lambda: [p.data for p in params]


# --------------------------------------------------------------------------------------- HIPS autograd
def _autograd(w):
    import autograd.numpy as anp
    from autograd import grad

    params = [p.copy() for p in w.params0]

    def mlp(ps, x, act):
        h = x
        n = len(ps) // 2
        for i in range(n):
            h = anp.dot(h, ps[2 * i].T) + ps[2 * i + 1]
            if act == "sigmoid":
                h = 0.5 * (anp.tanh(0.5 * h) + 1)           # σ without overflow, in autograd.numpy
            elif i < n - 1:
                h = anp.maximum(h, 0)
        return h

    def bce(ps, x, y):
        p = mlp(ps, x, "sigmoid")
        return -anp.mean(y * anp.maximum(anp.log(p), -100) + (1 - y) * anp.maximum(anp.log(1 - p), -100))

    def ce(ps, x, labels):
        z = mlp(ps, x, "relu")
        m = anp.max(z, axis=1, keepdims=True)
        logp = z - m - anp.log(anp.sum(anp.exp(z - m), axis=1, keepdims=True))
        return -anp.mean(logp[anp.arange(x.shape[0]), labels])

    def sgd(gs, lr, momentum=0.0, bufs=None):
        for k, (p, g) in enumerate(zip(params, gs)):
            if momentum:
                bufs[k] = g.copy() if bufs[k] is None else bufs[k] * momentum + g
                g = bufs[k]
            p -= lr * g

    if w.name == "W1":
        d = grad(bce)
        return (lambda: sgd(d(params, w.x, w.y), 1.0)), lambda: params
    d = grad(ce)
    if w.name == "W2":
        bufs = [None] * len(params)

        def epoch():
            for xb, yb in w.batches:
                sgd(d(params, xb, yb), 0.05, 0.9, bufs)
        return epoch, lambda: params
    return (lambda: sgd(d(params, w.x, w.labels), 0.01)), lambda: params
