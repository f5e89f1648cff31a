"""The differential fuzzer's CI budget: random programs in chainrule and PyTorch must agree.

Per op family, ``CHAINRULE_DIFF_PROGRAMS`` programs (default 40) from seed ``CHAINRULE_DIFF_SEED``
(default 0), plus as many drawn from every family at once.  A program passes when every statement
raises in both libraries or in neither (same builtin exception class), every variable has the same
value, dtype, shape and requires_grad, and every leaf the same gradient.  A difference is tolerated
only when it is a documented difference (``differential/allowlist.py``, each pointing at
docs/errors.md) or an open finding (``differential/findings.py``, each a strict xfail below, so a fix
shows up as an XPASS and the finding must be closed).  Anything else fails with the shrunk program,
printed for both libraries.

    CHAINRULE_DIFF_PROGRAMS=2000 CHAINRULE_DIFF_SEED=7 python3 -m pytest -q tests/robustness/test_differential.py
"""
from __future__ import annotations

import collections
import os
from pathlib import Path

import pytest

from .differential.allowlist import ALLOWED_KINDS, DOCUMENTED
from .differential.compare import KINDS
from .differential.findings import BY_ID, FINDINGS, OPEN, open_finding
from .differential.generate import FAMILIES, program
from .differential.shrink import check, report, shrink

PROGRAMS = int(os.environ.get("CHAINRULE_DIFF_PROGRAMS", 40))
SEED = int(os.environ.get("CHAINRULE_DIFF_SEED", 0))
ERRORS_MD = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def _budget(families, salt):
    """Run the budget; fail with the first unexplained difference, shrunk."""
    tolerated = collections.Counter()
    for i in range(PROGRAMS):
        p = program(SEED * 10_000_000 + salt * 100_000 + i, families)
        diffs = check(p)
        if not diffs:
            continue
        f = open_finding(diffs[0], p.text())
        if f is not None:
            tolerated[f.id] += 1
            continue
        small = shrink(p)
        pytest.fail(f"program {i} of seed {SEED} ({'/'.join(families)}) differs from PyTorch and no open finding "
                    f"or documented difference accounts for it:\n" + report(small, check(small) or diffs))
    return tolerated


@pytest.mark.parametrize("family", FAMILIES)
def test_family_agrees_with_pytorch(family):
    _budget((family,), FAMILIES.index(family) + 1)


def test_mixed_programs_agree_with_pytorch():
    _budget(FAMILIES, 0)


@pytest.mark.parametrize("finding", [
    pytest.param(f.id, marks=pytest.mark.xfail(strict=True, reason=f"{f.id} [{f.area}] {f.summary} (open)"))
    if f.id in OPEN else f.id for f in FINDINGS])
def test_finding(finding):
    """Each finding's minimal program agrees with PyTorch (a strict xfail while the finding is open)."""
    f = BY_ID[finding]
    diffs = check(f.as_program())
    assert not diffs, report(f.as_program(), diffs)


def test_documented_differences_point_at_docs_errors_md():
    text = ERRORS_MD.read_text(encoding="utf-8")
    for d in DOCUMENTED:
        assert d.kind in ALLOWED_KINDS and d.kind in KINDS, d.name
        assert d.errors_md in text, f"{d.name}: docs/errors.md has no row with {d.errors_md!r}"


def test_the_comparison_catches_a_wrong_value():
    """The harness itself can fail: a program whose chainrule value is wrong is reported as 'value'."""
    from .differential.compare import differences
    from .differential.interpret import Seen, Trace
    from .differential.program import Leaf, Program
    import numpy as np
    p = Program((Leaf("x0", "float32", (2,), (1.0, 2.0)),), ("v0 = x0 * 2",))
    theirs = Trace(steps=[None], seen={"x0": Seen(True, (2,), "float32", False, np.array([1, 2], np.float32)),
                                       "v0": Seen(True, (2,), "float32", False, np.array([2, 4], np.float32))})
    ours = Trace(steps=[None], seen={"x0": theirs.seen["x0"],
                                     "v0": Seen(True, (2,), "float32", False, np.array([2, 4.01], np.float32))})
    assert [d.kind for d in differences(p, ours, theirs)] == ["value"]
    ours.seen["v0"] = Seen(True, (2,), "float32", False, np.array([2, np.nan], np.float32))
    assert [d.kind for d in differences(p, ours, theirs)] == ["value"]
    ours.steps = [("RuntimeError", "boom")]
    assert [d.kind for d in differences(p, ours, theirs)][0] == "crash"


def test_a_failure_shrinks_to_a_minimal_program(monkeypatch):
    """A deliberately wrong chainrule op, buried in a longer program, shrinks to the one statement that uses it,
    on a leaf cut down to one element, and is printed as runnable Python for both libraries."""
    import chainrule
    from .differential.program import Leaf, Program
    monkeypatch.setattr(chainrule.Tensor, "neg", lambda self: self * 2)
    p = Program((Leaf("x0", "float64", (2, 3), (1.5, -2.0, 0.25, 3.0, float("nan"), 1e300), True),
                 Leaf("x1", "float32", (3,), (1.0, 2.0, 3.0))),
                ("v0 = x0 * 1", "v1 = v0.t()", "v2 = x1 + 2", "v3 = x0.neg()", "v4 = v3.sum()", "v5 = v2 * v2"))
    assert check(p)
    small = shrink(p)
    assert small.statements == ("v3 = x0.neg()",)
    assert [leaf.name for leaf in small.leaves] == ["x0"] and small.leaves[0].shape == (1, 1)
    text = report(small, check(small))
    assert "import chainrule as lib" in text and "import torch as lib" in text and "v3 = x0.neg()" in text
