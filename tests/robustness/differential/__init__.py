"""A differential fuzzer: random tensor programs run in chainrule and in PyTorch, compared.

A program is data (:class:`program.Program`): a few leaf tensors (shape, dtype, values, requires_grad)
and 3–12 statements, each one line of Python over ``lib`` (the library: ``chainrule`` or ``torch``) and
``F`` (``lib.nn.functional``).  :mod:`generate` writes them from a seed, asking PyTorch what each
statement produces so the next one fits; :mod:`interpret` runs one program against a library and
records what a user would observe — every statement raising or not (and the exception class), every
variable's value, dtype, shape and ``requires_grad``, then the backward pass of one scalar made from
every output and each leaf's gradient; :mod:`compare` lists the differences; :mod:`shrink` reduces a
failing program to a minimal one and :mod:`program` prints it as runnable Python.

    python3 -m tests.robustness.differential --programs 20000 --seed 7

runs a campaign and prints the counts by kind (see docs/errors.md, "Fuzzing").  The CI budget is
``tests/robustness/test_differential.py``; ``CHAINRULE_DIFF_PROGRAMS`` and ``CHAINRULE_DIFF_SEED``
make it longer.
"""
