"""``--verify-torch``: run the same training steps in PyTorch and compare every recorded number.

The PyTorch model is rebuilt from the chainrule model's own layers (same classes, same initial
values), with the same loss and optimiser settings; hooks capture z, a and the gradients of the
explained step.  Comparison rows are (label, chainrule value, PyTorch value).
"""
from __future__ import annotations

import numpy as np

from .errors import UnsupportedModel


def _import_torch():
    try:
        import torch
    except ImportError:
        raise UnsupportedModel("--verify-torch needs PyTorch, which is not installed (pip install torch)") from None
    if not hasattr(torch, "nn") or torch.__name__ != "torch" or getattr(torch, "__file__", "").find("chainrule") >= 0:
        raise UnsupportedModel("--verify-torch needs the real PyTorch package")
    return torch


def torch_reference(model, criterion, optimizer, x, y, steps: int):
    """Snapshot the starting point now; return ``rows(record)`` that runs PyTorch and compares."""
    torch = _import_torch()
    mods = []
    for name, m in model.named_modules():
        if any(True for _ in m.children()):
            continue
        kind = type(m).__name__
        if kind == "Linear":
            mods.append(("Linear", np.array(m.weight._data), None if m.bias is None else np.array(m.bias._data)))
        else:
            params = {k: getattr(m, k) for k in ("negative_slope", "beta", "threshold") if hasattr(m, k)}
            mods.append((kind, params, None))
    xs, ys = np.array(x._data), np.array(y._data)
    loss_kind, reduction = type(criterion).__name__, getattr(criterion, "reduction", "mean")
    opt_kind = type(optimizer).__name__
    group = {k: v for k, v in optimizer.param_groups[0].items()
             if k in ("lr", "momentum", "dampening", "weight_decay", "betas", "eps")}

    def rows(rec):
        dtype = torch.float64 if rec.dtype == np.float64 else torch.float32
        layers = []
        for kind, a, b in mods:
            if kind == "Linear":
                lin = torch.nn.Linear(a.shape[1], a.shape[0], bias=b is not None).to(dtype)
                with torch.no_grad():
                    lin.weight.copy_(torch.from_numpy(a))
                    if b is not None:
                        lin.bias.copy_(torch.from_numpy(b))
                layers.append(lin)
            else:
                layers.append(getattr(torch.nn, kind)(**a))
        net = torch.nn.Sequential(*layers)
        crit = getattr(torch.nn, loss_kind)(reduction=reduction)
        opt = getattr(torch.optim, opt_kind)(net.parameters(), **group)
        tx = torch.from_numpy(xs)
        ty = torch.from_numpy(ys)
        outs = {}
        for step in range(1, steps + 1):
            hooks = []
            if step == steps:
                for i, m in enumerate(net):
                    hooks.append(m.register_forward_hook(lambda mod, inp, out, i=i: outs.__setitem__(i, out)))
            opt.zero_grad()
            loss = crit(net(tx), ty)
            for h in hooks:
                h.remove()
            loss.backward()
            if step == steps:
                snap = {i: (m.weight.grad.numpy().copy(), None if m.bias is None else m.bias.grad.numpy().copy())
                        for i, m in enumerate(net) if isinstance(m, torch.nn.Linear)}
                tloss = float(loss.item())
            opt.step()
        result = [("L", rec.loss, tloss)]
        lin_idx = [i for i, m in enumerate(net) if isinstance(m, torch.nn.Linear)]
        for l, (L, i) in enumerate(zip(rec.layers, lin_idx)):
            k = l + 1
            result.append((f"z⁽{k}⁾", L.z, outs[i].detach().numpy().reshape(L.z.shape)))
            if L.activation.kind != "identity" and i + 1 in outs:
                result.append((f"a⁽{k}⁾", L.a, outs[i + 1].detach().numpy().reshape(L.a.shape)))
            result.append((f"∂L/∂W⁽{k}⁾", L.weight_grad, snap[i][0]))
            if L.bias is not None:
                result.append((f"∂L/∂b⁽{k}⁾", L.bias_grad, snap[i][1]))
            result.append((f"W⁽{k}⁾ ({rec.step + 1})", L.weight_after, net[i].weight.detach().numpy()))
            if L.bias is not None:
                result.append((f"b⁽{k}⁾ ({rec.step + 1})", L.bias_after, net[i].bias.detach().numpy()))
        return result

    return rows
