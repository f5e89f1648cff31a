"""``chainrule graph``: the autograd graph of one forward/backward pass as DOT, SVG, PNG or PDF."""
from __future__ import annotations

SUMMARY = "export the computation graph (op, shape, value, gradient per node; grouped by module) as DOT/SVG/PNG/PDF"
EXAMPLE = ("  chainrule graph -o graph.dot           # the lecture's network; DOT needs nothing installed\n"
           "  chainrule graph model.py -o graph.svg  # SVG/PNG/PDF need Graphviz's dot program")


def add_arguments(parser) -> None:
    parser.add_argument("model_file", nargs="?", help="Python or TOML model file (default: the lecture's network)")
    parser.add_argument("-o", "--output", default="graph.dot", help="output file: .dot, .svg, .png or .pdf")
    parser.add_argument("--max-elements", type=int, default=8,
                        help="tensors with more entries are summarised (default: 8)")
    parser.add_argument("--no-values", action="store_true", help="show only op names and shapes")


def run(args) -> int:
    from ..cli import UsageError, cannot_write
    from ..viz import graph, network
    from ..viz.model_files import ModelFileError, load_model_file

    ext = args.output.rsplit(".", 1)[-1].lower() if "." in args.output else ""
    if ext not in ("dot", "gv", "svg", "png", "pdf"):
        raise UsageError(f"unknown graph format for {args.output}: use a file ending in .dot, .svg, .png or .pdf")
    if ext in ("svg", "png", "pdf"):
        import shutil
        if shutil.which("dot") is None:    # before tracing: say what to install, then stop
            message = graph.MISSING_DOT.format(what=ext.upper() + " output")
            raise UsageError(message)
    try:
        if args.model_file is None:
            from .. import nn
            model, x, y = network.seed_example()
            loss_fn, title = nn.BCELoss(), "the lecture's network: BCE loss of one example"
        else:
            spec = load_model_file(args.model_file)
            if spec.x is None:
                raise UsageError(f"{args.model_file} defines no example input: set x (and y, criterion)")
            model, x, y, title = spec.model, spec.x, spec.y, args.model_file
            loss_fn = spec.loss_fn if y is not None else None
        dot = graph.trace(model, x, loss_fn=loss_fn, target=y, max_elements=args.max_elements,
                          show_values=not args.no_values, title=title)
        dot.render(args.output)
    except graph.GraphvizNotInstalled as e:
        raise UsageError(str(e)) from None
    except (ModelFileError, ValueError) as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise cannot_write(args.output, e) from None
    print(f"wrote {args.output}")
    return 0
