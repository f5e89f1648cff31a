"""The bridge to PyTorch and back: the same model, optimizer and schedule on the other side.

    tmodel = to_torch(model)                          # chainrule.nn.Sequential → torch.nn.Sequential
    topt = optimizer_to_torch(optimizer, model, tmodel)   # SGD/Adam/… with its state (momentum, moments)
    tsched = scheduler_to_torch(scheduler, topt)      # StepLR/OneCycleLR/… where it left off
    model2 = from_torch(tmodel)                       # and back: optimizer_from_torch, scheduler_from_torch

Every module of ``chainrule.nn`` that PyTorch also has converts, containers included: the class of the same
name is built from the module's own attributes (PyTorch's constructor argument names: ``in_features``,
``kernel_size``, ``hidden_size`` …), then the parameters and buffers are copied (``state_dict``, same keys)
in the same dtype, and training/eval mode is kept.  A custom module (a user's own ``nn.Module``
subclass) has no counterpart to build: the error names it and says how to carry its weights over
(``state_dict`` keys match).  Optimizers and schedulers convert by class name with their ``state_dict``.
"""
from __future__ import annotations

import inspect

import numpy as np

#: constructor arguments never read from a module: deprecated ones, placement, and PyTorch internals
_SKIP = {"size_average", "reduce", "device", "dtype", "_weight", "_freeze", "min_value", "max_value", "factory_kwargs"}


class BridgeError(RuntimeError):
    """A module, optimizer or scheduler with no counterpart on the other side; the message names it."""


def _torch():
    try:
        import torch
    except ImportError:
        raise BridgeError("the PyTorch bridge needs PyTorch: pip install torch") from None
    return torch


def _libs(to: str):
    """(source library, target library) for a direction, ``"torch"`` or ``"chainrule"``."""
    import chainrule
    torch = _torch()
    return (chainrule, torch) if to == "torch" else (torch, chainrule)


