"""The deliberate, documented differences from PyTorch the fuzzer accepts — by name, never silently.

Each entry names its row in docs/errors.md (``tests/robustness/test_differential.py`` checks that the
quoted text is there) and a test of a difference: a kind and a pattern on the statement or the
messages.  A wrong value or gradient is never a documented difference: entries may only match the
kinds in ``ALLOWED_KINDS``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ALLOWED_KINDS = ("value", "backward", "requires_grad", "missing_error", "error_class", "value_overflow", "grad_overflow")


@dataclass(frozen=True)
class Documented:
    name: str
    errors_md: str          # text that occurs in docs/errors.md, on the row that documents it
    kind: str
    pattern: str            # searched in the difference's where + ours + theirs

    program: str = ""       # and, when given, searched in the program's statements

    def matches(self, d, statements: str = "") -> bool:
        if d.kind != self.kind or re.search(self.pattern, f"{d.where} | {d.ours} | {d.theirs}") is None:
            return False
        return not self.program or re.search(self.program, statements) is not None


_NO_KERNEL = r"\| NotImplementedError: .*not implemented for '(Bool|Long|Int|Short|Char|Byte)'"
_MATMUL = r"@|matmul|\bmm\(|bmm|einsum|dot|outer|linear"

DOCUMENTED = (
    Documented("integer tensor marked requires_grad by an index-put", "an integer or boolean tensor written",
               "requires_grad", r"\((int64|bool), shape \([^|]*\)\) \| [^|]*\((int64|bool), shape [^|]*, requires_grad\)$"),
    Documented("integer tensor marked requires_grad by an index-put (its clone)", "an integer or boolean tensor written",
               "missing_error", r"\| RuntimeError: Autograd not support dtype"),
    Documented("integer tensor marked requires_grad by an index-put (a later write into it)",
               "an integer or boolean tensor written", "error_class", r"\| RuntimeError: Autograd not support dtype"),
    Documented("integer tensor marked requires_grad by an index-put (what it is written into)",
               "an integer or boolean tensor written", "requires_grad", r"\| [^|]*, requires_grad\)$",
               r"(x\d+) = lib\.\w+\([^\n]*dtype=lib\.(int64|bool)[^\n]*\)\n(?:[\s\S]*\n)?\1\[[^\n]*\] = "
               r"|(v\d+) = [^\n]*(logical_|isnan|isinf|isfinite| [<>]=? | [!=]= |\.bool\(\)|\.long\(\)|argmax|argmin"
               r"|indices|argsort|count_nonzero|nonzero)[^\n]*\n(?:[\s\S]*\n)?\3\[[^\n]*\] = "),
    Documented("an op PyTorch's CPU build has no kernel for", "has no CPU kernel for", "missing_error", _NO_KERNEL),
    Documented("an op PyTorch's CPU build has no kernel for (chainrule refuses too)", "has no CPU kernel for",
               "error_class", _NO_KERNEL),
    Documented("a power with a boolean exponent: PyTorch's backward fails", "PyTorch's backward of a power with a boolean",
               "backward", r"Subtraction, the `-` operator, with a bool tensor is not supported", r"\*\*|pow"),
    Documented("PyTorch's own internal assert in backward (a float written into a bool/int tensor)",
               "PyTorch's engine fails an internal assert", "backward", r"INTERNAL ASSERT FAILED"),
    Documented("an overflowing matrix product: nan or inf", "which of nan and inf an overflowing matrix product",
               "value_overflow", r"^v\d+ \(from: .*(" + _MATMUL + ")"),
    Documented("a matrix product of values beyond 1e30: its elements depend on the summation order",
               "which of nan and inf an overflowing matrix product", "value", r"^v\d+ \(from: .*(" + _MATMUL + ")",
               r"e\+3\d|e\+30\d|inf"),
    Documented("an overflowing matrix product in backward: nan or inf", "which of nan and inf an overflowing matrix product",
               "grad_overflow", r"\.grad", _MATMUL),
)


# a documented difference whose consequences later in the program are not differences of their own
CASCADES = ("an overflowing matrix product: nan or inf",
            "a matrix product of values beyond 1e30: its elements depend on the summation order")


def allowed(d, statements: str = "") -> bool:
    return any(e.matches(d, statements) for e in DOCUMENTED)
