"""A class: a folder of submissions graded against an exercise's key — gradebook CSV/JSON, item analysis
(text and an HTML page with a chart), unreadable files listed, 200 submissions in under 30 s."""
import csv
import json
import random
import time

from chainrule.teach import solve
from chainrule.teach.key import load_key

from .helpers import run_cli


def make_class(tmp_path, n):
    run_cli("exercise", "--seed", "4", "-o", str(tmp_path / "ex"))
    key_path = str(tmp_path / "ex" / "key.json")
    key = load_key(key_path)
    answers = solve(key.problem())
    asked = [q["name"] for q in key.data["questions"]]
    subs = tmp_path / "subs"
    subs.mkdir()
    rng = random.Random(0)
    flipped = 0
    for i in range(n):
        lines = []
        for name in asked:
            v = answers[name]
            if name == "dL/dW5" and i % 3 == 0:          # a third of the class gets the sign of dL/dW5 wrong
                v = -v
                flipped += 1
            if name == "b3(2)" and i % 5 == 0:           # a fifth leaves b3(2) out
                continue
            lines.append(f"{name} = {v:.4f}")
        rng.shuffle(lines)
        (subs / f"student{i:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (subs / "broken.txt").write_text("z1 = zero\n", encoding="utf-8")
    (subs / "notes.png").write_bytes(b"\x89PNG\r\n")              # not a solution file: skipped
    return key_path, subs, asked, flipped


def test_a_class_gradebook(tmp_path):
    key, subs, asked, flipped = make_class(tmp_path, 30)
    out = tmp_path / "book"
    code, text, err = run_cli("check", str(subs), "--key", key, "-o", str(out))
    assert code == 0, err
    assert "31 submissions graded" in text and "broken: " in text and "must be a number" in text
    assert "The quantity most students got wrong: dL/dW5 (10 of 30)." in text
    assert "The most common diagnosed mistake: the sign is wrong (10 times)." in text
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert len(rows) == 31 and rows[0]["student"] == "broken" and "unreadable" in rows[0][asked[0]]
    s0 = next(r for r in rows if r["student"] == "student000")
    assert s0["dL/dW5"] == "wrong:sign" and s0["b3(2)"] == "missing" and s0["first_wrong"] == "dL/dW5"
    assert s0["W5(2)"] == "correct" and float(s0["score"]) == len(asked) - 2
    s1 = next(r for r in rows if r["student"] == "student001")
    assert float(s1["score"]) == len(asked) and s1["first_wrong"] == ""
    items = list(csv.DictReader((out / "items.csv").open(encoding="utf-8")))
    w5 = next(r for r in items if r["quantity"] == "dL/dW5")
    assert (w5["wrong"], w5["most_common_mistake"], w5["times"]) == ("10", "sign", "10")
    page = (out / "items.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<rect" in page and "dL/dW5" in page
    data = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert data["students"]["student000"]["schema"] == "chainrule-check/1" and "error" in data["students"]["broken"]


def test_two_hundred_submissions_in_under_30_seconds(tmp_path):
    key, subs, _, _ = make_class(tmp_path, 200)
    start = time.perf_counter()
    code, text, err = run_cli("check", str(subs), "--key", key, "-o", str(tmp_path / "book"))
    elapsed = time.perf_counter() - start
    assert code == 0 and "201 submissions graded" in text, err
    assert elapsed < 30, elapsed


def test_a_folder_needs_a_key(tmp_path):
    code, _, err = run_cli("check", str(tmp_path))
    assert code == 2 and "a folder of submissions is graded against an answer key: add --key KEY" in err
