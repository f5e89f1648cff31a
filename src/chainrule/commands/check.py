"""``chainrule check``: mark a hand-worked solution ✓/✗ against the real training step.

A wrong gradient is traced through its chain (``explain.answers``): a product that stops early, a
factor left out, one factor that is some other quantity, the wrong sign; a wrong batch gradient that
is a sum instead of a mean or one sample's term; an update that adds the gradient or forgets α.
"""
from __future__ import annotations

SUMMARY = "check your hand-worked values (z1 = 0.6478, dL/dW1 = -0.0162, W5(2) = -0.4452, …) against the real step"
EXAMPLE = ("  chainrule check my_answers.txt              # against the lecture's example\n"
           "  chainrule check my_answers.txt --model m.py  # against your model file")


def add_arguments(parser) -> None:
    parser.add_argument("answers", help="file of `name = value` lines (TOML-compatible), e.g. dL/dW1 = -0.0162")
    parser.add_argument("--model", metavar="MODEL_FILE", help="Python or TOML model file (default: the lecture's)")
    parser.add_argument("--steps", type=int, default=1, metavar="N", help="check step N (default: 1)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language (default: en)")


# An answers file is a few dozen `name = value` lines; anything far larger is not one (`check /dev/zero`).
MAX_ANSWERS_BYTES = 1_000_000
MAX_ANSWERS_LINES = 10_000


