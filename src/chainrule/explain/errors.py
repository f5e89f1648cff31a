"""The two ways an explanation can refuse.

``UnsupportedModel`` — the model, loss, optimiser or model file is something the explainer cannot
describe (a user can fix it; the CLI prints it and exits with code 2).

``ChainRuleMismatch`` — a chain-rule product did not equal the gradient autograd computed.  The
explanation is not printed: printing it would show arithmetic that is not what the engine did.
"""
from __future__ import annotations


class UnsupportedModel(ValueError):
    pass


class ChainRuleMismatch(RuntimeError):
    pass
