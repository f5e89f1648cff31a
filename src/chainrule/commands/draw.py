"""``chainrule draw``: the network as an SVG diagram with the numbers of one training step on it."""
from __future__ import annotations

from ._words import LANGS   # chainrule.explain.locale.LANGS, without importing explain to list the commands

SUMMARY = "draw the network as an SVG diagram: units with z and activation values, weights and gradients on the edges"
EXAMPLE = ("  chainrule draw -o net.svg            # the lecture's network after one training step\n"
           "  chainrule draw model.py -o net.svg   # your model file (model, x, y, criterion, optimizer)\n"
           "  chainrule draw --lang ko -o net.svg  # headings and legend in Korean (입력층, 은닉층, 출력층, 오차)")


def add_arguments(parser) -> None:
    parser.add_argument("model_file", nargs="?", help="Python or TOML model file (default: the lecture's network)")
    parser.add_argument("-o", "--output", default="network.svg",
                        help="SVG file to write; - is standard output (default: network.svg)")
    parser.add_argument("--decimals", type=int, default=4, metavar="D", help="decimals shown (default: 4)")
    from ..cli import DeprecatedAlias
    parser.add_argument("--precision", type=int, dest="decimals", action=DeprecatedAlias, new="--decimals")
    parser.add_argument("--labels", choices=("auto", "on", "off"), default="auto",
                        help="label edges with their numbers (auto: when there are at most 40 edges)")
    parser.add_argument("--lang", choices=LANGS, default="en",
                        help="language of the headings and legend (default: en)")
    parser.add_argument("--no-step", action="store_true", help="do not run the optimizer step (no updated values)")


def _diagram(model, x, y, loss_fn, optimizer, title, args, labels, words):
    """Record the step once (``record_pass``); draw it as the layered network when it is a chain of Linear
    layers, else as the computational graph (values and gradients on every node) — the same record."""
    from ..explain.step_graph import record_pass
    from ..viz import network
    from ..viz.graph_view import draw_graph
    graph = record_pass(model, x, y, loss_fn, None if args.no_step else optimizer)
    loss_name = type(loss_fn).__name__.replace("Loss", "") if loss_fn is not None else "L"
    try:
        state = network.network_state(graph, title=title, words=words, loss_name=loss_name)
    except ValueError:       # not a chain of Linear layers: the recorded graph itself
        return draw_graph(graph, precision=args.decimals, title=title)
    return network.draw_network(state, precision=args.decimals, labels=labels, words=words)


def run(args) -> int:
    from ..cli import UsageError
    from ..explain.locale import diagram_words, messages
    from ..viz import network
    from ..viz.model_files import ModelFileError, load_model_file

    if args.output != "-" and not args.output.lower().endswith(".svg"):
        raise UsageError(f"the diagram is written as SVG: give an output file ending in .svg (got {args.output})")
    if not 0 <= args.decimals <= 12:
        raise UsageError(f"--decimals must be between 0 and 12, got {args.decimals}")
    labels = {"auto": "auto", "on": True, "off": False}[args.labels]
    words = diagram_words(args.lang)
    try:
        if args.model_file is None:
            from .. import nn, optim
            model, x, y = network.seed_example()
            diagram = _diagram(model, x, y, nn.BCELoss(), optim.SGD(model.parameters(), lr=1.0),
                               messages(args.lang).get("diagram.seed_title"), args, labels, words)
        else:
            spec = load_model_file(args.model_file)
            if spec.x is None:
                raise UsageError(f"{args.model_file} defines no example input: set x (and y, criterion) to draw values")
            diagram = _diagram(spec.model, spec.x, spec.y, spec.loss_fn if spec.y is not None else None,
                               spec.optimizer, args.model_file, args, labels, words)
    except (ModelFileError, ValueError) as e:
        raise UsageError(str(e)) from None
    from ._output import write_output
    from ._words import say
    write_output(args.output, diagram.svg)
    if args.output != "-":
        print(say(args.lang, "wrote", path=args.output))
    return 0
