"""A class: ``chainrule check SUBMISSIONS_DIR --key KEY`` marks every file and writes the gradebook.

The key's step is run once; each submission is read and marked against it (a file that cannot be read is
listed with its message and the run goes on).  Written to the output folder:

* ``gradebook.csv`` — one row per student (the file name without its extension): score, total, the first
  wrong step, then each question's verdict (``correct``, ``rounded``, ``carried``, ``wrong:<diagnosis>``,
  ``missing``; ``unreadable`` with the reason for a file that could not be read);
* ``gradebook.json`` — every student's full verdicts (``chainrule-check/1`` each);
* ``items.csv`` and ``items.html`` — the item analysis: per question how many got it right, carried, wrong
  or missing and the most common diagnosed mistake, with a bar chart; the text summary names the quantity
  most students got wrong and the most common mistake.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
from collections import Counter

SOLUTION_EXTENSIONS = (".txt", ".md", ".markdown", ".csv", ".json", ".tex", "")


def submissions(folder: str) -> list:
    out = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        if os.path.splitext(name)[1].lower() in SOLUTION_EXTENSIONS:
            out.append(path)
    return out


def grade(folder: str, key, *, carried_credit: float = 1.0) -> list:
    """[(student, CheckResult or the reason it could not be read)] for every submission in ``folder``."""
    from .api import mark
    from .reading import SolutionError, read_solution, read_source
    problem = key.problem()
    rows = []
    for path in submissions(folder):
        student = os.path.splitext(os.path.basename(path))[0]
        try:
            entries = read_solution(read_source(path), path)
        except SolutionError as e:
            rows.append((student, str(e)))
            continue
        rows.append((student, mark(problem, entries, expect=key.expect, carried_credit=carried_credit, source=path)))
    return rows


def cell(v) -> str:
    if v.status == "wrong" and v.diagnosis:
        return f"wrong:{v.diagnosis}"
    return v.status


def items(rows, key) -> list:
    """Per question: counts of each verdict and the most common diagnosis."""
    from .names import canonical
    stats = {name: Counter() for name in key.expect}
    diag = {name: Counter() for name in key.expect}
    canon = {canonical(n): n for n in key.expect}
    for _, r in rows:
        if isinstance(r, str):
            continue
        for v in r.marked:
            name = canon.get(canonical(v.quantity.shown)) or next(
                (canon[canonical(n)] for n in v.quantity.names if canonical(n) in canon), None)
            if name is None:
                continue
            stats[name][v.status] += 1
            if v.diagnosis:
                diag[name][v.diagnosis] += 1
    out = []
    for name in key.expect:
        c = stats[name]
        common = diag[name].most_common(1)
        out.append({"name": name, "correct": c["correct"] + c["rounded"], "carried": c["carried"],
                    "wrong": c["wrong"], "missing": c["missing"],
                    "diagnosis": common[0][0] if common else None, "diagnosis_count": common[0][1] if common else 0})
    return out


def grade_folder(folder: str, key_path: str, *, out: str | None = None, lang: str = "en",
                 carried_credit: float = 1.0) -> int:
    from ..cli import UsageError, cannot_write
    from ..io.atomic import write_text
    from .key import KeyFileError, load_key
    from .marking import DIAGNOSES
    from .report import as_json, words
    try:
        key = load_key(key_path)
        rows = grade(folder, key, carried_credit=carried_credit)
    except KeyFileError as e:
        raise UsageError(str(e)) from None
    if not rows:
        raise UsageError(f"{folder}: no submissions (files ending in .txt, .md, .csv or .json)")
    out = out or folder.rstrip("/\\") + "-gradebook"
    msg = words(lang)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "score", "total", "first_wrong"] + key.expect)
    from .names import canonical
    for student, r in rows:
        if isinstance(r, str):
            w.writerow([student, "", "", ""] + [f"unreadable: {r}"] + [""] * (len(key.expect) - 1))
            continue
        by = {}
        for v in r.marked:
            for n in v.quantity.names:
                by.setdefault(canonical(n), v)
        cells = [cell(by[canonical(n)]) if canonical(n) in by else "missing" for n in key.expect]
        fw = r.first_wrong
        w.writerow([student, f"{r.score:g}", r.total, fw.quantity.shown if fw else ""] + cells)
    analysis = items(rows, key)
    ibuf = io.StringIO()
    iw = csv.writer(ibuf)
    iw.writerow(["quantity", "correct", "carried", "wrong", "missing", "most_common_mistake", "times"])
    for it in analysis:
        iw.writerow([it["name"], it["correct"], it["carried"], it["wrong"], it["missing"], it["diagnosis"] or "",
                     it["diagnosis_count"]])
    graded = [r for _, r in rows if not isinstance(r, str)]
    try:
        os.makedirs(out, exist_ok=True)
        write_text(os.path.join(out, "gradebook.csv"), buf.getvalue())
        write_text(os.path.join(out, "items.csv"), ibuf.getvalue())
        write_text(os.path.join(out, "gradebook.json"), json.dumps(
            {"key": key_path, "students": {s: (as_json(r, lang) if not isinstance(r, str) else {"error": r})
                                           for s, r in rows}}, ensure_ascii=False, indent=1) + "\n")
        write_text(os.path.join(out, "items.html"), items_html(analysis, len(graded), msg))
    except OSError as e:
        raise cannot_write(out, e) from None
    total = len(key.expect)
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    print(msg.get("gradebook.students").format(n=len(rows), key=key_path))
    print(msg.get("gradebook.mean").format(mean=f"{mean:.2f}", total=total))
    for student, r in rows:
        if isinstance(r, str):
            print(f"  {student}: {r}")
    hardest = max(analysis, key=lambda it: (it["wrong"] + it["missing"], -key.expect.index(it["name"])))
    if hardest["wrong"] + hardest["missing"]:
        print(msg.get("gradebook.hardest").format(name=hardest["name"], n=hardest["wrong"] + hardest["missing"],
                                                  total=len(graded)))
    mistakes = Counter(v.diagnosis for r in graded for v in r.marked if v.diagnosis)
    if mistakes:
        code, n = mistakes.most_common(1)[0]
        print(msg.get("gradebook.most_common").format(what=DIAGNOSES[code], n=n))
    else:
        print(msg.get("gradebook.none"))
    print(f"{out}: gradebook.csv, gradebook.json, items.csv, items.html")
    return 0


def items_html(analysis, n, msg) -> str:
    """The item analysis as a page: one bar per question (right, carried, wrong, missing) and a table."""
    e = html.escape
    width, bar = 420, 16
    rows_svg = []
    for k, it in enumerate(analysis):
        y = k * (bar + 6)
        x = 160
        rows_svg.append(f'<text x="0" y="{y + 12}" font-size="12">{e(it["name"])}</text>')
        for part, colour in (("correct", "#4caf50"), ("carried", "#64b5f6"), ("wrong", "#e57373"),
                             ("missing", "#bdbdbd")):
            w = width * it[part] / n if n else 0
            if w:
                rows_svg.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                                f'<title>{e(part)}: {it[part]}</title></rect>')
            x += w
    height = len(analysis) * (bar + 6)
    table = "".join(f"<tr><td>{e(it['name'])}</td><td>{it['correct']}</td><td>{it['carried']}</td><td>{it['wrong']}"
                    f"</td><td>{it['missing']}</td><td>{e(it['diagnosis'] or '')}</td></tr>" for it in analysis)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{e(msg.get("gradebook.title"))}</title>'
            f'<style>body{{font-family:sans-serif;margin:2em}}td,th{{border:1px solid #ccc;padding:.2em .6em}}'
            f'table{{border-collapse:collapse}}</style></head><body>\n<h1>{e(msg.get("gradebook.title"))}</h1>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{160 + width}" height="{height}" role="img">'
            + "".join(rows_svg) + "</svg>\n"
            f'<table><tr><th>{e(msg.get("gradebook.item"))}</th><th>{e(msg.get("gradebook.right"))}</th>'
            f'<th>{e(msg.get("status.carried"))}</th><th>{e(msg.get("gradebook.wrong"))}</th>'
            f'<th>{e(msg.get("gradebook.missing"))}</th><th>{e(msg.get("gradebook.common"))}</th></tr>{table}</table>\n'
            "</body></html>\n")
