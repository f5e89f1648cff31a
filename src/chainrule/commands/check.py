"""``chainrule check``: mark a hand-worked solution ✓/✗ against the real training step."""
from __future__ import annotations

SUMMARY = "check your hand-worked values (z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452, …) against the real step"
EXAMPLE = ("  chainrule check my_answers.txt              # against the lecture's example\n"
           "  chainrule check my_answers.txt --model m.py  # against your model file")


def add_arguments(parser) -> None:
    parser.add_argument("answers", help="file of `name = value` lines (TOML-compatible), e.g. dL/dW1 = -0.0162")
    parser.add_argument("--model", metavar="MODEL_FILE", help="Python or TOML model file (default: the lecture's)")
    parser.add_argument("--steps", type=int, default=1, metavar="N", help="check step N (default: 1)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language (default: en)")


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1].split("e")[0]) if "." in text else 0


def run(args) -> int:
    import os
    from ..cli import UsageError
    from ..explain.answers import normalise, parse_answers, quantities
    from ..explain.errors import UnsupportedModel
    from ..explain.locale import messages
    from ..explain.recorder import record_step
    from ..explain.chain import verify
    from ..explain.render.numbers import rounded
    from .explain import load_problem

    if not os.path.exists(args.answers):
        raise UsageError(f"{args.answers}: no such file")
    try:
        with open(args.answers, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise UsageError(f"{args.answers}: not UTF-8 text: save the answers file as UTF-8") from None
    except OSError as e:
        raise UsageError(f"{args.answers}: cannot read: {e.strerror or e}") from None
    try:
        answers = parse_answers(text, args.answers)
    except ValueError as e:
        raise UsageError(str(e)) from None
    model, criterion, optimizer, x, y = load_problem(args.model)
    try:
        rec = record_step(model, criterion, optimizer, x, y, step=args.steps)
        verify(rec)
        known = quantities(rec)
    except (UnsupportedModel, ValueError) as e:
        raise UsageError(str(e)) from None
    table = {n: v for n, v in known}
    order = {n: i for i, (n, _) in enumerate(known)}
    msg = messages(args.lang)
    print(msg.get("check.title"))
    ok_count, first_wrong = 0, None
    for lineno, name, text_value, value in answers:
        key = normalise(name)
        if key not in table:
            print(msg.get("check.unknown").format(name=name))
            continue
        exact = table[key]
        d = max(_decimals(text_value), 1)
        tol = 1.000001 * 10.0 ** (-d)
        if abs(value - exact) <= 0.5 * tol or rounded(exact, d) == value:
            ok_count += 1
            print(msg.get("check.ok").format(name=name, value=text_value))
            continue
        if abs(value - exact) <= 1.5 * tol:     # off in the last digit only: rounding carried by hand
            ok_count += 1
            print(msg.get("check.ok_hand").format(name=name, value=text_value, exact=f"{exact:.{d}f}"))
            continue
        print(msg.get("check.wrong").format(name=name, value=text_value, exact=f"{exact:.{d}f}"))
        if first_wrong is None or order[key] < order[first_wrong[0]]:
            first_wrong = (key, name)
        other = [n for n, v in known if n != key and abs(v - value) <= 1.5 * tol and _same_kind(n, key)]
        if other and key.startswith("dL/d"):
            hint = msg.get("check.stops_early").format(rest=_rest(other[0], key))
            print(msg.get("check.is_other").format(other=other[0], otherval=f"{table[other[0]]:.{d}f}", hint=hint))
        elif other:
            print(msg.get("check.is_other").format(other=other[0], otherval=f"{table[other[0]]:.{d}f}",
                                                   hint=msg.get("check.swapped")))
    n = len(answers)
    if ok_count == n:
        print(msg.get("check.all_ok").format(n=n))
        return 0
    print(msg.get("check.summary").format(ok=ok_count, n=n))
    if first_wrong is not None:
        print(msg.get("check.first_wrong").format(name=first_wrong[1]))
    return 1


def _same_kind(a: str, b: str) -> bool:
    """Both gradients (dL/d…), or both the same kind of value at the same time (W…(2), z…)."""
    if a.startswith("dL/d") or b.startswith("dL/d"):
        return a.startswith("dL/d") and b.startswith("dL/d")
    return a[0] == b[0] and a.endswith(")") == b.endswith(")") and a[a.find("("):] == b[b.find("("):]


def _rest(partial: str, full: str) -> str:
    """The factors missing between ∂L/∂(partial's variable) and ∂L/∂(full's variable), as a hint."""
    a = partial.split("/d", 1)[1]
    p = full.split("/d", 1)[1]
    if a.startswith(("σ", "a")):
        z = "z" + a[1:]
        return f"·d{a}/d{z}·d{z}/d{p}"
    return f"·d{a}/d{p}"
