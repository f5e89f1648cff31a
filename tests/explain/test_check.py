"""`chainrule check`: a hand-worked solution marked value by value, the post's slips caught."""
from .helpers import run_cli


def answers(tmp_path, text):
    p = tmp_path / "answers.txt"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_all_correct_exits_zero(tmp_path):
    path = answers(tmp_path, "z1 = 0.6478\nσ3 = 0.4154\ndL/dz3 = 0.4154\n∂L/∂W1 = -0.0162\nW6(2) = -0.1668\n")
    code, out, err = run_cli("check", path)
    assert code == 0, err
    assert out.count("✓") == 5 and "All 5 values are correct" in out


def test_the_posts_slip_is_caught_with_the_missing_factors(tmp_path):
    path = answers(tmp_path, "z1 = 0.6478\ndL/dW1 = -0.0717\nW5(2) = -0.4452\nb3(2) = -0.7196\n")
    code, out, _ = run_cli("check", path)
    assert code == 1
    assert "✗ dL/dW1 = -0.0717: correct value -0.0162" in out
    assert "dL/dσ1 = -0.0717" in out and "dσ1/dz1·dz1/dW1" in out
    assert "✓ b3(2) = -0.7196 (hand-rounded; exact -0.7197)" in out
    assert "First step where the chain went wrong: dL/dW1." in out


def test_the_posts_swapped_table_is_caught(tmp_path):
    path = answers(tmp_path, "W2(2) = 0.1848\nW3(2) = 0.3707\n")
    code, out, _ = run_cli("check", path, "--lang", "ko")
    assert code == 1 and "W3(2) = 0.1848" in out and "정답 0.3707" in out


def test_misuse_exits_two(tmp_path):
    code, _, err = run_cli("check", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err
    code, _, err = run_cli("check", answers(tmp_path, "z1 = zero\n"))
    assert code == 2 and ":1: the value of z1 must be a number" in err
