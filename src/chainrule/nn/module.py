"""``nn.Module``: the base class of every layer and model, with PyTorch's behaviour.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it::

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)          # a submodule, named "fc"
            self.scale = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.fc(x) * self.scale

    net = Net()
    [n for n, _ in net.named_parameters()]    # ['scale', 'fc.weight', 'fc.bias']
    print(net)                                # Net(\n  (fc): Linear(in_features=2, out_features=1, bias=True)\n)

``net(x)`` runs the forward pre-hooks, ``forward``, the forward hooks, and wires the full backward
hooks (``hook(module, grad_input, grad_output)``) with identity nodes around inputs and outputs.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple

import numpy as np

from .. import dtypes
from ..autograd.function import Op, RemovableHandle
from ..autograd.grad_mode import no_grad
from ..device import check_device
from ..tensor import Tensor, Parameter

__all__ = ["Module"]


def _addindent(s: str, num_spaces: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(num_spaces * " " + line for line in lines)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match (empty lists when all matched)."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _torch_type_name(value) -> str:
    if isinstance(value, Tensor):
        return {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "int64": "torch.LongTensor",
                "bool": "torch.BoolTensor"}.get(value.dtype.name, value.dtype.name)
    return type(value).__name__


def _copy_tensor(t: Tensor) -> Tensor:
    """A new leaf with its own copy of ``t``'s numbers (a Parameter stays a Parameter)."""
    if isinstance(t, Parameter):
        new = Parameter(Tensor._make(t._data.copy()), requires_grad=t.requires_grad)
    else:
        new = Tensor._make(t._data.copy())
        new._requires_grad = t._requires_grad
    if t._grad is not None:
        new._grad = Tensor._make(t._grad._data.copy())
    return new


# ------------------------------------------------------------------------------ full backward hooks
class _BackwardHookState:
    """Collects, for one call of a module, the gradients of its outputs and inputs, then calls the hooks."""

    def __init__(self, module, n_args: int, input_index: list):
        self.module = module
        self.n_args = n_args
        self.input_index = input_index      # positions of the args that got an identity node
        self.n_outputs = 0
        self.grad_outputs = None
        self.outputs_seen = 0
        self.inputs_pending = len(input_index)
        self.grad_inputs = [None] * n_args
        self.no_grad_tensors = {}           # position -> (shape, dtype) of tensor args that need no gradient

    def output_grad(self, i: int, g: np.ndarray) -> np.ndarray:
        if self.grad_outputs is None:
            self.grad_outputs = [None] * self.n_outputs
        self.grad_outputs[i] = g
        self.outputs_seen += 1
        if self.outputs_seen < self.n_outputs:
            return g
        self.outputs_seen = 0           # ready for another backward through the same graph (retain_graph)
        # every output's gradient is known: backward pre-hooks may replace them
        grad_outputs = tuple(_wrap(x) for x in self.grad_outputs)
        for hook in tuple(self.module._backward_pre_hooks.values()):
            res = hook(self.module, grad_outputs)
            if res is not None:
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != len(grad_outputs):
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got "
                                       f"{len(res)}, but expected {len(grad_outputs)}")
                grad_outputs = tuple(_wrap(x) for x in res)
        self.grad_outputs = [None if x is None else x._data for x in grad_outputs]
        if not self.input_index:      # no input needs a gradient: the hooks fire now, grad_input all None
            grad_inputs = (None,) * self.n_args
            for hook in tuple(self.module._backward_hooks.values()):
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not all(r is None for r in (res if isinstance(res, tuple) else (res,))):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                       "always return None or None for all gradients.")
        return self.grad_outputs[i]

    def input_grad(self, pos: int, g: np.ndarray) -> np.ndarray:
        self.grad_inputs[pos] = g
        self.inputs_pending -= 1
        if self.inputs_pending > 0:
            return g
        self.inputs_pending = len(self.input_index)
        for i, (shape, dtype) in self.no_grad_tensors.items():   # PyTorch materialises these as zeros
            self.grad_inputs[i] = np.zeros(shape, dtype)
        grad_inputs = tuple(_wrap(x) for x in self.grad_inputs)
        grad_outputs = tuple(_wrap(x) for x in (self.grad_outputs or ()))
        for hook in tuple(self.module._backward_hooks.values()):
            res = hook(self.module, grad_inputs, grad_outputs)
            if res is not None:
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != len(grad_inputs):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(res)}, "
                                       f"but expected {len(grad_inputs)}")
                grad_inputs = tuple(_wrap(x) for x in res)
        new = grad_inputs[pos]
        return g if new is None else new._data.astype(g.dtype, copy=False)


