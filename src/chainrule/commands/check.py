"""``chainrule check``: mark a hand-worked solution like a tutor, against the real training step.

Each value is correct, correct up to hand rounding (the band a person carrying the shown decimals could
reach), carried (wrong only because of the student's own earlier value — credit given), or wrong with a
named mistake (a chain stopped early, σ′ left out, swapped labels, the updated weight used, a sum for a
mean …).  ``--hint`` gives the formula of the first wrong step instead of its answer.  A folder of
submissions with ``--key`` writes a gradebook.  The work is in ``chainrule.teach``.
"""
from __future__ import annotations

SUMMARY = "check your hand-worked values (z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452, …) against the real step"
EXAMPLE = ("  chainrule check my_answers.txt                 # against the lecture's example\n"
           "  chainrule check my_answers.md --model m.py     # a Markdown table, against your model file\n"
           "  chainrule check answers.txt --key key.json --hint   # against an exercise's key, hints first\n"
           "  chainrule check submissions/ --key key.json    # a class: gradebook.csv, items.html\n"
           "  echo 'z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452' | chainrule check -")

FORMATS = {"txt": "text", "md": "markdown", "html": "html", "json": "json"}

# kept for callers of the old module: the bounds of a solution file
MAX_ANSWERS_BYTES = 1_000_000
MAX_ANSWERS_LINES = 10_000


def add_arguments(parser) -> None:
    parser.add_argument("answers", help="solution file (`name = value` lines, several per line with , or ; — a "
                                        "Markdown table, CSV or JSON), - for standard input, or a folder of "
                                        "submissions (with --key)")
    parser.add_argument("--model", metavar="MODEL_FILE", help="Python, TOML or expression file (default: the "
                                                              "lecture's example)")
    parser.add_argument("--key", metavar="KEY", help="an answer key from chainrule exercise (its model and the "
                                                     "values it asks for; unanswered ones are marked missing)")
    parser.add_argument("--steps", type=int, default=1, metavar="N", help="check step N (default: 1)")
    parser.add_argument("--of", metavar="NAME", help="expression files: the scalar (default: loss, L, f or out)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language (default: en)")
    parser.add_argument("--format", choices=("text", "markdown", "html", "json", "gradescope", "otter"),
                        help="text (default), markdown, html, json (schema chainrule-check/1), gradescope "
                             "(results.json) or otter")
    parser.add_argument("--hint", nargs="?", type=int, const=1, default=0, metavar="LEVEL",
                        help="hints before answers: the first wrong step's formula (1) and the values it needs "
                             "(2); correct values are not shown")
    parser.add_argument("--carried-credit", type=float, default=1.0, metavar="C",
                        help="credit for a value carried from the student's own earlier mistake (default: 1)")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="write the report to PATH (.txt, .md, .html, .json); for a folder of "
                             "submissions, the folder for the gradebook (default: SUBMISSIONS-gradebook)")


def printable(text: str) -> str:
    """``text`` with control characters escaped (ESC as \\x1b, NUL as \\x00): safe to print to a terminal."""
    from ..teach.reading import printable as p
    return p(text)


def read_answers(path: str) -> str:
    """The text of the solution at ``path`` (``-``: standard input), bounded in size and lines."""
    from ..cli import UsageError
    from ..teach.reading import SolutionError, read_source
    try:
        return read_source(path)
    except SolutionError as e:
        raise UsageError(str(e)) from None


def run(args) -> int:
    import os

    from ..cli import UsageError
    from ..explain.errors import UnsupportedModel
    from ..explain.model_file import ModelFileError
    from ..teach.api import mark, problem_of
    from ..teach.reading import SolutionError, read_solution
    from ..teach.report import render
    from ._output import pick_format, write_output
    from .explain import check_steps

    check_steps(args.steps)
    if not 0 <= args.hint <= 2:
        raise UsageError(f"--hint takes level 1 or 2, got {args.hint}")
    if not 0 <= args.carried_credit <= 1:
        raise UsageError(f"--carried-credit must be between 0 and 1, got {args.carried_credit:g}")
    if args.key and args.model:
        raise UsageError("give --key or --model, not both: the key names its own model")
    if os.path.isdir(args.answers):
        if not args.key:
            raise UsageError(f"{printable(args.answers)}: a folder of submissions is graded against an answer key: "
                             f"add --key KEY (from chainrule exercise)")
        from ..teach.gradebook import grade_folder
        return grade_folder(args.answers, args.key, out=args.output, lang=args.lang,
                            carried_credit=args.carried_credit)
    fmt = pick_format(args.output, args.format, FORMATS, default="text")
    text = read_answers(args.answers)
    try:
        entries = read_solution(text, args.answers if args.answers != "-" else "<stdin>")
    except SolutionError as e:
        raise UsageError(printable(str(e))) from None
    expect = None
    try:
        if args.key:
            from ..teach.key import load_key
            key = load_key(args.key)
            problem, expect = key.problem(), key.expect
        else:
            problem = problem_of(args.model, steps=args.steps, of=args.of)
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    except (UnsupportedModel, ValueError) as e:
        raise UsageError(str(e)) from None
    result = mark(problem, entries, expect=expect, carried_credit=args.carried_credit, source=args.answers,
                  hint=args.hint)
    write_output(args.output or "-", render(result, fmt, args.lang, args.hint))
    return 0 if result.all_correct else 1
