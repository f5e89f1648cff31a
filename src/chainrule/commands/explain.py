"""``chainrule explain``: one real training step as a worked, verified solution (the lecture's 풀이)."""
from __future__ import annotations

SUMMARY = "explain one training step by hand: forward pass, loss, chain rule for every parameter, update"
EXAMPLE = ("  chainrule explain                        # the lecture's worked example\n"
           "  chainrule explain --lang ko --hand       # in Korean, rounded by hand as in the post\n"
           "  chainrule explain model.py --steps 3     # your model file, step 3\n"
           "  chainrule explain model.toml --format html -o step.html")


#: the most training steps `--steps` may ask for (each is a real forward/backward/update)
MAX_STEPS = 10_000


def check_steps(steps: int) -> None:
    """``--steps`` must be 1 … ``MAX_STEPS``."""
    from ..cli import UsageError
    if steps < 1:
        raise UsageError(f"--steps must be at least 1, got {steps}")
    if steps > MAX_STEPS:
        raise UsageError(f"--steps must be at most {MAX_STEPS}, got {steps}")


def add_arguments(parser) -> None:
    parser.add_argument("model_file", nargs="?",
                        help="Python file defining model, criterion, optimizer, x, y (chainrule importable as "
                             "torch), or a TOML model file (default: the lecture's example)")
    parser.add_argument("--steps", type=int, default=1, metavar="N",
                        help="run N training steps and explain step N, listing the loss of every step")
    parser.add_argument("--decimals", type=int, default=4, metavar="D", help="decimals shown (default: 4)")
    parser.add_argument("--hand", action="store_true",
                        help="round every intermediate to D decimals as a person would, marking values that "
                             "differ from the exact ones")
    parser.add_argument("--numeric", action="store_true",
                        help="print a central-difference estimate beside each gradient")
    parser.add_argument("--verify-torch", action="store_true",
                        help="run the same step in PyTorch and mark each value ✓ or show the difference")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language (default: en)")
    parser.add_argument("--format", choices=("text", "markdown", "latex", "html"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--notation", choices=("flat", "indexed"), default="flat",
                        help="flat: the post's W1, W2, … (default); indexed: W⁽¹⁾₁₂")
    parser.add_argument("--form", choices=("auto", "scalar", "matrix"), default="auto",
                        help="scalar: every unit; matrix: δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀδ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾) with shapes; "
                             "auto: scalar up to --max-scalar parameters (default)")
    parser.add_argument("--max-scalar", type=int, default=None, metavar="P",
                        help="largest number of parameters written out unit by unit (default: 200)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")


def load_problem(path):
    """(model, criterion, optimizer, x, y) from a model file, or the lecture's example when path is None."""
    from ..cli import UsageError
    from ..explain.examples import SEED
    from ..explain.model_file import ModelFileError, load_model_file
    try:
        m = load_model_file(path or SEED)
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    return m.model, m.criterion, m.optimizer, m.x, m.y


def run(args) -> int:
    import sys
    from ..cli import UsageError, cannot_write
    from ..explain import ChainRuleMismatch, UnsupportedModel, explain_step
    from ..explain.build import DEFAULT_MAX_SCALAR

    if not 0 <= args.decimals <= 12:
        raise UsageError(f"--decimals must be between 0 and 12, got {args.decimals}")
    check_steps(args.steps)
    max_scalar = DEFAULT_MAX_SCALAR if args.max_scalar is None else args.max_scalar
    if max_scalar < 0:
        raise UsageError(f"--max-scalar must be 0 or more, got {max_scalar}")
    model, criterion, optimizer, x, y = load_problem(args.model_file)
    try:
        solution = explain_step(model, criterion, optimizer, x, y, step=args.steps, decimals=args.decimals,
                                hand=args.hand, numeric=args.numeric, notation=args.notation, form=args.form,
                                max_scalar=max_scalar, lang=args.lang, verify_torch=args.verify_torch)
    except UnsupportedModel as e:
        raise UsageError(str(e)) from None
    except ChainRuleMismatch as e:
        print(f"chainrule explain: {e}", file=sys.stderr)
        return 1
    text = solution.render(args.format, args.lang)
    if args.output:
        from ..io.atomic import atomic_write
        try:
            with atomic_write(args.output, "w") as f:
                f.write(text)
        except OSError as e:
            raise cannot_write(args.output, e) from None
    else:
        sys.stdout.write(text)
    return 0
