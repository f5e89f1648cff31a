"""``explain`` of a model built with the real PyTorch: bridged to chainrule, explained, checked with PyTorch.

``bridge_problem(model, criterion, optimizer, x, y)`` returns None for chainrule objects; for a
``torch.nn.Module`` it returns the same problem in chainrule — ``from_torch`` of the model and the loss,
the optimizer with its options and state (``optimizer_from_torch``), x and y as chainrule tensors — and a
``twin()`` that gives fresh PyTorch copies of the original (deep copies: the user's objects are never
stepped), so every number of the explanation is compared with PyTorch's own training step.  Anything the
bridge cannot carry over is refused naming the part (``UnsupportedModel``).
"""
from __future__ import annotations

import copy


def is_torch_object(obj) -> bool:
    """True for an object of the real PyTorch (``torch.nn.Module``, ``torch.Tensor``, ``torch.optim``…), a
    subclass of one included (a user's own ``nn.Module``)."""
    for cls in type(obj).__mro__:
        mod = getattr(cls, "__module__", "") or ""
        if mod == "torch" or mod.startswith("torch."):
            return True
    return False


def bridge_problem(model, criterion, optimizer, x, y):
    """(chainrule model, criterion, optimizer, x, y, twin) for a PyTorch problem; None for a chainrule one."""
    if not is_torch_object(model):
        return None
    from ..explain.errors import UnsupportedModel
    from .bridge import BridgeError, from_torch, optimizer_from_torch, _tensor_to
    import chainrule
    try:
        cr_model = from_torch(model)
    except BridgeError as e:
        raise UnsupportedModel(f"the PyTorch model cannot be bridged to chainrule: {e}") from None
    try:
        cr_criterion = from_torch(criterion) if is_torch_object(criterion) else criterion
    except BridgeError as e:
        raise UnsupportedModel(f"the PyTorch loss cannot be bridged to chainrule: {e}") from None
    try:
        cr_optimizer = optimizer_from_torch(optimizer, model, cr_model)
    except BridgeError as e:
        raise UnsupportedModel(f"the PyTorch optimizer cannot be bridged to chainrule: {e}") from None
    cx = _tensor_to(x, chainrule) if is_torch_object(x) else x
    cy = _tensor_to(y, chainrule) if is_torch_object(y) else y
    start_model = copy.deepcopy(model)
    start_state = copy.deepcopy(optimizer.state_dict())

    def twin():
        tm = copy.deepcopy(start_model)
        names = {id(p): n for n, p in model.named_parameters()}
        params = dict(tm.named_parameters())
        groups = [{**{k: v for k, v in g.items() if k not in ("params", "initial_lr")},
                   "params": [params[names[id(p)]] for p in g["params"]]} for g in optimizer.param_groups]
        topt = type(optimizer)(groups)
        topt.load_state_dict(copy.deepcopy(start_state))
        return tm, copy.deepcopy(criterion), topt, x, y

    return cr_model, cr_criterion, cr_optimizer, cx, cy, twin


def bridge_batches(data):
    """``data`` (an iterable of (x, y) batches) with PyTorch tensors as chainrule tensors."""
    import chainrule
    from .bridge import _tensor_to
    return [tuple(_tensor_to(v, chainrule) if is_torch_object(v) else v for v in batch) for batch in data]
