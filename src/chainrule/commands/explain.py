"""``chainrule explain``: one real training step as a worked, verified solution (the lecture's 풀이)."""
from __future__ import annotations

SUMMARY = "explain one training step by hand: forward pass, loss, chain rule for every parameter, update"
EXAMPLE = ("  chainrule explain                        # the lecture's worked example\n"
           "  chainrule explain --lang ko --hand       # in Korean, rounded by hand as in the post\n"
           "  chainrule explain model.py --steps 3     # your model file, step 3\n"
           "  chainrule explain model.toml -o step.html  # the format follows the extension\n"
           "  chainrule explain --template > model.toml   # a commented TOML model file to start from\n"
           "\n"
           "TOML model files: every key is in the template (chainrule explain --template) and in\n"
           "python3 -m pydoc chainrule.explain.model_file; an unknown key is an error.")

#: output file extension -> --format (``commands/_output.py``'s rule: an explicit --format must agree)
FORMATS = {"txt": "text", "text": "text", "md": "markdown", "markdown": "markdown", "tex": "latex", "html": "html",
           "htm": "html"}


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
                             "torch), or a TOML model file (format: --template; default: the lecture's example)")
    parser.add_argument("--template", action="store_true",
                        help="print a commented TOML model file (the lecture's network) and stop: "
                             "chainrule explain --template > model.toml")
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
    parser.add_argument("--with-torch", action="store_true",
                        help="run a Python model file with the real PyTorch (import torch is PyTorch itself): its "
                             "model is bridged to chainrule, explained, and every number checked against PyTorch")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language (default: en)")
    parser.add_argument("--format", choices=("text", "markdown", "latex", "html"), default=None,
                        help="output format (default: from the -o file's extension, else text)")
    parser.add_argument("--notation", choices=("flat", "indexed"), default="flat",
                        help="flat: the post's W1, W2, … (default); indexed: W⁽¹⁾₁₂")
    parser.add_argument("--form", choices=("auto", "scalar", "matrix"), default="auto",
                        help="scalar: every unit; matrix: δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀδ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾) with shapes; "
                             "auto: scalar up to --max-scalar parameters (default)")
    parser.add_argument("--max-scalar", type=int, default=None, metavar="P",
                        help="largest number of parameters written out unit by unit (default: 200)")
    parser.add_argument("--of", metavar="NAME",
                        help="expression files (no model): the scalar to explain (default: loss, L, f or out)")
    parser.add_argument("--input-grads", action="store_true", help="also print ∂L/∂x, the gradient of the input")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (atomically; .txt, .md, .tex or .html picks the format) instead of the "
                             "terminal; - is standard output")


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


def load_torch_problem(path):
    """(model, criterion, optimizer, x, y) built by a Python model file run with the real PyTorch
    (``--with-torch``); explain bridges them to chainrule (``interop.explain_bridge``)."""
    from ..cli import UsageError
    from ..explain.model_file import ModelFileError, _where
    from ..explain.torch_check import torch_twin_of_file
    if not path or not path.endswith(".py"):
        raise UsageError("--with-torch needs a Python model file (model.py) that builds its model with PyTorch")
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UsageError("--with-torch needs PyTorch, which is not installed: pip install torch") from None
    try:
        problem = torch_twin_of_file(path)()
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    except KeyError as e:
        raise UsageError(f"{path}: the model file must define {e.args[0]}") from None
    except Exception as e:  # noqa: BLE001 - the user's file failed: say where and why
        raise UsageError(f"{_where(path, e)}: {type(e).__name__}: {e}") from None
    if any(v is None for v in problem[1:]):
        raise UsageError(f"{path}: the model file must define model, criterion (or loss_fn), optimizer, x and y")
    return problem


def _is_expression_file(path) -> bool:
    """A Python file that never assigns ``model`` (an expression file: leaf tensors and a scalar)."""
    import ast
    if not path or not path.endswith(".py"):
        return False
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(2_000_001)          # (a model file is at most 2 MB: load_model_file refuses a larger one)
        if len(text) > 2_000_000:
            return False
        tree = ast.parse(text)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False          # load_model_file reports it
    assigned = {t.id for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
    return "model" not in assigned


def run(args) -> int:
    import sys
    from ..cli import UsageError
    from ..explain import ChainRuleMismatch, UnsupportedModel, explain_step
    from ..explain.build import DEFAULT_MAX_SCALAR
    from ._output import pick_format, write_output

    if args.template:
        write_output(args.output or "-", template())
        return 0
    fmt = pick_format(args.output, args.format, FORMATS, default="text")
    if not 0 <= args.decimals <= 12:
        raise UsageError(f"--decimals must be between 0 and 12, got {args.decimals}")
    check_steps(args.steps)
    max_scalar = DEFAULT_MAX_SCALAR if args.max_scalar is None else args.max_scalar
    if max_scalar < 0:
        raise UsageError(f"--max-scalar must be 0 or more, got {max_scalar}")
    try:
        if _is_expression_file(args.model_file):     # no model: a computational graph of tensors
            from ..explain.expression_file import explain_expression_file
            from ..explain.model_file import ModelFileError
            try:
                solution = explain_expression_file(args.model_file, args.of, decimals=args.decimals, lang=args.lang)
            except ModelFileError as e:
                raise UsageError(str(e)) from None
        else:
            if args.with_torch:
                model, criterion, optimizer, x, y = load_torch_problem(args.model_file)
            else:
                model, criterion, optimizer, x, y = load_problem(args.model_file)
            twin = None
            if args.verify_torch and not args.with_torch and args.model_file and args.model_file.endswith(".py"):
                from ..explain.torch_check import torch_twin_of_file
                twin = torch_twin_of_file(args.model_file)
            solution = explain_step(model, criterion, optimizer, x, y, step=args.steps, decimals=args.decimals,
                                    hand=args.hand, numeric=args.numeric, notation=args.notation, form=args.form,
                                    max_scalar=max_scalar, lang=args.lang, verify_torch=args.verify_torch,
                                    input_grads=args.input_grads, torch_twin=twin)
    except UnsupportedModel as e:
        raise UsageError(str(e)) from None
    except ChainRuleMismatch as e:
        print(f"chainrule explain: {e}", file=sys.stderr)
        return 1
    write_output(args.output or "-", solution.render(fmt, args.lang))
    return 0


def template() -> str:
    """The commented TOML model file ``--template`` prints (``commands/model_template.toml``)."""
    import os
    with open(os.path.join(os.path.dirname(__file__), "model_template.toml"), encoding="utf-8") as f:
        return f.read()
