"""Every error of check, exercise and the gradebook: one line naming the file/line/option and what works,
exit code 2, never a traceback (each row of docs/errors.md's teach table points here)."""
import pytest

from .helpers import run_cli, write

SOLUTIONS = [
    ("a.txt", "z1 0.5\n", "a.txt:1: expected `name = value`, got 'z1 0.5'"),
    ("a.txt", "z1 = 0.5; w\n", "a.txt:1: expected `name = value` in 'w'"),
    ("a.txt", "= 0.5\n", "a.txt:1: a value without a name"),
    ("a.txt", "z1 = half\n", "a.txt:1: the value of z1 must be a number, got 'half'"),
    ("a.txt", "# only a comment\n", "no `name = value` lines found"),
    ("a.json", '{"z1": \n', "a.json:2: not valid JSON"),
    ("a.json", '[{"z1": 0.5}]', "a.json: item 1 of the list: expected"),
    ("a.json", '"z1"', "a.json:1: expected a JSON object of name: value"),
    ("a.json", "{}", "a.json: the JSON holds no answers"),
    ("a.csv", "z1\n", "a.csv:1: expected `name,value`, got 'z1'"),
    ("a.csv", "name,value\n", "a.csv: no `name,value` rows found"),
    ("a.md", "| a | b |\n|---|---|\n| 0.5 | 0.7 |\n", "a.md:3: a table row without a name for its number"),
]


@pytest.mark.parametrize("name,text,words", SOLUTIONS)
def test_solution_file_errors(tmp_path, name, text, words):
    code, out, err = run_cli("check", write(tmp_path, name, text))
    assert code == 2 and words in err and err.count("\n") == 1 and out == "", err


def test_files_that_are_not_solutions(tmp_path):
    code, _, err = run_cli("check", str(tmp_path / "none.txt"))
    assert code == 2 and "none.txt: no such file" in err
    p = tmp_path / "latin1.txt"
    p.write_bytes("z1 = 0.5\nσ = 1\n".encode("utf-16")[2:])
    code, _, err = run_cli("check", str(p))
    assert code == 2 and ("a binary file, not a solution" in err or "not UTF-8 text" in err)
    p = tmp_path / "latin.txt"
    p.write_bytes(b"z1 = 0.5\n\xe9 = 1\n")
    code, _, err = run_cli("check", str(p))
    assert code == 2 and "latin.txt:2: not UTF-8 text" in err
    sub = tmp_path / "sub"
    sub.mkdir()
    code, _, err = run_cli("check", str(sub))
    assert code == 2 and "a folder of submissions is graded against an answer key" in err


@pytest.mark.parametrize("key,words", [
    (None, "no such answer key"),
    ("not json", "not an answer key (not JSON"),
    ('{"schema": "x"}', "not an answer key: the field schema must be 'chainrule-key/1'"),
    ('{"schema": "chainrule-key/1"}', "the field model must be"),
    ('{"schema": "chainrule-key/1", "model": {"name": "m.toml", "text": ""}, "questions": 3}',
     "the field questions must be a list"),
])
def test_answer_key_errors(tmp_path, key, words):
    path = str(tmp_path / "key.json") if key is None else write(tmp_path, "key.json", key)
    code, _, err = run_cli("check", write(tmp_path, "a.txt", "z1 = 0.5\n"), "--key", path)
    assert code == 2 and words in err, err


def test_a_key_too_large(tmp_path):
    p = tmp_path / "key.json"
    p.write_bytes(b" " * 5_000_001)
    code, _, err = run_cli("check", write(tmp_path, "a.txt", "z1 = 0.5\n"), "--key", str(p))
    assert code == 2 and "too large for an answer key" in err


@pytest.mark.parametrize("argv,words", [
    (["--hint", "3"], "--hint takes level 1 or 2"),
    (["--carried-credit", "-1"], "--carried-credit must be between 0 and 1"),
    (["--key", "k.json", "--model", "m.toml"], "give --key or --model, not both"),
])
def test_check_option_errors(tmp_path, argv, words):
    code, _, err = run_cli("check", write(tmp_path, "a.txt", "z1 = 0.5\n"), *argv)
    assert code == 2 and words in err


def test_a_folder_without_submissions(tmp_path):
    run_cli("exercise", "-o", str(tmp_path / "ex"))
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("check", str(tmp_path / "empty"), "--key", str(tmp_path / "ex" / "key.json"))
    assert code == 2 and "no submissions (files ending in" in err


@pytest.mark.parametrize("argv,words", [
    (["--variants", "0"], "--variants must be 1 … 500"),
    (["--decimals", "0"], "--decimals must be 1 … 8"),
    (["--sizes", "two"], "--sizes: expected sizes such as 2-2-1"),
    (["--sizes", "2-9-1"], "--sizes: 2 to 5 layer sizes of 1 … 6 units"),
    (["--activations", "sigmoid,tanh,relu"], "--activations: give one activation, or one per layer (2)"),
    (["--activations", "swish"], "--activations: unknown activation 'swish'"),
    (["--loss", "cross_entropy", "--sizes", "2-2-1"], "--loss cross_entropy needs at least 2 outputs"),
    (["--batch", "40"], "--batch must be 1 … 16"),
    (["--kind", "model"], "--kind model needs --model FILE"),
    (["--kind", "model", "--model", "nothere.py"], "--model nothere.py: no such file"),
])
def test_exercise_errors(tmp_path, argv, words):
    code, out, err = run_cli("exercise", *argv, "-o", str(tmp_path / "ex"))
    assert code == 2 and words in err and "Traceback" not in err, err


def test_api_errors():
    from chainrule.teach.exercise import ExerciseError, make
    from chainrule.teach.report import words
    with pytest.raises(ExerciseError, match="unknown kind 'cnn'"):
        make("cnn")
    with pytest.raises(ExerciseError, match="--weight-decimals must be 1 or 2"):
        make("mlp", weight_decimals=3)
    with pytest.raises(ExerciseError, match="--loss: unknown loss 'hinge'"):
        make("mlp", loss="hinge")
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        words("fr")