def _tensor_to(value, dst_lib):
    """A tensor of one library as a tensor of the other (a copy, same dtype, no graph)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy() if hasattr(value, "cpu") else value.detach().numpy()
    return dst_lib.tensor(np.array(value, copy=True))


def _is_tensor(value) -> bool:
    return hasattr(value, "detach") and hasattr(value, "shape")


def _value_to(value, dst_lib):
    """Convert what a constructor or state dict holds: tensors, and tensors inside lists/tuples/dicts."""
    if _is_tensor(value):
        return _tensor_to(value, dst_lib)
    if isinstance(value, (list, tuple)):
        return type(value)(_value_to(v, dst_lib) for v in value)
    if isinstance(value, dict):
        return {k: _value_to(v, dst_lib) for k, v in value.items()}
    return value


# -- modules ----------------------------------------------------------------------------------------------
def _constructor_kwargs(module, dst_cls, dst_lib) -> dict:
    """The keyword arguments that rebuild ``module`` as ``dst_cls``, read from its attributes."""
    kwargs = {}
    for name, param in inspect.signature(dst_cls.__init__).parameters.items():
        if name == "self" or name in _SKIP or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name == "bias" and isinstance(param.default, bool):
            value = getattr(module, "bias", None)
            if value is None and hasattr(module, "in_proj_bias"):      # MultiheadAttention
                value = module.in_proj_bias
            kwargs[name] = value if isinstance(value, bool) else value is not None
        elif name == "elementwise_affine" and hasattr(module, "weight") and not hasattr(module, name):
            kwargs[name] = module.weight is not None
        elif hasattr(module, name):
            kwargs[name] = _value_to(getattr(module, name), dst_lib)
    return kwargs


def _convert_module(module, dst_lib, path: str):
    name = type(module).__name__
    dst_cls = getattr(dst_lib.nn, name, None)
    src_nn = type(module).__module__.split(".")[0]
    if dst_cls is None or not type(module).__module__.startswith(f"{src_nn}.nn"):
        where = f"'{path}'" if path else "the model"
        raise BridgeError(f"{where} is a {name}, which has no counterpart in {dst_lib.__name__}.nn (a custom "
                          f"module's forward is Python code the bridge cannot translate): build {name} on the other "
                          f"side and copy the weights with load_state_dict(model.state_dict()) — the keys match")
    children = list(module.named_children())
    if name in ("Sequential", "ModuleList"):
        built = dst_cls(*[_convert_module(m, dst_lib, f"{path}.{k}" if path else k) for k, m in children]) \
            if name == "Sequential" else dst_cls([_convert_module(m, dst_lib, f"{path}.{k}" if path else k)
                                                  for k, m in children])
    elif name == "ModuleDict":
        built = dst_cls({k: _convert_module(m, dst_lib, f"{path}.{k}" if path else k) for k, m in children})
    else:
        try:
            built = dst_cls(**_constructor_kwargs(module, dst_cls, dst_lib))
        except TypeError as e:
            raise BridgeError(f"'{path or name}' ({name}) could not be rebuilt in {dst_lib.__name__}: {e}") from None
    state = module.state_dict()
    if state:
        first = next(iter(state.values()))
        dtype = getattr(dst_lib, str(first.dtype).rpartition(".")[2], None)     # torch.float64 ↔ chainrule.float64
        if dtype is not None and getattr(first.dtype, "is_floating_point", False):
            built = built.to(dtype)
        built.load_state_dict({k: _tensor_to(v, dst_lib) for k, v in state.items()}, strict=True)
    built.train(module.training)
    return built


def to_torch(module):
    """The same model as ``torch.nn`` modules: equal weights, buffers, dtype and mode (outputs and gradients equal)."""
    return _convert_module(module, _libs("torch")[1], "")


def from_torch(module):
    """A ``torch.nn`` model as ``chainrule.nn`` modules: equal weights, buffers, dtype and mode."""
    return _convert_module(module, _libs("chainrule")[1], "")


# -- optimizers --------------------------------------------------------------------------------------------
def _convert_optimizer(optimizer, model, dst_model, dst_lib):
    name = type(optimizer).__name__
    dst_cls = getattr(dst_lib.optim, name, None)
    if dst_cls is None:
        raise BridgeError(f"{name} has no counterpart in {dst_lib.__name__}.optim")
    names = {id(p): n for n, p in model.named_parameters()}
    dst_params = dict(dst_model.named_parameters())
    groups = []
    for i, group in enumerate(optimizer.param_groups):
        params = []
        for p in group["params"]:
            if id(p) not in names:
                raise BridgeError(f"param_groups[{i}] holds a tensor that is not a parameter of the model given "
                                  f"(pass the model the optimizer was built for)")
            params.append(dst_params[names[id(p)]])
        groups.append({**{k: v for k, v in group.items() if k not in ("params", "initial_lr")}, "params": params})
    built = dst_cls(groups)
    built.load_state_dict(_value_to(optimizer.state_dict(), dst_lib))
    return built


def optimizer_to_torch(optimizer, model, torch_model):
    """``optimizer`` (over ``model``'s parameters) as the same ``torch.optim`` class over ``torch_model``'s,
    with its options and state, so the next ``step()`` makes the same update on both sides."""
    return _convert_optimizer(optimizer, model, torch_model, _libs("torch")[1])


def optimizer_from_torch(optimizer, torch_model, model):
    """A ``torch.optim`` optimizer over ``torch_model`` as chainrule's, over ``model`` (same options and state)."""
    return _convert_optimizer(optimizer, torch_model, model, _libs("chainrule")[1])


# -- schedulers --------------------------------------------------------------------------------------------
def _scheduler_kwargs(scheduler, dst_cls) -> dict:
    kwargs = {}
    for name, param in inspect.signature(dst_cls.__init__).parameters.items():
        if name in ("self", "optimizer", "last_epoch", "verbose") or param.kind in (param.VAR_POSITIONAL,
                                                                                   param.VAR_KEYWORD):
            continue
        if name == "lr_lambda":
            kwargs[name] = list(scheduler.lr_lambdas)
        elif name == "milestones" and hasattr(scheduler, "milestones"):
            kwargs[name] = sorted(scheduler.milestones.elements()) if hasattr(scheduler.milestones, "elements") \
                else list(scheduler.milestones)
        elif name in ("base_lr", "max_lr") and hasattr(scheduler, name + "s"):
            kwargs[name] = list(getattr(scheduler, name + "s"))
        elif hasattr(scheduler, name):
            kwargs[name] = getattr(scheduler, name)
        elif name == "max_lr" and "max_lr" in scheduler.optimizer.param_groups[0]:    # OneCycleLR keeps it there
            kwargs[name] = [g["max_lr"] for g in scheduler.optimizer.param_groups]
        elif param.default is param.empty:
            raise BridgeError(f"{type(scheduler).__name__} cannot be rebuilt: its '{name}' is not recorded on it")
    return kwargs


def _convert_scheduler(scheduler, dst_optimizer, dst_lib):
    name = type(scheduler).__name__
    dst_cls = getattr(dst_lib.optim.lr_scheduler, name, None)
    if dst_cls is None or name in ("SequentialLR", "ChainedScheduler"):
        raise BridgeError(f"{name} does not cross the bridge: build it on the other side from its member "
                          f"schedulers" if dst_cls is not None else f"{name} has no counterpart in "
                          f"{dst_lib.__name__}.optim.lr_scheduler")
    saved_optimizer = dst_optimizer.state_dict()
    built = dst_cls(dst_optimizer, **_scheduler_kwargs(scheduler, dst_cls))
    dst_optimizer.load_state_dict(saved_optimizer)       # building a schedule touches the lrs: put them back
    state = {k: v for k, v in scheduler.state_dict().items()
             if k not in ("lr_lambdas", "_scale_fn_custom", "_scale_fn_ref")}
    if "milestones" in state and name == "MultiStepLR":
        state["milestones"] = type(built.milestones)(dict(state["milestones"]))
    built.load_state_dict({**built.state_dict(), **state})
    return built


def scheduler_to_torch(scheduler, torch_optimizer):
    """``scheduler`` as the same ``torch.optim.lr_scheduler`` class driving ``torch_optimizer``, at the same epoch."""
    return _convert_scheduler(scheduler, torch_optimizer, _libs("torch")[1])


def scheduler_from_torch(scheduler, optimizer):
    """A ``torch.optim.lr_scheduler`` schedule as chainrule's, driving ``optimizer``, at the same epoch."""
    return _convert_scheduler(scheduler, optimizer, _libs("chainrule")[1])
