"""Expression files: a Python file with no ``model`` that builds a scalar from leaf tensors.

    # circuit.py — the computational-graph exercise of a textbook
    import torch
    x = torch.tensor(-2.0, requires_grad=True)
    y = torch.tensor(5.0, requires_grad=True)
    z = torch.tensor(-4.0, requires_grad=True)
    q = x + y
    f = q * z

``chainrule explain circuit.py`` runs the file under a ``StepRecorder`` (``import torch`` gives
chainrule), names every value after the variable holding it, and explains the backward pass of the
scalar named by ``--of`` (default: the first of ``loss``, ``L``, ``f``, ``out`` the file defines),
ending with the gradient of every leaf.  An ``optimizer`` in the file is stepped and its update shown.
"""
from __future__ import annotations

from .model_file import ModelFileError, compile_model_file, run_model_code

DEFAULT_NAMES = ("loss", "L", "f", "out")


def explain_expression_file(path: str, of: str | None = None, *, decimals: int = 4, lang: str = "en"):
    """The ``Solution`` of an expression file's backward pass (and update, with an ``optimizer``)."""
    from ..tensor import Tensor
    from .api import Solution
    from .graph_builder import GraphBuilder
    from .step_graph import StepRecorder, _state_copy, group_of
    code = compile_model_file(path)
    rec = StepRecorder()
    with rec:
        with run_model_code(code, path) as namespace:
            pass
    tensors = {k: v for k, v in namespace.items() if isinstance(v, Tensor) and not k.startswith("_")}
    scalars = [k for k, v in tensors.items() if v.numel() == 1 and v.grad_fn is not None]
    if of is not None:
        if of not in tensors:
            raise ModelFileError(f"{path}: --of {of}: the file defines no tensor named '{of}'; its scalars: "
                                 f"{', '.join(scalars) or 'none'}")
        if tensors[of].numel() != 1 or tensors[of].grad_fn is None:
            raise ModelFileError(f"{path}: --of {of}: '{of}' is not a scalar computed from tensors with "
                                 f"requires_grad=True; its scalars: {', '.join(scalars) or 'none'}")
        name = of
    else:
        name = next((n for n in DEFAULT_NAMES if n in scalars), None)
        if name is None:
            raise ModelFileError(f"{path}: no `model`, and no scalar named loss, L, f or out to explain: name one "
                                 f"with --of NAME (the file's scalars: {', '.join(scalars) or 'none'}), or define "
                                 f"model, criterion, optimizer, x and y")
    for k, t in tensors.items():
        rec.note(t, k)
    out = tensors[name]
    opt = namespace.get("optimizer")
    graph = rec.finish(out)
    graph.loss_value = float(out.item())
    if opt is not None and hasattr(opt, "param_groups"):
        names = {id(t): k for k, t in tensors.items()}
        for v in graph.leaves():
            p = v.tensor
            grp = group_of(opt, p) if p is not None else None
            if grp is not None:
                v.kind = "parameter"
                v.name = v.name or names.get(id(p), "")
                v.opt = {"group": grp, "before": _state_copy(opt, p)}
        graph.keep_locals()
        opt.step()
        for v in graph.leaves():
            if v.opt is not None:
                v.after = v.tensor._data.copy()
                v.opt["after"] = _state_copy(opt, v.tensor)
        graph.optimizer = opt
    from .honest import audit
    d = audit(GraphBuilder(graph, decimals=decimals, loss_name=name, title={"loss": name}).build())
    d.title_key = "graph.title_backward"
    return Solution(d, graph, lang, graph)
