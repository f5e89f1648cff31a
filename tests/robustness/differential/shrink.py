"""Run, compare, and shrink a failing program to a minimal one with the same kind of difference.

Shrinking tries, until nothing more helps: dropping each statement, dropping unused leaves, turning
``requires_grad`` off, replacing edge values (nan, inf, huge, tiny) by plain ones and then every value
by a short one, and cutting each leaf's sizes.  A candidate is kept when its first difference has the
same kind as the original's (and, for a raise, the same statement text).
"""
from __future__ import annotations

import math
import re

import chainrule
import torch

from .allowlist import CASCADES, DOCUMENTED
from .compare import differences
from .interpret import run
from .program import Leaf


def check(program):
    """The differences of ``program`` that no documented difference accounts for."""
    return classify(program)[0]


def classify(program):
    """(the differences no documented difference accounts for, the names of the documented ones that matched)."""
    ours, theirs = run(program, chainrule), run(program, torch)
    text = program.text()
    kept, documented = [], []
    for d in differences(program, ours, theirs):
        hit = next((e.name for e in DOCUMENTED if e.matches(d, text)), None)
        if hit is None:
            kept.append(d)
            continue
        documented.append(hit)
        if hit in CASCADES:         # what follows from an overflowed product (exp, sigmoid of it …) is no new difference
            break
    return kept, documented


def _signature(diffs):
    if not diffs:
        return None
    d = diffs[0]
    return d.kind


def shrink(program, budget: int = 400):
    """The smallest program found whose first difference has the kind of ``program``'s."""
    want = _signature(check(program))
    if want is None:
        return program
    runs = [0]

    def still(p):
        if runs[0] >= budget:
            return False
        runs[0] += 1
        try:
            return _signature(check(p)) == want
        except Exception:       # a candidate that breaks the harness itself is no smaller failure
            return False

    best, changed = program, True
    while changed and runs[0] < budget:
        changed = False
        # 1. drop statements, last first: alone, then with every later statement that uses what it made
        for i in reversed(range(len(best.statements))):
            if i >= len(best.statements):
                continue
            cand = best.with_statements(best.statements[:i] + best.statements[i + 1:])
            if still(cand):
                best, changed = cand, True
                continue
            keep = _without_dependents(best.statements, i)
            if len(keep) < len(best.statements) - 1:
                cand = best.with_statements(keep)
                if still(cand):
                    best, changed = cand, True
        # 2. drop leaves no statement names
        for leaf in list(best.leaves):
            if not any(re.search(rf"\b{leaf.name}\b", s) for s in best.statements):
                cand = best.with_leaves([l for l in best.leaves if l is not leaf])
                if still(cand):
                    best, changed = cand, True
        # 3. simpler leaves
        for i, leaf in enumerate(best.leaves):
            for new in _simpler(leaf):
                cand = best.with_leaves(best.leaves[:i] + (new,) + best.leaves[i + 1:])
                if still(cand):
                    best, changed = cand, True
                    break
    return best


def _without_dependents(statements, i):
    """``statements`` without statement ``i`` and every later one that reads a name it (transitively) made."""
    gone, keep = set(), []
    for j, stmt in enumerate(statements):
        target = re.match(r"(v\d+) = ", stmt)
        uses = set(re.findall(r"\b[xv]\d+\b", stmt.split(" = ", 1)[1] if target else stmt))
        if j == i or (j > i and uses & gone):
            if target:
                gone.add(target.group(1))
            continue
        keep.append(stmt)
    return tuple(keep)


def _plain(v, dtype):
    if dtype.startswith("float"):
        return not (math.isnan(v) or math.isinf(v) or (v != 0 and not 1e-3 <= abs(v) <= 1e3))
    return True


def _simpler(leaf: Leaf):
    """Candidate replacements for ``leaf``, most simplifying first."""
    if leaf.requires_grad:
        yield Leaf(leaf.name, leaf.dtype, leaf.shape, leaf.values, False)
    # cut one size by one (keeping the leading block of values)
    for axis, size in enumerate(leaf.shape):
        if size > 1:
            yield _cut(leaf, axis, size - 1)
    if leaf.dtype.startswith("float"):
        vals = list(leaf.values)
        for j, v in enumerate(vals):
            if not _plain(v, leaf.dtype):
                yield Leaf(leaf.name, leaf.dtype, leaf.shape, tuple(vals[:j] + [1.0] + vals[j + 1:]), leaf.requires_grad)
        rounded = tuple(v if not _plain(v, leaf.dtype) else float(round(v)) for v in vals)
        if rounded != leaf.values:
            yield Leaf(leaf.name, leaf.dtype, leaf.shape, rounded, leaf.requires_grad)


def _cut(leaf: Leaf, axis: int, new: int) -> Leaf:
    arr = leaf.array()
    idx = [slice(None)] * arr.ndim
    idx[axis] = slice(0, new)
    arr = arr[tuple(idx)]
    return Leaf(leaf.name, leaf.dtype, tuple(arr.shape), tuple(arr.reshape(-1).tolist()), leaf.requires_grad)


def report(program, diffs) -> str:
    """A failure as a person reads it: the difference, then the program for each library."""
    lines = [f"{len(diffs)} difference(s); first: {diffs[0]}"] + [f"  also: {d}" for d in diffs[1:4]]
    lines += ["", "# --- chainrule ---", program.source("chainrule"), "# --- torch (the oracle) ---",
              program.source("torch")]
    return "\n".join(lines)
