"""``chainrule exercise``: a problem sheet and its answer key, for one student or a class (``--variants``).

The sheet comes in Markdown + LaTeX, HTML and LaTeX (compiles with pdflatex); the key is JSON that
``chainrule check ANSWERS --key key.json`` grades against (it carries its model, so every diagnosis works).
The work is in ``chainrule.teach.exercise``.
"""
from __future__ import annotations

SUMMARY = "make a problem sheet and its answer key (a random network, a computational graph, softmax, batch norm)"
EXAMPLE = ("  chainrule exercise                                  # a 2-2-1 sigmoid network, into exercise/\n"
           "  chainrule exercise --sizes 2-3-2 --activations tanh,sigmoid --loss mse --lr 0.5\n"
           "  chainrule exercise --kind graph --variants 30 --seed 7 -o class/   # one variant per student\n"
           "  chainrule check answers.txt --key exercise/key.json")


def add_arguments(parser) -> None:
    from ..teach.exercise import KINDS, LOSSES
    parser.add_argument("--kind", choices=KINDS, default="mlp", help="what the exercise is about (default: mlp)")
    parser.add_argument("--sizes", default="2-2-1", metavar="N-N-…", help="layer sizes, input first (default: 2-2-1)")
    parser.add_argument("--activations", default="sigmoid", metavar="ACT[,ACT…]",
                        help="one activation, or one per layer: sigmoid, tanh, relu, identity (default: sigmoid)")
    parser.add_argument("--loss", choices=LOSSES, default="bce", help="the loss (default: bce)")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd", help="the optimizer (default: sgd)")
    parser.add_argument("--lr", type=float, default=1.0, help="the learning rate α (default: 1)")
    parser.add_argument("--batch", type=int, default=1, metavar="N", help="samples in the batch (default: 1)")
    parser.add_argument("--weight-decimals", type=int, default=1, choices=(1, 2),
                        help="decimals of the initial weights (default: 1)")
    parser.add_argument("--model", metavar="MODEL_FILE", help="--kind model: the model file the exercise is about")
    parser.add_argument("--variants", type=int, default=1, metavar="N", help="per-student variants (default: 1)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the numbers (default: 0)")
    parser.add_argument("--decimals", type=int, default=4, help="decimals the answers are worked to (default: 4)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language (default: en)")
    parser.add_argument("-o", "--output", default="exercise", metavar="DIR",
                        help="folder for the sheets and keys (default: exercise)")


def run(args) -> int:
    import os

    from ..cli import UsageError, cannot_write
    from ..explain.errors import UnsupportedModel
    from ..explain.model_file import ModelFileError
    from ..io.atomic import write_text
    from ..teach.exercise import ExerciseError, make, sheet_html, sheet_latex, sheet_markdown
    from ..teach.key import write_key

    if not 1 <= args.variants <= 500:
        raise UsageError(f"--variants must be 1 … 500, got {args.variants}")
    if not 1 <= args.decimals <= 8:
        raise UsageError(f"--decimals must be 1 … 8, got {args.decimals}")
    try:
        sizes = tuple(int(s) for s in args.sizes.replace(",", "-").split("-"))
    except ValueError:
        raise UsageError(f"--sizes: expected sizes such as 2-2-1, got {args.sizes!r}") from None
    acts = tuple(a.strip() for a in args.activations.split(",") if a.strip())
    if args.model and not os.path.isfile(args.model):
        raise UsageError(f"--model {args.model}: no such file")
    written = []
    for k in range(1, args.variants + 1):
        try:
            ex = make(args.kind, seed=args.seed, variant=k, sizes=sizes, activations=acts, loss=args.loss,
                      optimizer=args.optimizer, lr=args.lr, batch=args.batch, weight_decimals=args.weight_decimals,
                      model=args.model, decimals=args.decimals)
        except (ExerciseError, ModelFileError, UnsupportedModel) as e:
            raise UsageError(str(e)) from None
        folder = args.output if args.variants == 1 else os.path.join(args.output, f"variant-{k:02d}")
        key_path = os.path.join(folder, "key.json")
        try:
            os.makedirs(folder, exist_ok=True)
            write_text(os.path.join(folder, ex.model_name), ex.model_text)
            write_text(os.path.join(folder, "sheet.md"), sheet_markdown(ex, k, args.lang, key_path))
            write_text(os.path.join(folder, "sheet.html"), sheet_html(ex, k, args.lang, key_path))
            write_text(os.path.join(folder, "sheet.tex"), sheet_latex(ex, k, args.lang, key_path))
            write_key(key_path, ex.key())
        except OSError as e:
            raise cannot_write(folder, e) from None
        written.append((folder, len(ex.questions)))
    for folder, n in written:
        print(f"{folder}: sheet.md, sheet.html, sheet.tex, key.json ({n} questions)")
    return 0
