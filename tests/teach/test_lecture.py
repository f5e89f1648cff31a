"""The issue's Done-when lines on the lecture: its closing table, the README line, the rounding band."""
import os
import random

from chainrule.teach import check_text, problem_of
from chainrule.teach.marking import Marker

from . import lecture_by_hand as H
from .helpers import run_cli, write

TABLE = os.path.join(os.path.dirname(__file__), "lecture_table.md")


def test_the_lectures_closing_table_as_markdown():
    code, out, err = run_cli("check", TABLE)
    assert code == 1, err
    # W2 and W3 are swapped in the lecture's table (its labels follow weight[j][i] the other way round)
    assert "✗ W₂(2) = 0.1848: correct value 0.3707" in out
    assert "your value is W3(2) = 0.1848: are two labels swapped?" in out
    assert "your value is W2(2) = 0.3707: are two labels swapped?" in out
    assert "✓ b₃(2) = -0.7196 (hand-rounded; exact -0.7197)" in out
    assert "✗ ∂L/∂W1 = -0.0717: correct value -0.0162" in out
    assert "your value is dL/dσ1 = -0.0717: the chain stops early; it continues with ·dσ1/dz1·dz1/dW1" in out
    assert out.count("✓") == 14 and "14 of 19 values correct." in out


def test_the_table_with_before_and_after_columns_in_the_header(tmp_path):
    path = write(tmp_path, "t.md", "| | (1) | (2) |\n|---|---|---|\n| W₁ | 0.4352 | 0.4514 |\n"
                                   "| W₅ | −0.1725 | −0.4452 |\n| b₃ | −0.3043 | −0.7196 |\n")
    code, out, err = run_cli("check", path)
    assert code == 0 and "All 6 values are correct." in out, out + err


def test_the_readme_line_scores_three_of_three(tmp_path):
    r = check_text("z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452")
    assert (r.score, r.total, r.all_correct) == (3.0, 3, True)
    code, out, _ = run_cli("check", write(tmp_path, "a.txt", "z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452\n"))
    assert code == 0 and "All 3 values are correct." in out


def test_a_truncated_answer_is_not_hand_rounding():
    # 0.3545 to one decimal is 0.4; 0.3 is truncated, which no one rounding by hand writes
    r = check_text("W2(1) = 0.3\nW2(1)' = 0.4\nz2 = 0.6\nz2 = 0.7")
    got = {(v.name, v.status) for v in r.verdicts}
    assert ("W2(1)", "wrong") in got and ("z2", "wrong") in got
    r = check_text("W2(1) = 0.4\nz2 = 0.7\nz1 = 0.7\nz1 = 0.6")
    assert [v.status for v in r.verdicts] == ["correct", "correct", "rounded", "duplicate"]


def people(d, n=300):
    """People who write every number to d decimals, rounding half away from zero — some keep a few
    intermediate numbers in the calculator instead of writing them down (no rounding there)."""
    rng = random.Random(d)

    def keep(v, d):
        return v
    out = [H.work(d, H.nearest)]
    for _ in range(n):
        out.append(H.work(d, [H.nearest if rng.random() < 0.7 else keep for _ in range(40)]))
    return out


def test_the_rounding_band_accepts_exactly_what_carrying_the_decimals_produces():
    p = problem_of()
    m = Marker(p, [])
    for d in (1, 2, 4):
        crowd = people(d)
        for name in crowd[0]:
            q = p.lookup(name)
            band = m.band(q, d)
            produced = {H.nearest(s[name], d) for s in crowd}
            verdicts = [check_text(f"{name} = {H.fmt(v, d)}", problem=p).verdicts[0] for v in sorted(produced)]
            assert all(v.status in ("correct", "rounded") for v in verdicts), (d, name, [
                (v.text, v.status, v.exact, v.band) for v in verdicts])
            # and not more: one unit beyond the band is wrong, and the band is at most 3 units wider than the
            # farthest answer a person in the crowd produced
            unit = 10.0 ** -d
            beyond = [q.value + band + unit, q.value - band - unit]
            assert all(check_text(f"{name} = {v:.{d}f}", problem=p).verdicts[0].status == "wrong"
                       for v in (H.away(b, d) if b > q.value else -H.away(-b, d) for b in beyond)), (d, name)
            farthest = max(abs(v - q.value) for v in produced)
            assert band <= farthest + 3 * unit, (d, name, band, farthest)
