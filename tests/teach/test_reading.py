"""Every form of a solution and every spelling of a name; errors name the line."""
import json

import pytest

from chainrule.teach import check_text
from chainrule.teach.reading import SolutionError, read_solution

from .helpers import run_cli, write


def names_and_values(text, path="<s>"):
    return [(e.line, e.name, e.value) for e in read_solution(text, path)]


def test_several_pairs_on_a_line_with_commas_and_semicolons():
    got = names_and_values("z1 = 0.6478, dL/dW1 = -0.0162; W5(2) = -0.4452\nW^(1)_{1,2}(2) = 0.3707, σ1 = 0.6565")
    assert got == [(1, "z1", 0.6478), (1, "dL/dW1", -0.0162), (1, "W5(2)", -0.4452),
                   (2, "W^(1)_{1,2}(2)", 0.3707), (2, "σ1", 0.6565)]


def test_a_worked_line_keeps_its_name_and_last_number():
    assert names_and_values("W5(2) = W5(1) − α·∂L/∂W5 = −0.1725 − 0.2727 = −0.4452") == [(1, "W5(2)", -0.4452)]


def test_csv_json_latex_and_markdown_cells(tmp_path):
    assert names_and_values("name,value\nz1,0.6478\nσ3,0.4154\n", "a.csv") == [(2, "z1", 0.6478), (3, "σ3", 0.4154)]
    text = json.dumps({"answers": {"z1": 0.6478, "dL/dW5": "0.2727"}}, indent=1)
    assert names_and_values(text, "a.json") == [(3, "z1", 0.6478), (4, "dL/dW5", 0.2727)]
    assert names_and_values('[{"name": "z1", "value": 0.6478}]', "a.json") == [(1, "z1", 0.6478)]
    assert names_and_values(r"W_1(1) & =0.4352 & W_1(2) & =0.4514 \\") == [(1, "W_1(1)", 0.4352),
                                                                           (1, "W_1(2)", 0.4514)]
    md = "Some prose.\n\n| quantity | value |\n|---|---|\n| z1 | 0.6478 |\n| W₅(2) = −0.4452 | |\n"
    assert names_and_values(md, "a.md") == [(5, "z1", 0.6478), (6, "W₅(2)", -0.4452)]


@pytest.mark.parametrize("name", ["dL/dW5", "∂L/∂W₅", r"\frac{\partial L}{\partial W_5}", r"\partial L/\partial W_{5}",
                                  "dL/dW5(1)", "dL/dW^(2)_11", "∂L/∂W⁽²⁾₁₁", r"\frac{\partial\mathcal{L}}{\partial W_5(1)}"])
def test_a_gradient_in_every_spelling(name):
    r = check_text(f"{name} = 0.2727")
    assert r.verdicts[0].status == "correct", (name, r.verdicts[0])


@pytest.mark.parametrize("name,value", [("W5(2)", -0.4452), ("W5_new", -0.4452), ("W_5(2)", -0.4452),
                                        ("sigma1", 0.6565), ("s1", 0.6565), ("σ₁", 0.6565), (r"\sigma_1", 0.6565),
                                        ("W^(1)_12(1)", 0.3545), ("W5_old", -0.1725),
                                        ("yhat", 0.4154), ("ŷ", 0.4154), ("y_hat", 0.4154), (r"\hat{y}", 0.4154),
                                        ("dL/dyhat", 1.7107), ("loss", 0.5369)])
def test_names_people_type(name, value):
    r = check_text(f"{name} = {value}")
    assert r.verdicts[0].status == "correct", (name, r.verdicts[0])


def test_per_sample_names(tmp_path):
    model = write(tmp_path, "b.toml", 'layers = [2, 1]\nactivations = ["sigmoid"]\ndtype = "float64"\nseed = 1\n'
                                      'x = [[1, 2], [0, -1]]\ny = [[1], [0]]\n[loss]\nname = "bce"\n'
                                      '[optimizer]\nname = "sgd"\nlr = 0.5\n')
    from chainrule.teach import problem_of
    p = problem_of(model)
    z = p.lookup("z1[2]")
    assert z is not None and check_text(f"z_1[2] = {z.value:.4f}", problem=p).verdicts[0].status == "correct"


def test_an_unknown_name_says_which_names_are_near(tmp_path):
    code, out, _ = run_cli("check", write(tmp_path, "a.txt", "dL/dW55 = 0.3\nsgima3 = 0.4154\n"))
    assert code == 1
    assert "? dL/dW55: not a quantity of this step" in out and "did you mean dL/dW5" in out
    assert "did you mean σ3" in out


@pytest.mark.parametrize("text,words", [
    ("z1 = 0.6478\nz1 0.6478\n", "a.txt:2: expected `name = value`, got 'z1 0.6478'"),
    ("z1 = 0.6478, dL/dW1 = minus\n", "a.txt:1: the value of dL/dW1 must be a number, got 'minus'"),
    ("= 0.5\n", "a.txt:1: a value without a name"),
    ("# nothing\n", "no `name = value` lines found"),
])
def test_errors_name_the_line(tmp_path, text, words):
    code, out, err = run_cli("check", write(tmp_path, "a.txt", text))
    assert code == 2 and words in err and err.count("\n") == 1 and "Traceback" not in err


def test_json_and_table_errors_name_the_line(tmp_path):
    code, _, err = run_cli("check", write(tmp_path, "a.json", '{\n "z1": 0.6478,\n "z2": [1]\n}\n'))
    assert code == 2 and "a.json:3: the value of z2 must be a number" in err
    code, _, err = run_cli("check", write(tmp_path, "b.json", '{"z1": 0.6478,\n'))
    assert code == 2 and "b.json:2: not valid JSON" in err
    code, _, err = run_cli("check", write(tmp_path, "t.md", "| a | b |\n|---|---|\n| 0.5 | 0.7 |\n"))
    assert code == 2 and "t.md:3: a table row without a name" in err


def test_duplicates_binary_files_and_huge_files(tmp_path):
    code, out, _ = run_cli("check", write(tmp_path, "a.txt", "z1 = 0.6478\nz_1 = 0.7\n"))
    assert code == 1 and "? z_1: given again (first on line 1); the first is marked" in out
    p = tmp_path / "bin.txt"
    p.write_bytes(bytes(range(256)) * 40)
    code, _, err = run_cli("check", str(p))
    assert code == 2 and "bin.txt:2: a binary file, not a solution" in err
    p = tmp_path / "big.txt"
    p.write_text("z1 = 0.6478\n" * 100_000)
    code, _, err = run_cli("check", str(p))
    assert code == 2 and "big.txt:" in err and "too large for an answers file" in err


def test_standard_input():
    code, out, err = run_cli("check", "-", stdin="z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452\n")
    assert code == 0 and "All 3 values are correct." in out, err


def test_reading_errors_are_solution_errors():
    with pytest.raises(SolutionError, match=r"x.txt:1: expected `name = value`"):
        read_solution("nothing here", "x.txt")
