"""`chainrule explain` on the lecture's example: every reference value, in the post's order."""
import re

from .helpers import run_cli

# (label in the output, value to 4 decimals) in the order the post computes them
REFERENCE_ORDER = [
    ("z₁", "0.6478"), ("z₂", "0.7225"), ("σ₁", "0.6565"), ("σ₂", "0.6732"), ("z₃", "-0.3415"),
    ("σ₃", "0.4154"), ("L", "0.5369"), ("∂L/∂σ₃", "1.7107"), ("∂σ₃/∂z₃", "0.2428"), ("∂L/∂z₃", "0.4154"),
    ("∂L/∂W₅", "0.2727"), ("W₅(2)", "-0.4452"), ("∂L/∂W₆", "0.2797"), ("W₆(2)", "-0.1668"),
    ("b₃(2)", "-0.7197"), ("∂L/∂W₁", "-0.0162"), ("W₁(2)", "0.4514"), ("W₂(2)", "0.3707"),
    ("W₃(2)", "0.1848"), ("W₄(2)", "0.4732"), ("b₁(2)", "-0.1257"), ("b₂(2)", "0.0336"),
]


def equation_values(text):
    """{lhs: final value} of every aligned equation in the text output, in order of appearance."""
    out = []
    lhs = None
    last = None
    for line in text.splitlines():
        m = re.match(r"^    (\S.*?) = (.*)$", line)
        if m and not line.startswith("     "):
            if lhs is not None:
                out.append((lhs, last))
            lhs, last = m.group(1), m.group(2)
            continue
        m = re.match(r"^ {5,}= (.*)$", line)
        if m and lhs is not None:
            last = m.group(1)
            continue
        if lhs is not None and not line.startswith(" "):
            out.append((lhs, last))
            lhs = None
    if lhs is not None:
        out.append((lhs, last))
    return out


def test_every_reference_value_in_the_posts_order():
    code, out, err = run_cli("explain")
    assert code == 0, err
    eqs = equation_values(out)
    positions = []
    for label, value in REFERENCE_ORDER:
        hits = [i for i, (lhs, v) in enumerate(eqs) if lhs == label and v == value]
        assert hits, f"{label} = {value} not found; equations: {[e for e in eqs if e[0] == label]}"
        positions.append(hits[0])
    assert positions == sorted(positions), "values appear out of the post's order"


def test_full_chain_for_w1_not_the_posts_slip():
    code, out, _ = run_cli("explain")
    assert "∂L/∂W₁ = ∂L/∂σ₃·∂σ₃/∂z₃·∂z₃/∂σ₁·∂σ₁/∂z₁·∂z₁/∂W₁" in out
    assert ("∂L/∂W₁", "-0.0717") not in equation_values(out)


def test_closing_table_labels_follow_the_forward_pass():
    code, out, _ = run_cli("explain")
    table = out[out.index("5. Weights and biases"):]
    # W2 is weight[0][1] = 0.3545 (the post's table swaps it with W3 = 0.1951)
    assert re.search(r"W₂\(1\) = 0\.3545\s+W₂\(2\) = 0\.3707", table)
    assert re.search(r"W₃\(1\) = 0\.1951\s+W₃\(2\) = 0\.1848", table)
    assert re.search(r"W₆\(1\) = 0\.1129\s+W₆\(2\) = -0\.1668", table)
    setup = out[:out.index("2. Forward")]
    assert re.search(r"W₂\s+layer1\.0\.weight\[0\]\[1\]\s+0\.3545", setup)
    assert re.search(r"W₃\s+layer1\.0\.weight\[1\]\[0\]\s+0\.1951", setup)


def test_korean_uses_the_posts_terms():
    code, out, _ = run_cli("explain", "--lang", "ko")
    assert code == 0
    for word in ("순전파", "가중합", "활성화 함수", "오차", "역전파", "연쇄 법칙", "갱신", "학습률"):
        assert word in out, word
    assert "-0.4452" in out and "Weighted sums of layer" not in out


def test_hand_rounding_reproduces_the_posts_digits():
    code, out, _ = run_cli("explain", "--hand")
    eqs = dict(equation_values(out))
    assert eqs["b₃(2)"] == "-0.7196† (exact -0.7197)"     # the post's hand value, the exact one beside it
    assert eqs["W₆(2)"] == "-0.1667† (exact -0.1668)"
    assert eqs["W₅(2)"] == "-0.4452"                      # agrees with the exact value: no mark
    assert eqs["∂L/∂σ₃"] == "1.7106† (exact 1.7107)"      # the post's 1.7106
    exact = dict(equation_values(run_cli("explain")[1]))
    assert exact["b₃(2)"] == "-0.7197"


def test_observation_tells_the_sigmoid_story_from_the_numbers():
    code, out, _ = run_cli("explain")
    obs = out[out.index("6. What this step shows"):]
    assert "changed 24.4× less" in obs
    assert "vanishing gradient" in obs
