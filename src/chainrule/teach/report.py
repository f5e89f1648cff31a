"""The verdicts of ``chainrule check`` as text (English, Korean), Markdown, HTML and JSON.

The JSON (``--format json``; schema ``chainrule-check/1``) is for autograders::

    {"schema": "chainrule-check/1", "source": "answers.txt", "score": 2.0, "total": 3, "all_correct": false,
     "first_wrong": "dL/dW1",
     "verdicts": [{"line": 2, "name": "dL/dW1", "quantity": "dL/dW1", "value": -0.0717, "decimals": 4,
                   "status": "wrong", "credit": 0.0, "exact": -0.01616, "band": 0.00013,
                   "diagnosis": "stopped_early", "message": "your value is dL/dσ1 = -0.0717: …",
                   "carried_from": [], "suggestions": []}, …]}

``status`` is one of correct, rounded, carried, wrong, missing, unknown, duplicate; ``diagnosis`` a code of
``marking.DIAGNOSES`` (or null).  ``--format gradescope`` writes Gradescope's ``results.json`` (one test per
value), ``--format otter`` the per-test list otter-grader and nbgrader hooks read.
"""
from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

from ..explain.answers import pretty
from ..explain.locale import LANGS, Messages, _flatten, _toml

FORMATS = ("text", "markdown", "html", "json", "gradescope", "otter")


