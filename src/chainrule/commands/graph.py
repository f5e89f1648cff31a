"""``chainrule graph``: the autograd graph of one forward/backward pass as DOT, SVG, PNG or PDF."""
from __future__ import annotations

SUMMARY = "export the computation graph (op, shape, value, gradient per node; grouped by module) as DOT/SVG/PNG/PDF"
EXAMPLE = ("  chainrule graph -o graph.dot           # the lecture's network; DOT needs nothing installed\n"
           "  chainrule graph model.py -o graph.svg  # SVG/PNG/PDF need Graphviz's dot program\n"
           "  chainrule graph --format svg -o - > graph.svg")

#: output file extension -> --format (``commands/_output.py``'s rule)
FORMATS = {"dot": "dot", "gv": "dot", "svg": "svg", "png": "png", "pdf": "pdf"}


def add_arguments(parser) -> None:
    from ._words import add_lang_argument
    parser.add_argument("model_file", nargs="?", help="Python or TOML model file (default: the lecture's network)")
    parser.add_argument("-o", "--output", default="graph.dot",
                        help="output file: .dot, .svg, .png or .pdf picks the format; - is standard output "
                             "(default: graph.dot)")
    parser.add_argument("--format", choices=("dot", "svg", "png", "pdf"), default=None,
                        help="output format (default: from the -o file's extension, else dot)")
    parser.add_argument("--max-elements", type=int, default=8,
                        help="tensors with more entries are summarised (default: 8)")
    parser.add_argument("--no-values", action="store_true", help="show only op names and shapes")
    add_lang_argument(parser, "the title and messages (default: en)")


def run(args) -> int:
    from ..cli import UsageError
    from ..viz import graph, network
    from ..viz.model_files import ModelFileError, load_model_file
    from ._output import extension, pick_format, write_output
    from ._words import say

    ext = "" if args.output == "-" else extension(args.output)
    if ext and ext not in FORMATS:
        raise UsageError(f"unknown graph format for {args.output}: use a file ending in .dot, .svg, .png or .pdf")
    fmt = pick_format(args.output, args.format, FORMATS, default="dot")
    if fmt != "dot":
        import shutil
        if shutil.which("dot") is None:    # before tracing: say what to install, then stop
            message = graph.MISSING_DOT.format(what=fmt.upper() + " output")
            raise UsageError(message)
    try:
        if args.model_file is None:
            from .. import nn
            model, x, y = network.seed_example()
            loss_fn, title = nn.BCELoss(), say(args.lang, "graph.seed_title")
        else:
            spec = load_model_file(args.model_file)
            if spec.x is None:
                raise UsageError(f"{args.model_file} defines no example input: set x (and y, criterion)")
            model, x, y, title = spec.model, spec.x, spec.y, args.model_file
            loss_fn = spec.loss_fn if y is not None else None
        dot = graph.trace(model, x, loss_fn=loss_fn, target=y, max_elements=args.max_elements,
                          show_values=not args.no_values, title=title)
        data = dot.source if fmt == "dot" else dot.pipe(fmt)
    except graph.GraphvizNotInstalled as e:
        raise UsageError(str(e)) from None
    except (ModelFileError, ValueError) as e:
        raise UsageError(str(e)) from None
    write_output(args.output, data)
    if args.output != "-":
        print(say(args.lang, "wrote", path=args.output))
    return 0
