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


def _graph_view(spec, args):
    """The computational graph of one step (values and gradients on every node), for any other model."""
    from ..explain.step_graph import StepRecorder, record_training_step
    from ..viz.graph_view import draw_graph
    if spec.y is None or spec.loss_fn is None or spec.optimizer is None or args.no_step:
        with StepRecorder(spec.model) as rec:
            out = spec.model(spec.x)
            loss = spec.loss_fn(out, spec.y) if spec.loss_fn is not None and spec.y is not None else out.sum()
        graph = rec.finish(loss)
    else:
        graph = record_training_step(spec.model, spec.loss_fn, spec.optimizer, spec.x, spec.y)
    return draw_graph(graph, precision=args.decimals, title=args.model_file)


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
            state = network.capture_network(
                model, x, y, nn.BCELoss(), None if args.no_step else optim.SGD(model.parameters(), lr=1.0),
                title=messages(args.lang).get("diagram.seed_title"), words=words)
        else:
            spec = load_model_file(args.model_file)
            if spec.x is None:
                raise UsageError(f"{args.model_file} defines no example input: set x (and y, criterion) to draw values")
            try:
                state = network.capture_network(spec.model, spec.x, spec.y,
                                                spec.loss_fn if spec.y is not None else None,
                                                None if args.no_step else spec.optimizer, title=args.model_file,
                                                words=words)
            except ValueError:       # not a chain of Linear layers: draw the recorded graph itself
                state = None
                diagram = _graph_view(spec, args)
        if state is not None:
            diagram = network.draw_network(state, precision=args.decimals, labels=labels, words=words)
    except (ModelFileError, ValueError) as e:
        raise UsageError(str(e)) from None
    from ._output import write_output
    from ._words import say
    write_output(args.output, diagram.svg)
    if args.output != "-":
        print(say(args.lang, "wrote", path=args.output))
    return 0
