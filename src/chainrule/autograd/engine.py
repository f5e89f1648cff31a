"""Reverse-mode differentiation over the recorded graph: ``backward`` and ``grad``.

The algorithm, in four steps:
  1. collect the nodes reachable from the outputs and count, for each, how many consumers will
     send it a gradient (an iterative walk: deep graphs never hit Python's recursion limit);
  2. start from the outputs with the seed gradients (ones for a scalar loss);
  3. take a node whose consumers have all reported, apply its tensor hooks, and call
     ``node.backprop_step(grad)`` — the chain rule's local step — passing each input's share on
     (gradients reaching the same node along several paths are summed: the sum over paths);
  4. at an ``AccumulateGrad`` node, add the gradient into the leaf's ``.grad``.
Unless ``retain_graph`` is set, each node frees its saved values once it has run.
"""
from __future__ import annotations

import numpy as np

from . import function as F
from .function import AccumulateGrad


def _topological_counts(roots) -> dict:
    """Number of incoming gradient contributions for every node reachable from ``roots``."""
    counts = {}
    stack = []
    for r in roots:
        if r not in counts:
            counts[r] = 0
            stack.append(r)
    while stack:
        node = stack.pop()
        for nxt in node.edges:
            if nxt is None:
                continue
            if nxt in counts:
                counts[nxt] += 1
            else:
                counts[nxt] = 1
                stack.append(nxt)
    return counts


def run_backward(roots, seeds, retain_graph: bool, capture=None, accumulate: bool = True):
    """Propagate ``seeds`` (gradients of the ``roots`` nodes' outputs) through the graph.

    ``capture``: optional dict {node: None}; when given, the gradient arriving at each of those
    nodes is stored there (used by ``autograd.grad``), and with ``accumulate=False`` no leaf
    ``.grad`` is touched.
    """
    counts = _topological_counts(roots)
    buffers = {}
    for r, g in zip(roots, seeds):
        buffers[r] = g if r not in buffers else buffers[r] + g
    handed_out = set()  # ids of gradient arrays stored somewhere the user can reach: copy before reuse
    for g in seeds:
        handed_out.add(id(g))
    # a root that another root's graph also reaches waits for that gradient too
    ready = [r for r in dict.fromkeys(roots) if counts[r] == 0]
    while ready:
        node = ready.pop()
        grad = buffers.pop(node)
        if type(node) is AccumulateGrad:
            leaf = node.variable
            if leaf._hooks:
                grad = _run_tensor_hooks(leaf._hooks, grad, handed_out)
            if capture is not None and node in capture:
                capture[node] = grad
            if accumulate and leaf._requires_grad:    # (not after leaf.detach_(): PyTorch leaves .grad alone)
                _accumulate_leaf(leaf, grad, handed_out)
            continue
        if node._pre_hooks:
            grad = _run_tensor_hooks(node._pre_hooks, grad, handed_out)
        if node._retained is not None:   # (PyTorch fills retained grads in autograd.grad() too)
            t = node._retained()
            if t is not None:
                _accumulate_into(t, grad, handed_out)
        if capture is not None and node in capture:
            capture[node] = grad
        grads = node.backprop_step(grad)
        if F._anomaly[0]:
            F._anomaly_backward(node, grads)
        if not retain_graph:
            node.release()
        for nxt, g in zip(node.edges, grads):
            if nxt is None:
                continue
            if g is not None:
                prev = buffers.get(nxt)
                buffers[nxt] = g if prev is None else prev + g
            counts[nxt] -= 1
            if counts[nxt] == 0:
                if nxt in buffers:
                    ready.append(nxt)
                else:  # every path into this node carried no gradient
                    _skip(nxt, counts, buffers, ready)


def _skip(node, counts, buffers, ready):
    """A node that received no gradient at all passes 'nothing' on to its inputs."""
    stack = [node]
    while stack:
        n = stack.pop()
        for nxt in n.edges:
            if nxt is None:
                continue
            counts[nxt] -= 1
            if counts[nxt] == 0:
                (ready.append(nxt) if nxt in buffers else stack.append(nxt))


def _run_tensor_hooks(hooks: dict, grad: np.ndarray, handed_out: set) -> np.ndarray:
    Tensor = F._Tensor[0]
    for hook in tuple(hooks.values()):
        handed_out.add(id(grad))
        new = hook(Tensor._make(grad))
        if new is not None:
            new_arr = new._data if isinstance(new, Tensor) else np.asarray(new)
            if new_arr.shape != grad.shape:
                raise RuntimeError(f"hook returned a gradient of shape {tuple(new_arr.shape)}; expected "
                                   f"{tuple(grad.shape)}")
            grad = new_arr.astype(grad.dtype, copy=False)
            handed_out.add(id(grad))
    return grad


def _accumulate_into(tensor, grad: np.ndarray, handed_out: set) -> None:
    """``tensor.grad += grad`` (creating it the first time, without aliasing another gradient)."""
    Tensor = F._Tensor[0]
    if tensor._grad is None:
        # keep the array only if nothing else can see it: not handed out already (the same array goes
        # to both inputs of an add), not a view of another buffer (reshape/expand backward), writable
        if id(grad) in handed_out or grad.base is not None or not grad.flags.writeable:
            grad = np.array(grad, copy=True)
        handed_out.add(id(grad))
        tensor._grad = Tensor._make(grad)
    else:
        existing = tensor._grad
        if existing._data.shape == grad.shape and existing._data.flags.writeable:
            existing._data += grad
        else:
            existing._data = existing._data + grad


def _accumulate_leaf(leaf, grad: np.ndarray, handed_out: set) -> None:
    """``leaf.grad += grad`` (its tensor hooks have already run), then post-accumulate hooks."""
    _accumulate_into(leaf, grad, handed_out)
    if leaf._post_accumulate_hooks:
        for hook in tuple(leaf._post_accumulate_hooks.values()):
            hook(leaf)
