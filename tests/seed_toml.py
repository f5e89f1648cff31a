"""The lecture's network as a TOML model file (the format `chainrule explain` reads): one definition for the tests.

tests/conftest.py puts tests/ on ``sys.path``, so any test folder imports it as ``from seed_toml import …``.
``seed_toml()`` is the seed exactly (x = [1, 1], y = [0], BCE, SGD lr = 1); keywords vary the parts a test
needs to vary, and ``None`` leaves an optional line out::

    seed_toml(x=[[1, 1], [0.5, -1]], y=[[0], [1]], lr=0.5)     # a batch of two
"""

SEED_WEIGHTS = [[[0.4352, 0.3545], [0.1951, 0.4835]], [[-0.1725, 0.1129]]]
SEED_BIASES = [[-0.1419, 0.0439], [-0.3043]]


def seed_toml(*, x=((1, 1),), y=((0,),), lr=1.0, seed=None, reduction=None, momentum=None) -> str:
    """The seed's model file as text; Python numbers and lists are written as TOML (their repr is valid TOML)."""
    def toml(value):
        return repr(_lists(value))

    lines = ["layers = [2, 2, 1]", 'activations = ["sigmoid", "sigmoid"]', 'dtype = "float64"']
    if seed is not None:
        lines.append(f"seed = {seed}")
    lines += [f"x = {toml(x)}", f"y = {toml(y)}",
              "[init]", f"weights = {toml(SEED_WEIGHTS)}", f"biases = {toml(SEED_BIASES)}",
              "[loss]", 'name = "bce"']
    if reduction is not None:
        lines.append(f'reduction = "{reduction}"')
    lines += ["[optimizer]", 'name = "sgd"', f"lr = {lr}"]
    if momentum is not None:
        lines.append(f"momentum = {momentum}")
    return "\n".join(lines) + "\n"


def _lists(value):
    return [_lists(v) for v in value] if isinstance(value, (list, tuple)) else value


SEED_TOML = seed_toml()