def printable(text: str) -> str:
    """``text`` with control characters escaped (ESC as \\x1b, NUL as \\x00): safe to print to a terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def read_answers(path: str) -> str:
    """The text of the answers file at ``path``, read with a bound on its size and its number of lines."""
    import os
    from ..cli import UsageError
    shown = printable(path)
    if not os.path.exists(path):
        raise UsageError(f"{shown}: no such file")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_ANSWERS_BYTES + 1)
    except OSError as e:
        raise UsageError(f"{shown}: cannot read: {e.strerror or e}") from None
    if len(data) > MAX_ANSWERS_BYTES or data.count(b"\n") > MAX_ANSWERS_LINES:
        raise UsageError(f"{shown}: too large for an answers file (at most {MAX_ANSWERS_BYTES // 1_000_000} MB "
                         f"and {MAX_ANSWERS_LINES} lines): it holds one `name = value` line per quantity")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{shown}: not UTF-8 text: save the answers file as UTF-8") from None


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1].split("e")[0]) if "." in text else 0


def run(args) -> int:
    from ..cli import UsageError
    from ..explain.answers import normalise, parse_answers, quantities
    from ..explain.errors import UnsupportedModel
    from ..explain.locale import messages
    from ..explain.recorder import record_step
    from ..explain.chain import verify
    from ..explain.render.numbers import rounded
    from .explain import check_steps, load_problem

    check_steps(args.steps)
    text = read_answers(args.answers)
    try:
        answers = [(n, printable(name), v, x) for n, name, v, x in parse_answers(text, args.answers)]
    except ValueError as e:
        raise UsageError(printable(str(e))) from None
    model, criterion, optimizer, x, y = load_problem(args.model)
    try:
        rec = record_step(model, criterion, optimizer, x, y, step=args.steps)
        if not hasattr(rec, "layers"):
            raise UnsupportedModel(f"chainrule check reads solutions in the lecture's layered form (a chain of Linear "
                                   f"layers and activations, every parameter trained); this model is not one "
                                   f"({rec.why}): chainrule explain shows its step on the computational graph")
        verify(rec)
        known = quantities(rec)
    except (UnsupportedModel, ValueError) as e:
        raise UsageError(str(e)) from None
    table, order = {}, {}
    for i, q in enumerate(known):
        for n in q.names:
            table.setdefault(n, q)
            order.setdefault(n, i)
    msg = messages(args.lang)
    print(msg.get("check.title"))
    ok_count, first_wrong = 0, None
    for lineno, name, text_value, value in answers:
        key = normalise(name)
        if key not in table:
            print(msg.get("check.unknown").format(name=name))
            continue
        q = table[key]
        exact = q.value
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
        hint = Diagnosis(known, q, key, value, d, tol, msg, rec).explain()
        if hint:
            print(hint)
    n = len(answers)
    if ok_count == n:
        print(msg.get("check.all_ok").format(n=n))
        return 0
    print(msg.get("check.summary").format(ok=ok_count, n=n))
    if first_wrong is not None:
        print(msg.get("check.first_wrong").format(name=first_wrong[1]))
    return 1


class Diagnosis:
    """Why a value is wrong, read off the structure of the quantity (its chain, its batch terms, its update)."""

    def __init__(self, known, q, user_key, value, d, tol, msg, rec):
        self.known, self.q, self.user_key, self.v, self.d, self.tol, self.msg = known, q, user_key, value, d, tol, msg
        self.sgd = rec.optimizer == "SGD"
        self.N = rec.x.shape[0]

    def close(self, a, b, scale=1.0) -> bool:
        return abs(a - b) <= 1.5 * self.tol * max(scale, 1.0)

    def f(self, v) -> str:
        return f"{v:.{self.d}f}"

    def name(self, names) -> str:
        """A name in the notation the user wrote."""
        from ..explain.answers import pretty
        return pretty(names[-1]) if "^(" in self.user_key and len(names) > 1 else names[0]

    def explain(self) -> str | None:
        for step in (self._chain, self._batch, self._update, self._sign, self._other):
            hint = step()
            if hint:
                return hint
        return None

    def _chain(self):
        import math
        chain = self.q.chain
        if self.q.kind != "grad" or len(chain) < 2:
            return None
        vals = [float(v) for _, v in chain]
        names = [self.name(n) for n, _ in chain]
        top = names[0].split("/", 1)[0]                # "dL" or "dℓ[2]"
        for k in range(1, len(chain)):                 # the product stops after k factors
            if self.close(self.v, math.prod(vals[:k])):
                partial = f"{top}/{names[k - 1].split('/', 1)[1]}"
                rest = "·" + "·".join(names[k:])
                return self.msg.get("check.is_other").format(
                    other=partial, otherval=self.f(math.prod(vals[:k])),
                    hint=self.msg.get("check.stops_early").format(rest=rest))
        for i in range(len(chain) - 1):                # one factor left out
            if self.close(self.v, math.prod(vals[:i] + vals[i + 1:])):
                return "  " + self.msg.get("check.missing_factor").format(factor=names[i], value=self.f(vals[i]))
        for i in range(len(chain)):                    # one factor is another quantity
            others = math.prod(vals[:i] + vals[i + 1:])
            if abs(others) < 1e-12:
                continue
            fitted = self.v / others
            slack = 1.0 / abs(others)
            for q in self.known:
                if q.names == chain[i][0] or q.kind == "before" or abs(q.value - vals[i]) < 1e-12:
                    continue
                if self.close(fitted, q.value, slack):
                    return "  " + self.msg.get("check.wrong_factor").format(
                        factor=names[i], fitted=self.f(fitted), other=self.name(q.names), correct=self.f(vals[i]))
        return None

    def _batch(self):
        terms, c = self.q.extra.get("terms"), self.q.extra.get("c")
        if not terms or len(terms) < 2:
            return None
        if c != 1 and self.close(self.v, sum(terms)):
            return "  " + self.msg.get("check.sum_not_mean").format(n=len(terms))
        for n, t in enumerate(terms):
            if self.close(self.v, t) or self.close(self.v, c * t):
                return "  " + self.msg.get("check.one_sample").format(sample=n + 1, n=len(terms))
        return None

    def _update(self):
        if self.q.kind != "after" or not self.sgd:
            return None
        before, grad, lr = self.q.extra["before"], self.q.extra["grad"], self.q.extra["lr"]
        if self.close(self.v, before + lr * grad):
            return "  " + self.msg.get("check.update_sign")
        if lr != 1 and self.close(self.v, before - grad):
            return "  " + self.msg.get("check.no_lr").format(lr=f"{lr:g}")
        return None

    def _sign(self):
        if abs(self.q.value) > 0.5 * self.tol and self.close(self.v, -self.q.value):
            return "  " + self.msg.get("check.sign")
        return None

    def _other(self):
        """Another quantity of the same kind has this value: two labels swapped?"""
        for q in self.known:
            if q is self.q or q.kind != self.q.kind or not self.close(self.v, q.value):
                continue
            if self.q.kind == "value" and q.name.rstrip("0123456789[]")[:1] != self.q.name[:1]:
                continue
            return self.msg.get("check.is_other").format(other=self.name(q.names), otherval=self.f(q.value),
                                                         hint=self.msg.get("check.swapped"))
        return None
