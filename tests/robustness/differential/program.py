"""A program as data, and how it is printed as runnable Python."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

DTYPES = ("float32", "float64", "int64", "bool")


@dataclass(frozen=True)
class Leaf:
    """An input tensor: ``name = lib.tensor(values, dtype=…, requires_grad=…)``."""
    name: str
    dtype: str
    shape: tuple
    values: tuple            # flat, row-major; Python floats / ints / bools
    requires_grad: bool = False

    def array(self) -> np.ndarray:
        return np.array(self.values, dtype=self.dtype).reshape(self.shape)

    def source(self) -> str:
        rg = ", requires_grad=True" if self.requires_grad else ""
        if 0 in self.shape:
            return f"{self.name} = lib.zeros({self.shape}, dtype=lib.{self.dtype}{rg})"
        nested = _nest([_literal(v, self.dtype) for v in self.values], self.shape)
        return f"{self.name} = lib.tensor({nested}, dtype=lib.{self.dtype}{rg})"


@dataclass(frozen=True)
class Program:
    leaves: tuple            # of Leaf
    statements: tuple        # of str: one line of Python each
    families: tuple = field(default=(), compare=False)   # the op families it was drawn from

    def with_statements(self, statements) -> "Program":
        return replace(self, statements=tuple(statements))

    def with_leaves(self, leaves) -> "Program":
        return replace(self, leaves=tuple(leaves))

    def text(self) -> str:
        """The leaves' lines and the statements: what findings and documented differences search."""
        return "\n".join([leaf.source() for leaf in self.leaves] + list(self.statements))

    def source(self, lib: str = "chainrule") -> str:
        """The program as a script a person can run: it prints every variable and every leaf's grad."""
        lines = ["import numpy as np", f"import {lib} as lib", "F = lib.nn.functional",
                 "nan, inf = float('nan'), float('inf')",
                 "def W(t):  # fixed weights, so every output element's gradient counts",
                 "    return lib.tensor(np.cos(np.arange(t.numel()) + 1.0).reshape(tuple(t.shape)), dtype=t.dtype)",
                 ""]
        lines += [leaf.source() for leaf in self.leaves]
        lines += list(self.statements)
        lines += ["outs = [v for k, v in list(globals().items()) if k[:1] in 'xv' and k[1:].isdigit()",
                  "        and isinstance(v, lib.Tensor) and v.requires_grad and v.is_floating_point()]",
                  "for k, v in list(globals().items()):",
                  "    if k[:1] in 'xv' and k[1:].isdigit() and isinstance(v, lib.Tensor): print(k, v)",
                  "if outs:",
                  "    sum((v * W(v)).sum() for v in outs).backward()",
                  f"    print({', '.join(repr(l.name + '.grad') + ', ' + l.name + '.grad' for l in self.leaves if l.requires_grad) or repr('no grads')})"]
        return "\n".join(lines) + "\n"


def _literal(v, dtype: str) -> str:
    if dtype == "bool":
        return "True" if v else "False"
    if dtype == "int64":
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def _nest(flat, shape) -> str:
    if not shape:
        return flat[0]
    step = len(flat) // shape[0]
    return "[" + ", ".join(_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])) + "]"