@lru_cache(maxsize=None)
def words(lang: str = "en") -> Messages:
    """teach's messages (``teach/locales/<lang>.toml``), English as the fallback."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
    with open(Path(__file__).with_name("locales") / f"{lang}.toml", "rb") as f:
        table = _flatten(_toml().load(f))
    return Messages(lang, table, None if lang == "en" else words("en"))


class Namer:
    """Names in the notation the student wrote (flat W5 or indexed W⁽²⁾₁₁)."""

    def __init__(self, result, verdict=None):
        from .names import canonical
        self.indexed = False
        if verdict is not None and verdict.quantity is not None and result.problem.describe == "layered":
            q = verdict.quantity
            self.indexed = len(q.names) > 1 and canonical(verdict.name) in q.names[1:]

    def __call__(self, q) -> str:
        if self.indexed and len(q.names) > 1:
            return pretty(q.names[1])
        return q.shown


def _fmt(x, d) -> str:
    from ..explain.render.numbers import rounded
    return f"{rounded(x, d):.{d}f}"


def diagnosis_text(result, v, msg) -> str | None:
    if v.diagnosis is None:
        return None
    from .quantities import Quantity
    nm = Namer(result, v)
    d = max(v.decimals, 1)
    params = {}
    for k, x in v.params.items():
        if isinstance(x, Quantity):
            params[k] = nm(x)
        elif isinstance(x, list) and x and isinstance(x[0], Quantity):
            params[k] = "·".join(nm(f) for f in x)
        elif isinstance(x, float):
            params[k] = _fmt(x, d)
        else:
            params[k] = x
    code = v.diagnosis
    if code == "swapped" and v.params.get("transposed"):
        code = "transposed"
    if code == "act_value_for_derivative" and v.params.get("itself"):
        code = "act_value_itself"
    return msg.get(f"diagnosis.{code}").format(**params)


def verdict_text(result, v, msg, hint: int = 0) -> list:
    d = max(v.decimals, 1)
    nm = Namer(result, v)
    exact = "" if v.exact is None else _fmt(v.exact, d)
    if v.status == "correct":
        return [msg.get("check.ok").format(name=v.name, value=v.text)]
    if v.status == "rounded":
        return [msg.get("check.rounded").format(name=v.name, value=v.text, exact=exact)]
    if v.status == "carried":
        origin = ", ".join(nm(q) for q in v.carried_from)
        key = "check.carried_hint" if hint else "check.carried"
        return [msg.get(key).format(name=v.name, value=v.text, origin=origin, exact=exact)]
    if v.status == "wrong":
        out = [msg.get("check.wrong_hint" if hint else "check.wrong").format(name=v.name, value=v.text, exact=exact)]
        t = diagnosis_text(result, v, msg)
        if t:
            out.append(t)
        return out
    if v.status == "unknown":
        out = [msg.get("check.unknown").format(name=v.name)]
        if v.suggestions:
            out.append(msg.get("check.did_you_mean").format(names=", ".join(v.suggestions)))
        return out
    if v.status == "duplicate":
        return [msg.get("check.duplicate").format(name=v.name, first=v.params.get("first"))]
    if v.status == "missing":
        return [msg.get("check.missing").format(name=v.name)]
    return []


def hint_lines(result, v, msg, level: int) -> list:
    """The formula of the first wrong step and (level 2) the values it needs — not the answer."""
    q = v.quantity
    nm = Namer(result, v)
    if not q.formula:
        return [msg.get("check.hint_none").format(name=v.name)] if q.kind in ("input", "before") else []
    out = [msg.get("check.hint").format(name=nm(q), formula=q.formula)]
    if level >= 2 and q.deps:
        d = max(v.decimals, 1)
        vals = ", ".join(f"{nm(dep)} = {_fmt(dep.value, d)}" for dep in q.deps)
        out.append(msg.get("check.hint_values").format(values=vals))
    return out


def as_text(result, lang: str = "en", hint: int = 0) -> str:
    msg = words(lang)
    lines = [msg.get("check.title")]
    for v in result.verdicts:
        lines += verdict_text(result, v, msg, hint)
    n = result.total
    ok = sum(1 for v in result.marked if v.status in ("correct", "rounded"))
    if result.all_correct and not any(v.status == "carried" for v in result.verdicts):
        lines.append(msg.get("check.all_ok").format(n=n))
    else:
        lines.append(msg.get("check.summary").format(ok=ok, n=n))
        if any(v.status == "carried" for v in result.verdicts) or any(v.credit not in (0, 1) for v in result.marked):
            lines.append(msg.get("check.score").format(score=f"{result.score:g}", n=n))
    fw = result.first_wrong
    if fw is not None:
        lines.append(msg.get("check.first_wrong").format(name=fw.name))
        if hint:
            lines += hint_lines(result, fw, msg, hint)
    return "\n".join(lines) + "\n"


def _row(result, v, msg, hint):
    text = verdict_text(result, v, msg, hint)
    note = " ".join(t.strip() for t in text[1:])
    exact = "" if v.exact is None or hint and v.status == "wrong" else _fmt(v.exact, max(v.decimals, 1))
    return v.name, v.text, msg.get(f"status.{v.status}"), exact, note


def as_markdown(result, lang="en", hint=0) -> str:
    msg = words(lang)
    out = [f"## {msg.get('check.title')}", "",
           f"| {msg.get('report.quantity')} | {msg.get('report.yours')} | {msg.get('report.verdict')} | "
           f"{msg.get('report.exact')} | {msg.get('report.note')} |", "|---|---|---|---|---|"]
    for v in result.verdicts:
        cells = [c.replace("|", "\\|") for c in _row(result, v, msg, hint)]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", as_text(result, lang, hint).rstrip().splitlines()[-1] if result.first_wrong is None else
            words(lang).get("check.first_wrong").format(name=result.first_wrong.name)]
    out.append(msg.get("check.score").format(score=f"{result.score:g}", n=result.total))
    return "\n".join(out) + "\n"


def as_html(result, lang="en", hint=0) -> str:
    msg = words(lang)
    e = html.escape
    rows = []
    for v in result.verdicts:
        cells = _row(result, v, msg, hint)
        rows.append(f'<tr class="{v.status}">' + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{e(msg.get(k))}</th>" for k in ("report.quantity", "report.yours", "report.verdict",
                                                          "report.exact", "report.note"))
    fw = result.first_wrong
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{e(msg.get("check.title"))}'
            f'</title><style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}'
            f'td,th{{border:1px solid #ccc;padding:.3em .6em}}.correct,.rounded{{background:#e8f6e8}}'
            f'.carried{{background:#eef3fb}}.wrong,.missing{{background:#fbeaea}}</style></head><body>\n'
            f'<h1>{e(msg.get("check.title"))}</h1>\n<table><thead><tr>{head}</tr></thead><tbody>\n'
            + "\n".join(rows) + "\n</tbody></table>\n"
            f'<p>{e(msg.get("check.score").format(score=f"{result.score:g}", n=result.total))}</p>\n'
            + (f'<p>{e(msg.get("check.first_wrong").format(name=fw.name))}</p>\n' if fw else "")
            + "</body></html>\n")


def as_json(result, lang="en", hint=0) -> dict:
    msg = words(lang)
    fw = result.first_wrong
    items = []
    for v in result.verdicts:
        show_exact = v.exact is not None and not (hint and v.status == "wrong")
        items.append({
            "line": v.line, "name": v.name, "quantity": None if v.quantity is None else v.quantity.shown,
            "value": None if v.status == "missing" else v.value, "decimals": v.decimals, "status": v.status,
            "credit": v.credit, "exact": v.exact if show_exact else None, "band": v.band,
            "diagnosis": v.diagnosis, "message": diagnosis_text(result, v, msg) and diagnosis_text(
                result, v, msg).strip(),
            "carried_from": [q.shown for q in v.carried_from], "suggestions": v.suggestions})
    return {"schema": "chainrule-check/1", "source": result.source, "score": result.score, "total": result.total,
            "all_correct": result.all_correct, "first_wrong": fw.name if fw else None, "verdicts": items}


def as_gradescope(result, lang="en", hint=0) -> dict:
    msg = words(lang)
    tests = []
    for v in result.marked:
        text = " ".join(t.strip() for t in verdict_text(result, v, msg, hint))
        tests.append({"name": v.quantity.shown, "score": v.credit, "max_score": 1.0,
                      "status": "passed" if v.ok else "failed", "output": text})
    return {"score": result.score, "max_score": float(result.total), "output": as_text(result, lang, hint),
            "tests": tests}


def as_otter(result, lang="en", hint=0) -> dict:
    msg = words(lang)
    return {"score": result.score, "possible": float(result.total), "tests": [
        {"name": v.quantity.shown, "points": v.credit, "possible": 1.0, "passed": v.ok, "status": v.status,
         "hidden": False, "output": " ".join(t.strip() for t in verdict_text(result, v, msg, hint))}
        for v in result.marked]}


def render(result, fmt: str = "text", lang: str = "en", hint: int = 0) -> str:
    if fmt == "text":
        return as_text(result, lang, hint)
    if fmt == "markdown":
        return as_markdown(result, lang, hint)
    if fmt == "html":
        return as_html(result, lang, hint)
    data = {"json": as_json, "gradescope": as_gradescope, "otter": as_otter}[fmt](result, lang, hint)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
