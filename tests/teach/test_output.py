"""What check prints: text in English and Korean, Markdown, HTML, JSON for autograders, Gradescope and
otter JSON, hints before answers, exit codes; the Python API returns the verdicts as data."""
import json

from chainrule.teach import check_text

from .helpers import run_cli, write

SOLUTION = ("z1 = 0.6478\ndL/dσ3 = 1.7107\ndσ3/dz3 = 0.4154\ndL/dz3 = 0.7106\ndL/dW5 = 0.4665\n"
            "W5(2) = -0.6390\ndL/dW1 = -0.0162\nfoo = 1\n")


def test_the_api_returns_verdicts_as_data():
    r = check_text(SOLUTION)
    got = [(v.name, v.status, v.diagnosis) for v in r.verdicts]
    assert got == [("z1", "correct", None), ("dL/dσ3", "correct", None),
                   ("dσ3/dz3", "wrong", "act_value_for_derivative"), ("dL/dz3", "carried", None),
                   ("dL/dW5", "carried", None), ("W5(2)", "carried", None), ("dL/dW1", "correct", None),
                   ("foo", "unknown", None)]
    assert r.score == 6.0 and r.total == 7 and r.first_wrong.name == "dσ3/dz3"
    assert [q.shown for q in r.verdicts[3].carried_from] == ["dσ3/dz3"]


def test_text_says_carried_with_credit_and_names_the_first_wrong_step(tmp_path):
    code, out, _ = run_cli("check", write(tmp_path, "a.txt", SOLUTION))
    assert code == 1
    assert "✗ dσ3/dz3 = 0.4154: correct value 0.2428" in out
    assert "that is σ3 = 0.4154, the activation's value; its derivative dσ3/dz3 is 0.2428" in out
    assert "↪ dL/dz3 = 0.7106: follows from your dσ3/dz3 (correct from your values; exact 0.4154) — credit given" in out
    assert "First step where the chain went wrong: dσ3/dz3." in out and "Score: 6 of 7." in out
    code, out, _ = run_cli("check", write(tmp_path, "a.txt", SOLUTION), "--lang", "ko")
    assert "↪ dL/dz3 = 0.7106: 앞에서 구한 dσ3/dz3에서 이어진 값입니다" in out and "처음 틀린 단계: dσ3/dz3." in out
    assert "정답 0.2428" in out


def test_hints_come_before_answers(tmp_path):
    path = write(tmp_path, "a.txt", "z1 = 0.6478\ndL/dz3 = 0.7106\n")
    code, out, _ = run_cli("check", path, "--hint")
    assert code == 1 and "✗ dL/dz3 = 0.7106: not right yet" in out and "correct value" not in out
    assert "hint: dL/dz3 = dL/dσ3·dσ3/dz3" in out and "with" not in out.split("hint:")[1]
    code, out, _ = run_cli("check", path, "--hint", "2")
    assert "with dL/dσ3 = 1.7107, dσ3/dz3 = 0.2428" in out and "correct value" not in out
    code, out, _ = run_cli("check", path, "--hint", "2", "--format", "json")
    data = json.loads(out)
    assert data["verdicts"][1]["exact"] is None and data["verdicts"][0]["exact"] is not None


def test_json_for_autograders(tmp_path):
    code, out, err = run_cli("check", write(tmp_path, "a.txt", SOLUTION), "--format", "json")
    assert code == 1, err
    data = json.loads(out)
    assert data["schema"] == "chainrule-check/1" and data["score"] == 6.0 and data["total"] == 7
    assert data["first_wrong"] == "dσ3/dz3" and data["all_correct"] is False
    v = data["verdicts"][2]
    assert v["status"] == "wrong" and v["diagnosis"] == "act_value_for_derivative" and v["line"] == 3
    assert abs(v["exact"] - 0.24285) < 1e-4 and "the activation's value" in v["message"]
    assert data["verdicts"][3]["carried_from"] == ["dσ3/dz3"]
    assert data["verdicts"][7]["status"] == "unknown"


def test_gradescope_and_otter(tmp_path):
    path = write(tmp_path, "a.txt", SOLUTION)
    code, out, _ = run_cli("check", path, "--format", "gradescope")
    data = json.loads(out)
    assert data["score"] == 6.0 and data["max_score"] == 7.0 and len(data["tests"]) == 7
    assert data["tests"][2] == {"name": "dσ3/dz3", "score": 0.0, "max_score": 1.0, "status": "failed",
                                "output": data["tests"][2]["output"]}
    code, out, _ = run_cli("check", path, "--format", "otter")
    data = json.loads(out)
    assert data["possible"] == 7.0 and [t["passed"] for t in data["tests"]].count(False) == 1


def test_markdown_and_html_files(tmp_path):
    path = write(tmp_path, "a.txt", SOLUTION)
    out_md, out_html = tmp_path / "r.md", tmp_path / "r.html"
    assert run_cli("check", path, "-o", str(out_md))[0] == 1
    md = out_md.read_text()
    assert "| dσ3/dz3 | 0.4154 | wrong | 0.2428 |" in md and "Score: 6 of 7." in md
    assert run_cli("check", path, "-o", str(out_html))[0] == 1
    page = out_html.read_text()
    assert page.startswith("<!DOCTYPE html>") and '<tr class="carried">' in page


def test_carried_credit_can_be_partial(tmp_path):
    code, out, _ = run_cli("check", write(tmp_path, "a.txt", SOLUTION), "--carried-credit", "0.5")
    assert "Score: 4.5 of 7." in out
    code, _, err = run_cli("check", write(tmp_path, "a.txt", SOLUTION), "--carried-credit", "2")
    assert code == 2 and "--carried-credit must be between 0 and 1" in err


def test_models_outside_the_layered_form(tmp_path):
    from .test_quantities import CIRCUIT, FROZEN
    circuit = write(tmp_path, "circuit.py", CIRCUIT)
    code, out, err = run_cli("check", write(tmp_path, "a.txt", "q = 3, df/dz = 0.9613, df/dx = -1.2817\n"),
                             "--model", circuit)
    assert code == 0, out + err
    frozen = write(tmp_path, "frozen.py", FROZEN)
    from chainrule.teach import problem_of
    p = problem_of(frozen)
    w = p.lookup("W2[0,0](2)")
    code, out, err = run_cli("check", write(tmp_path, "b.txt", f"W2[0,0](2) = {w.deps[0].value + w.deps[1].value:.4f}\n"),
                             "--model", frozen)
    assert code == 1 and "that adds the gradient" in out, out + err
