"""The worked derivation of the step shown, from ``chainrule.explain`` — the real step, taken again.

The page's step t is explained by putting the parameters, gradients and optimizer state back as they
were before it (``Session.before``), calling ``explain_step`` on the live model with step t's batch —
which records and takes the step for real — and checking that it ends where the playground's own step
ended, bit for bit, before the session's state is put back.  At step 0 the derivation is a preview of
step 1, taken the same way and undone.

The diagram's ids (``w-l-j-i``, ``b-l-j``, ``u-c-j``, ``loss``) and explain's flat names (W1, W2, …
numbered row by row across layers; b numbered by unit) are mapped here, and so is the chain-rule path
of a parameter: its edge, its unit, every unit and edge after it, the loss.
"""
from __future__ import annotations

import numpy as np

DECIMALS = 4
#: a network this small, on a batch this small, is written out unit by unit (the lecture's form, where a
#: clicked weight has its own chain of factors); larger ones in explain's default form (matrix past 200 terms)
SCALAR_PARAMETERS, SCALAR_BATCH = 64, 32


def form_for(session) -> str:
    """``explain_step``'s ``form`` for the session's steps (and ``chainrule explain --form`` for its files)."""
    count = sum(int(np.prod(p.shape)) for p in session.params)
    return "scalar" if count <= SCALAR_PARAMETERS and session.batch_size <= SCALAR_BATCH else "auto"


class StepMismatch(RuntimeError):
    """Explaining the step did not reproduce the playground's own step (a bug to report)."""


def explain_current(session, lang: str = "en"):
    """(Solution, step explained) for the session's current step (cached per step and language)."""
    from ..explain import explain_step
    with session.lock:
        key = (session.t, lang)
        if key in session.explained:
            return session.explained[key]
        now = session.snapshot()
        t = session.t if session.t > 0 else 1
        xb, yb = session.batch_tensors(t)
        try:
            if session.t > 0:
                session.restore(session.before)
            _count_from(session.optimizer, t - 1)
            sol = explain_step(session.model, session.criterion, session.optimizer, xb, yb, decimals=DECIMALS,
                               lang=lang, form=form_for(session))
            if session.t > 0:
                for p, v in zip(session.params, now["params"]):
                    if not np.array_equal(p.detach().numpy(), v, equal_nan=True):
                        raise StepMismatch(f"explaining step {t} did not end where the playground's step did "
                                           f"(parameter {session.names[session.params.index(p)]})")
        finally:
            session.restore(now)
        session.explained = {k: v for k, v in session.explained.items() if k[0] == session.t}
        session.explained[key] = (sol, t)
        return sol, t


def _count_from(optimizer, done: int) -> None:
    """Have explain number the step t, not 1: ``explain_step`` continues the count of the steps it took
    with an optimizer (its documented behaviour, kept in ``explain.api._STEPS_TAKEN``), so W⁽ᵗ⁾ → W⁽ᵗ⁺¹⁾
    and Adam's t agree with the page.  (A model file exported from the page starts its own count at 1.)"""
    from ..explain import api
    taken = getattr(api, "_STEPS_TAKEN", None)
    if taken is not None:
        taken[optimizer] = done


# -- names and ids ---------------------------------------------------------------------------------------------
def flat_names(sizes: list) -> dict:
    """Diagram id → explain's flat name: ``w-0-0-0`` → W1, ``b-0-0`` → b1, ``u-1-0`` → z1 …"""
    out = {}
    w = 0
    unit = 0
    for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        for j in range(n_out):
            for i in range(n_in):
                w += 1
                out[f"w-{l}-{j}-{i}"] = f"W{w}"
        for j in range(n_out):
            out[f"b-{l}-{j}"] = f"b{unit + j + 1}"
        unit += n_out
    return out


def chain_path(sizes: list, pid: str) -> list:
    """The diagram ids on the chain-rule path from a parameter (or a unit) to the loss."""
    parts = pid.split("-")
    kind = parts[0]
    if kind == "loss":
        return ["loss"]
    nums = [int(v) for v in parts[1:]]
    if kind == "w":
        l, j, i = nums
        ids = [pid, f"u-{l}-{i}"]
        col, start = l + 1, [j]
    elif kind == "b":
        l, j = nums
        ids = [pid]
        col, start = l + 1, [j]
    elif kind == "u":
        col, j = nums
        ids = []
        start = [j]
    else:
        return []
    current = start
    while True:
        ids += [f"u-{col}-{k}" for k in current]
        if col == len(sizes) - 1:
            break
        nxt = list(range(sizes[col + 1]))
        ids += [f"w-{col}-{m}-{k}" for m in nxt for k in current]
        col, current = col + 1, nxt
    return ids + ["loss"]


# -- the hover formula -------------------------------------------------------------------------------------------
def formula(session, pid: str, lang: str = "en") -> str:
    """The equations of the step shown that compute what ``pid`` names, with their numbers, as explain's
    text renderer writes them: a weight's or bias's ∂L/∂θ and its update; a unit's z and activation (for
    the batch's first sample); the loss.  Empty when the derivation writes none (the matrix form)."""
    from dataclasses import replace

    from ..explain import derivation as D
    from ..explain.locale import messages
    from ..explain.render import render
    sol, _ = explain_current(session, lang)
    sizes = [session.linears[0][0].in_features] + [lin.out_features for lin, _ in session.linears]
    want = _symbols(sizes, pid, flat_names(sizes))
    if not want:
        return ""
    blocks = []
    for sec in sol.derivation.sections:
        for b in sec.blocks:
            if not isinstance(b, D.Equation):
                continue
            lhs = b.lhs
            sym = lhs.wrt if isinstance(lhs, D.Partial) else lhs
            if not isinstance(sym, D.Sym) or (sym.base, sym.sub) not in want or sym.sample not in (None, 1):
                continue
            if isinstance(lhs, D.Partial) and not (isinstance(lhs.of, D.Sym) and lhs.of.base == "L"):
                continue
            blocks.append(b)
    if not blocks:
        return ""
    text = render(replace(sol.derivation, sections=[D.Section("section.backward", blocks)]), "text", messages(lang))
    lines = [line[4:] for line in text.splitlines() if line.startswith("    ")]
    return "\n".join(lines)


def _symbols(sizes, pid, names) -> set:
    """(base, subscript) pairs explain writes for a diagram id."""
    if pid in names:
        name = names[pid]
        return {(name[0], name[1:])}
    if pid == "loss":
        return {("L", "")}
    parts = pid.split("-")
    if parts[0] == "u" and len(parts) == 3 and int(parts[1]) >= 1:
        c, j = int(parts[1]), int(parts[2])
        n = str(sum(sizes[1:c]) + j + 1)
        return {("z", n), ("a", n), ("σ", n), ("ŷ", "")} if c == len(sizes) - 1 else {("z", n), ("a", n), ("σ", n)}
    return set()
