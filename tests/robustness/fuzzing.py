"""How many examples the fuzz targets draw: small in CI, large when asked.

    CHAINRULE_FUZZ_EXAMPLES=20000 python3 -m pytest -q tests/robustness -k fuzz

runs every fuzz target with 20000 examples each (see docs/errors.md, "Fuzzing").
"""
from __future__ import annotations

import json
import math
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz_settings(ci_examples: int):
    """``ci_examples`` by default; ``CHAINRULE_FUZZ_EXAMPLES`` overrides it for a long run."""
    n = int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", ci_examples))
    return settings(max_examples=n, deadline=None, derandomize="CHAINRULE_FUZZ_EXAMPLES" not in os.environ,
                    suppress_health_check=list(HealthCheck))


# -- TOML values and a tiny writer (only what the fuzz needs; no tomli_w dependency) --------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_numbers = (st.integers(-3, 6) | st.integers(-2 ** 63, 2 ** 63 - 1)
            | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.5, 1.0, -0.25, 1e308]))
scalars = _numbers | st.booleans() | _text | st.sampled_from(
    ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity", "bce", "bce_with_logits", "mse", "l1",
     "cross_entropy", "sgd", "adam", "float32", "float64", "mean", "sum", "swish"])
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(_text | st.sampled_from(["name", "lr", "weights", "biases"]), inner,
                                        max_size=3), max_leaves=12)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_document(doc: dict) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in doc.items())
