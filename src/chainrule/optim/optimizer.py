"""``Optimizer``: the base every update rule shares — parameter groups, per-parameter state, ``zero_grad``,
``state_dict`` / ``load_state_dict`` in PyTorch's format.

A subclass only writes ``_update(group, p, grad, state)``: one parameter's update, on NumPy arrays, in
place.  The base runs it under ``no_grad`` for every parameter that has a gradient and bumps the
parameter's version counter, so a graph that saved the old values refuses to backprop through them.

    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> opt.zero_grad(); loss.backward(); opt.step()
    >>> opt.state_dict()
    {'state': {}, 'param_groups': [{'lr': 0.1, ..., 'params': [0, 1, 2, 3]}]}
"""
from __future__ import annotations

import copy
import warnings
from collections import defaultdict

import numpy as np

from ..autograd.function import RemovableHandle
from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _type_name(obj) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts with ``'params'`` and the options) and ``state``."""

    #: per-parameter state has the parameter's shape (LBFGS keeps flat vectors of all parameters instead)
    _state_shaped_like_params = True

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self._step_pre_hooks: dict = {}
        self._step_post_hooks: dict = {}
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_type_name(params)} (pass model.parameters() or [tensor])")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add ``{'params': [...], 'lr': ...}``; options it leaves out take the optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_type_name(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        param_group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_type_name(p)}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor (it was computed from other tensors; "
                                 "optimize the leaf tensors it came from, or use .detach().requires_grad_())")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error", stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in param_group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set each ``p.grad`` to ``None`` (default) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    g = p._grad
                    g.grad_fn = None
                    g._requires_grad = False
                    if g._data.flags.writeable:
                        g._data.fill(0)          # in place, as PyTorch: views of the gradient see the zeros
                    else:
                        g._data = np.zeros_like(g._data)
                    g._vc.value += 1

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs before each ``step`` (e.g. to copy the old parameters)."""
        handle = RemovableHandle(self._step_pre_hooks)
        self._step_pre_hooks[handle._key] = hook
        return handle

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after each ``step`` (e.g. to record the update)."""
        handle = RemovableHandle(self._step_post_hooks)
        self._step_post_hooks[handle._key] = hook
        return handle

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (optional) re-evaluates and returns the loss."""
        if not (self._step_pre_hooks or self._step_post_hooks):    # the common case: no hook to hand args to
            return self._step(closure)
        args, kwargs = (), ({} if closure is None else {"closure": closure})
        for hook in list(self._step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"optimizer step pre-hook must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {result!r}")
                args, kwargs = result
        closure = kwargs.get("closure", args[0] if args else None)
        loss = self._step(closure)
        for hook in list(self._step_post_hooks.values()):
            hook(self, args, kwargs)
        return loss

    def _step(self, closure):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p._grad is None:
                        continue
                    if not p._data.flags.writeable:
                        p._data = p._data.copy()
                    self._update(group, p, p._grad._data, self.state[p])
                    p._vc.value += 1
        return loss

    def _update(self, group: dict, p: Tensor, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------------------ state helpers
    @staticmethod
    def _new_step() -> Tensor:
        """PyTorch keeps ``state['step']`` as a 0-d float tensor (float64 when that is the default dtype)."""
        from ..dtypes import get_default_dtype
        dt = np.float64 if get_default_dtype().np == np.float64 else np.float32
        return Tensor._make(np.zeros((), dtype=dt))

    @staticmethod
    def _bump_step(state: dict) -> float:
        step = state["step"]
        step._data = step._data + 1
        return float(step._data)

    @staticmethod
    def _zeros_like(p: Tensor) -> Tensor:
        return Tensor._make(np.zeros_like(p._data))

    # ------------------------------------------------------------------------------ (de)serialising
    def state_dict(self) -> dict:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` (copies, not aliases)."""
        index: dict[int, int] = {}
        groups = []
        start = 0
        for g in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in g.items() if k != "params"}
            for i, p in enumerate(g["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in g["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) else p
            state[key] = {k: (Tensor._make(v._data.copy()) if isinstance(v, Tensor) else copy.deepcopy(v))
                          for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore ``state_dict()`` output (ours or PyTorch's, tensors converted) into this optimizer.

        The saved groups must match ours in number and size; parameters are matched by position.
        Floating state is cast to each parameter's dtype (``step`` keeps its own).
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state dict must be a dict with 'state' and 'param_groups' entries "
                             "(what optimizer.state_dict() returns)")
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} saved, {len(groups)} in this optimizer)")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group (group {i}: {len(s['params'])} saved parameters, "
                                 f"{len(g['params'])} here)")
        id_map = {}
        for g, s in zip(groups, saved_groups):
            for saved_id, p in zip(s["params"], g["params"]):
                id_map[saved_id] = p

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k not in id_map:
                try:
                    k2 = int(k)
                except (TypeError, ValueError):
                    k2 = None
                if k2 in id_map:
                    k = k2
            if k in id_map:
                p = id_map[k]
                state[p] = {name: _cast_state(p, name, value, self._state_shaped_like_params)
                            for name, value in v.items()}
            else:
                state[k] = v
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
        self.state = state
        self.param_groups = saved_groups

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_step_pre_hooks", {})
        self.__dict__.setdefault("_step_post_hooks", {})

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"


def _cast_state(p: Tensor, name: str, value, shaped_like_param: bool = True):
    """A copy of one saved state entry, as a chainrule tensor of the parameter's dtype (``step`` as saved);
    ``shaped_like_param``: refuse an entry whose shape is not the parameter's (a state dict of another model)."""
    arr = None
    if isinstance(value, Tensor):
        arr = value._data
    elif isinstance(value, np.ndarray):
        arr = value
    elif hasattr(value, "detach") and hasattr(value, "numpy"):   # a torch tensor
        arr = value.detach().cpu().numpy()
    if arr is None:
        return copy.deepcopy(value)
    if name == "step":
        return Tensor._make(np.array(arr, dtype=arr.dtype if arr.dtype.kind == "f" else np.float32))
    if shaped_like_param and name != "step" and arr.shape != p._data.shape:
        raise ValueError(f"optimizer state '{name}' has shape {tuple(arr.shape)} but its parameter has shape "
                         f"{tuple(p._data.shape)}: the state dict belongs to a different model")
    out = np.array(arr, dtype=p._data.dtype if p._data.dtype.kind == "f" else arr.dtype, copy=True)
    return Tensor._make(out)


def lerp_(a: np.ndarray, b: np.ndarray, weight: float) -> None:
    """``a += weight·(b − a)`` in place, with PyTorch's two-sided formula (exact at weight 0 and 1)."""
    if weight < 0.5:
        a += weight * (b - a)
    else:
        np.subtract(b, (b - a) * (1 - weight), out=a)