def _wrap(g):
    """A gradient handed to a user's hook: a Tensor holding its own copy."""
    if g is None:
        return None
    if isinstance(g, Tensor):
        return g
    return Tensor._make(np.array(g))


class BackwardHookFunction(Op):
    """Identity (out = a) whose backward reports ∂L/∂a to a module's full backward hooks."""

    @property
    def name(self) -> str:
        return "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, a, state, index, is_output):
        ctx.state, ctx.index, ctx.is_output = state, index, is_output
        return a.view()

    @staticmethod
    def backward(ctx, g):
        if ctx.is_output:
            return ctx.state.output_grad(ctx.index, g)
        return ctx.state.input_grad(ctx.index, g)


# ------------------------------------------------------------------------------------------- Module
class Module:
    """Base class for all neural network modules; subclass it and define ``forward``."""

    training: bool
    _version = 1
    call_super_init = False

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments; Module.__init__ "
                            f"takes none (call super().__init__() with no arguments)")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = {}
        d["_forward_hooks_always_called"] = {}
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_pre_hooks_with_kwargs"] = {}
        d["_backward_hooks"] = OrderedDict()
        d["_backward_pre_hooks"] = OrderedDict()
        d["_state_dict_hooks"] = OrderedDict()
        d["_load_state_dict_post_hooks"] = OrderedDict()

    forward = None  # subclasses define it

    # ------------------------------------------------------------------------------ registration
    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. BatchNorm's ``running_mean``)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_torch_type_name(tensor)}' object to buffer '{name}' "
                            f"(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param) -> None:
        """Add a parameter (or None) under ``name``; ``module.name`` then returns it."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_torch_type_name(param)}' object to parameter '{name}' "
                            f"(torch.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                             f"the value in the forward() method.")
        self._parameters[name] = param

    def add_module(self, name: str, module) -> None:
        """Add a child module under ``name`` (what ``self.name = module`` does)."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if name not in mod._parameters:
            raise AttributeError(mod._get_name() + " has no parameter `" + name + "`")
        return mod._parameters[name]

    # ------------------------------------------------------------------------- attribute access
    def __getattr__(self, name: str):
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value) -> None:
        def remove_from(*dicts_or_sets):
            for d in dicts_or_sets:
                if name in d:
                    if isinstance(d, dict):
                        del d[name]
                    else:
                        d.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_torch_type_name(value)}' as parameter '{name}' "
                                f"(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(self.__dict__, self._parameters, self._buffers, self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign '{_torch_type_name(value)}' as child module '{name}' "
                                    f"(torch.nn.Module or None expected)")
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(f"cannot assign '{_torch_type_name(value)}' as buffer '{name}' "
                                        f"(torch.Tensor or None expected)")
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = list(dir(self.__class__)) + list(self.__dict__.keys()) + list(self._parameters.keys()) \
            + list(self._modules.keys()) + list(self._buffers.keys())
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def __deepcopy__(self, memo):
        """``copy.deepcopy(model)``: new parameters/buffers with copied numbers (and grads), same structure."""
        import copy
        for mod in self.modules():
            for t in itertools.chain(mod._parameters.values(), mod._buffers.values()):
                if t is not None and id(t) not in memo:
                    memo[id(t)] = _copy_tensor(t)
        new = object.__new__(type(self))
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            new.__dict__[k] = copy.deepcopy(v, memo)
        return new

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ---------------------------------------------------------------------------------- iteration
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate: bool = True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k, v)

    def parameters(self, recurse: bool = True):
        """Every parameter, each once, in registration order (submodules after this module's own)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """``(name, parameter)`` pairs with dotted names like ``layer1.0.weight``."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_children(self):
        memo = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """This module (name ``''``) and every submodule, depth first, each once."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    # ------------------------------------------------------------------------------- train / eval
    def train(self, mode: bool = True) -> "Module":
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: ``p.grad = None`` (or zero them in place)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:           # in place, as PyTorch: code holding p.grad sees the zeros
                    g = p.grad
                    if g.grad_fn is not None:
                        g = p._grad = g.detach()
                    if g._data.flags.writeable:
                        g._data[...] = 0
                    else:
                        g._data = np.zeros_like(g._data)

    def apply(self, fn) -> "Module":
        """Call ``fn(m)`` on every submodule (children first) and on self; e.g. custom initialisation."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------------------- conversion
    def _apply(self, fn) -> "Module":
        for m in self.children():
            m._apply(fn)
        for key, p in self._parameters.items():
            if p is None:
                continue
            with no_grad():
                new = fn(p)
            if new is not p:
                p._data = new._data
                if p.grad is not None:
                    p._grad = Tensor._make(fn(p.grad)._data)
        for key, b in self._buffers.items():
            if b is not None:
                self._buffers[key] = fn(b)
        return self

    def to(self, *args, **kwargs) -> "Module":
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``: converts floating
        parameters and buffers in place (the Parameter objects stay the same); returns self."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, dtypes.dtype):
                dtype = a
            else:
                device = a
        check_device(device)
        if dtype is None:
            return self
        dtype = dtypes.to_dtype(dtype)
        if not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self) -> "Module":
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> "Module":
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> "Module":
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def type(self, dst_type) -> "Module":
        return self._apply(lambda t: t.to(dst_type))

    def cpu(self) -> "Module":
        return self

    def cuda(self, device=None) -> "Module":
        check_device("cuda" if device is None else device)
        return self

    # ------------------------------------------------------------------------------ state dicts
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """Parameters and persistent buffers by dotted name (``'layer1.0.weight'``), detached."""
        if args:  # PyTorch's deprecated positional form state_dict(destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            res = hook(self, destination, prefix, {})
            if res is not None:
                destination = res
        return destination

    def _load_from_state_dict(self, state_dict, prefix, strict, missing_keys, unexpected_keys, error_msgs,
                              assign: bool = False):
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items())
                       if v is not None}
        for name, param in local_state.items():
            key = prefix + name
            if key in state_dict:
                value = state_dict[key]
                if isinstance(value, np.ndarray):
                    value = Tensor._make(value)
                if not isinstance(value, Tensor):
                    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
                        value = Tensor._make(value.detach().cpu().numpy())
                    else:
                        error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor '
                                          f"or Tensor-like object from checkpoint but received {type(value)}")
                        continue
                if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
                    value = value[0]
                if tuple(value.shape) != tuple(param.shape):
                    error_msgs.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                                      f"checkpoint, the shape in current model is {param.shape}.")
                    continue
                if assign:          # take the checkpoint's tensor itself (its dtype too)
                    if name in self._parameters:
                        self._parameters[name] = Parameter(value.detach(), requires_grad=param.requires_grad)
                    else:
                        self._buffers[name] = value
                    continue
                if not param._data.flags.writeable:
                    param._data = param._data.copy()
                np.copyto(param._data, value._data, casting="unsafe")
                param._vc.value += 1
            elif strict:
                missing_keys.append(key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix):
                    input_name = key[len(prefix):].split(".", 1)
                    if len(input_name) > 1:
                        if input_name[0] not in self._modules:
                            unexpected_keys.append(key)
                    elif input_name[0] not in local_state:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values into this module's parameters and buffers (``assign=True``: use the given tensors
        themselves); with ``strict`` the keys must match exactly.  Raises PyTorch's ``Error(s) in loading state_dict for <Class>`` listing missing keys,
        unexpected keys and size mismatches."""
        from collections.abc import Mapping
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys, unexpected_keys, error_msgs = [], [], []
        state_dict = OrderedDict(state_dict)

        def load(module, local_state_dict, prefix=""):
            module._load_from_state_dict(local_state_dict, prefix, True, missing_keys, unexpected_keys,
                                         error_msgs, assign)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_state = {k: v for k, v in local_state_dict.items() if k.startswith(child_prefix)}
                    load(child, child_state, child_prefix)
            incompatible = _IncompatibleKeys(missing_keys, unexpected_keys)
            for hook in module._load_state_dict_post_hooks.values():
                hook(module, incompatible)

        with no_grad():
            load(self, state_dict)
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    def register_load_state_dict_post_hook(self, hook) -> RemovableHandle:
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle._key] = hook
        return handle

    # ------------------------------------------------------------------------------------- hooks
    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """``hook(module, args) -> None or new args`` before each ``forward``
        (``hook(module, args, kwargs) -> None or (args, kwargs)`` with ``with_kwargs=True``)."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle._key] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle._key] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle._key, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False):
        """``hook(module, args, output) -> None or new output`` after each ``forward``."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle._key] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle._key] = True
        if always_call:
            self._forward_hooks_always_called[handle._key] = True
        if prepend:
            self._forward_hooks.move_to_end(handle._key, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_input, grad_output) -> None or new grad_input`` once the gradients with
        respect to the module's inputs are computed.  ``grad_input`` has one entry per positional
        argument of ``forward`` (None where no gradient flows); ``grad_output`` one per output.
        Limitation: with several tensor inputs, a returned ``grad_input`` replaces only the gradient of
        the input whose gradient arrived last."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle._key] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle._key, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_output) -> None or new grad_output`` before the module's gradients
        with respect to its inputs are computed."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle._key] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle._key, last=False)
        return handle

    def register_backward_hook(self, hook):
        raise RuntimeError("register_backward_hook (the old, non-full hook) is not supported: it reports the "
                           "gradients of the module's last operation only. Use register_full_backward_hook.")

    def register_state_dict_hook(self, hook):
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle._key] = hook
        return handle

    # -------------------------------------------------------------------------------------- call
    def _call_impl(self, *args, **kwargs):
        forward = self.forward
        if forward is None:
            raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks):
            return forward(*args, **kwargs)

        for key, hook in tuple(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)

        state = None
        if self._backward_hooks or self._backward_pre_hooks:
            args, state = self._setup_input_hooks(args)

        try:
            result = forward(*args, **kwargs)
        except Exception:
            for key, hook in tuple(self._forward_hooks.items()):   # always_call hooks see the failure too
                if key in self._forward_hooks_always_called:
                    try:
                        hook(self, args, kwargs, None) if key in self._forward_hooks_with_kwargs \
                            else hook(self, args, None)
                    except Exception:
                        pass
            raise

        for key, hook in tuple(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res

        if state is not None:
            result = self._setup_output_hooks(result, state)
        return result

    __call__ = _call_impl

    def _setup_input_hooks(self, args):
        from ..autograd.grad_mode import is_grad_enabled
        if not is_grad_enabled():
            return args, None
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        state = _BackwardHookState(self, len(args), index)
        state.no_grad_tensors = {i: (a._data.shape, a._data.dtype) for i, a in enumerate(args)
                                 if isinstance(a, Tensor) and i not in index}
        new_args = list(args)
        for i in index:
            new_args[i] = BackwardHookFunction.apply(args[i], state, i, False)
        return tuple(new_args), state

    def _setup_output_hooks(self, result, state):
        single = isinstance(result, Tensor)
        outs = (result,) if single else result
        if not isinstance(outs, (tuple, list)):
            return result
        wrapped = []
        n = 0
        for o in outs:
            if isinstance(o, Tensor) and o.requires_grad:
                wrapped.append(BackwardHookFunction.apply(o, state, n, True))
                n += 1
            else:
                wrapped.append(o)
        state.n_outputs = n
        if single:
            return wrapped[0]
        return type(outs)(wrapped)

    # -------------------------------------------------------------------------------------- repr
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside the parentheses of ``print(module)``; layers override it."""
        return ""

    def __repr__(self) -> str:
        extra_lines = []
        extra = self.extra_repr()
        if extra:
            extra_lines = extra.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append("(" + key + "): " + mod_str)
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
