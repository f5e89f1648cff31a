"""``compile_step(model, criterion, optimizer)``: a training step traced once and replayed.

    step = chainrule.compile_step(model, criterion, optimizer)
    for x, y in loader:
        loss = step(x, y)          # = optimizer.zero_grad(); loss = criterion(model(x), y);
                                   #   loss.backward(); optimizer.step()  — bit for bit

The first call runs the step eagerly while ``compile.trace`` records it; later calls with the same input
shapes and dtypes, parameter shapes, module modes, optimizer settings and grad mode replay the recorded
ops on arrays (``compile.replay``), which skips the framework's per-op bookkeeping.  A new shape (a short
last batch) traces again; the programs are cached.  The update is the optimizer's own ``step()``, so
every optimizer and option works, and the kernels' own checks (class indices in range, BCE targets in
[0, 1]) still run.  A step that cannot be replayed exactly — a custom ``autograd.Function``, a tensor made
inside ``forward`` by a factory, ``.item()`` inside the step, an in-place change, hooks — runs eagerly,
with a one-time ``UserWarning`` saying why.  The loss returned is a plain tensor (no ``grad_fn``).
"""
from __future__ import annotations

import warnings

from ..tensor import Tensor
from . import codegen, guard, replay, trace

__all__ = ["compile_step", "CompiledStep"]


class CompiledStep:
    """The callable ``compile_step`` returns: ``step(x, y) -> loss`` (one forward, backward and update)."""

    def __init__(self, model, criterion, optimizer):
        self.model, self.criterion, self.optimizer = model, criterion, optimizer
        self.programs = {}            # signature -> Program, or the reason it cannot be replayed (str)
        self.traces = 0               # how many times a step was traced (a test and a user can watch it)
        self._warned = set()
        self._mods, self._tree = None, None
        self._guard = None            # guard(x, y): whether the last replayed program's key still holds
        self._last = None             # (program, params) that the guard vouches for
        self.note = None              # where the one-time fallback notes go (None: a UserWarning)

    def _modules_and_params(self):
        """The model's and the criterion's modules (walked again only when a tree changed) and every
        parameter, the optimizer's first: the replay reads and fills these."""
        mods = self._mods
        if mods is None or any(tuple(map(id, m._modules.values())) != ids for m, ids in zip(mods, self._tree)):
            mods = self._mods = [m for owner in (self.model, self.criterion) if hasattr(owner, "modules")
                                 for m in owner.modules()]
            self._tree = [tuple(map(id, m._modules.values())) for m in mods]
        seen, out = set(), []
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append(p)
        for m in mods:
            for p in m._parameters.values():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    out.append(p)
        return mods, out

    def _eager(self, x, y):
        self.optimizer.zero_grad()
        out = self.model(x)
        loss = self.criterion(out, y)
        loss.backward()
        return out, loss

    def _fallback(self, reason: str, x, y):
        self._note_once(reason)
        return self._eager(x, y)

    def _note_once(self, reason: str) -> None:
        if reason not in self._warned:
            self._warned.add(reason)
            if self.note is not None:
                self.note(f"compile_step runs this step eagerly: {reason}")
            else:
                warnings.warn(f"compile_step runs this step eagerly: {reason}", UserWarning, stacklevel=5)

    def _trace(self, key, x, y, params):
        self.traces += 1
        self.optimizer.zero_grad()
        buffers = [b for m in self._mods for b in m._buffers.values() if b is not None]
        tracer = trace.Tracer(x, y, params, buffers)
        state = trace.module_state(self._mods)
        with tracer:
            out = self.model(x)
            loss = self.criterion(out, y)
            loss.backward()
        changed = trace.changed_attribute(self._mods, state)
        if changed is not None:
            tracer.refuse(f"the step changes the module attribute {changed} (Python state its forward keeps), "
                          f"which a replay would not update")
        try:
            program = tracer.program(loss, params)
            program.out_slot = tracer.slots.get(id(out)) if isinstance(out, Tensor) else None
            if program.out_slot is None or program.out_slot not in {ins.out for ins in program.instrs}:
                raise trace.NotReplayable("the model's output is not the result of an op")
            program.fn = codegen.lower(program, x, y, params)
            self.programs[key] = program
        except trace.NotReplayable as e:
            self.programs[key] = str(e)
            self._note_once(str(e))
        return out, loss

    def forward_backward(self, x, y):
        """``(output, loss)`` of ``model(x)`` and ``criterion(output, y)``, every parameter's ``.grad`` filled
        (as after ``zero_grad()`` and ``loss.backward()``), the parameters not yet updated: for a loop that
        looks at the loss or the gradients before it calls ``update()`` (``chainrule train`` stops on a
        non-finite one).  Replayed, both are plain tensors (no ``grad_fn``)."""
        if not isinstance(x, Tensor):
            raise TypeError(f"compile_step: x must be a Tensor, got {type(x).__name__}")
        check = self._guard
        if check is not None and check(x, y):
            program, params = self._last
        else:
            self._guard = self._last = None
            modules, params = self._modules_and_params()
            if trace.has_hooks(modules, params):
                return self._fallback("the model or a parameter has hooks (user code inside the step)", x, y)
            key = trace.signature(modules, params, self.optimizer, x, y)
            program = self.programs.get(key)
            if program is None:
                return self._trace(key, x, y, params)
            if isinstance(program, str):
                return self._fallback(program, x, y)
            if program.guard is None:        # made once per program: it holds the objects its key names
                program.guard = guard.make(modules, params, self.optimizer, x, y) or False
            self._guard = program.guard or None
            self._last = (program, params)
        try:
            out, loss = replay.run(program, x, y, params)
        except Exception:  # noqa: BLE001 - the parameters are untouched: the eager step says what is wrong
            self._guard = self._last = None
            return self._eager(x, y)
        return Tensor._make(out), Tensor._make(loss)

    def update(self):
        """The optimizer's own update: ``optimizer.step()``."""
        self.optimizer.step()

    def __call__(self, x, y):
        loss = self.forward_backward(x, y)[1]
        self.update()
        return loss


def compile_step(model, criterion, optimizer) -> CompiledStep:
    """``step(x, y) -> loss``: one training step per call, traced once per input shape and replayed."""
    return CompiledStep(model, criterion, optimizer)
