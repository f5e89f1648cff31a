"""The lecture's network as a TOML model file (the format `chainrule explain` reads)."""

SEED_TOML = """layers = [2, 2, 1]
activations = ["sigmoid", "sigmoid"]
dtype = "float64"
x = [[1, 1]]
y = [[0]]
[init]
weights = [[[0.4352, 0.3545], [0.1951, 0.4835]], [[-0.1725, 0.1129]]]
biases = [[-0.1419, 0.0439], [-0.3043]]
[loss]
name = "bce"
[optimizer]
name = "sgd"
lr = 1.0
"""
