"""A campaign: ``python3 -m tests.robustness.differential --programs N --seed S [--families a,b] [--out DIR]``.

Prints the counts by kind and, for each distinct first difference (kind + the op it happens in), one
shrunk program; with ``--out`` writes them as ``DIR/<kind>-<n>.txt`` and a ``summary.json``.
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
from pathlib import Path

from .generate import FAMILIES, program
from .findings import open_finding
from .shrink import check, classify, report, shrink


def op_of(where: str) -> str:
    """A short key for where a difference happened: the first lib./F./method name in the statement."""
    stmt = where.split("(from: ", 1)[1] if "(from: " in where else where.split(":", 1)[-1]
    stmt = stmt.split(" = ", 1)[-1] if re.match(r"\s*v\d+ = ", stmt) else stmt
    m = re.search(r"(F\.\w+|lib\.\w+|\.\w+_?\(|\[|[-+*/%@]=?|\*\*)", stmt)
    return m.group(1) if m else where.split()[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tests.robustness.differential")
    ap.add_argument("--programs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--shrink", type=int, default=3, help="shrink at most this many programs per key")
    args = ap.parse_args(argv)
    fams = tuple(f for f in args.families.split(",") if f)
    kinds, keys, examples = collections.Counter(), collections.Counter(), {}
    findings, documented = collections.Counter(), collections.Counter()
    start = time.time()
    errors = 0
    for i in range(args.programs):
        seed = args.seed * 10_000_000 + i
        try:
            p = program(seed, fams)
            diffs, docs = classify(p)
        except Exception as e:      # the harness itself failed: count it, show it, go on
            errors += 1
            kinds["harness"] += 1
            print(f"harness error at seed {seed}: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        documented.update(set(docs))
        if not diffs:
            kinds["ok"] += 1
            continue
        d = diffs[0]
        kinds[d.kind] += 1
        f = open_finding(d, p.text())
        findings[f.id if f else "unexplained"] += 1
        key = f"{d.kind} {op_of(d.where)}"
        keys[key] += 1
        if keys[key] <= args.shrink and (key not in examples or len(examples[key][1].statements) > 1):
            small = shrink(p)
            sd = check(small)
            if sd:
                if key not in examples or len(small.statements) < len(examples[key][1].statements):
                    examples[key] = (seed, small, sd)
        if (i + 1) % 1000 == 0:
            print(f"{i + 1} programs, {time.time() - start:.0f} s: {dict(kinds)}", file=sys.stderr, flush=True)
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / "progress.json").write_text(json.dumps(
                    {"programs": i + 1, "kinds": dict(kinds), "open_findings": dict(findings),
                     "documented_differences": dict(documented)}, indent=1), encoding="utf-8")
    summary = {"programs": args.programs, "seed": args.seed, "families": fams, "seconds": round(time.time() - start),
               "kinds": dict(kinds), "open_findings": dict(findings.most_common()),
               "documented_differences": dict(documented.most_common()), "keys": dict(keys.most_common())}
    print(json.dumps(summary, indent=1))
    for key, (seed, small, sd) in sorted(examples.items()):
        text = f"## {key}  (seed {seed}, {keys[key]} programs)\n" + report(small, sd)
        print(text)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / (re.sub(r"\W+", "_", key) + ".txt")).write_text(text, encoding="utf-8")
    if args.out:
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
