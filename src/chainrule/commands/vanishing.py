"""``chainrule vanishing``: gradient norm per layer by depth and activation, measured."""
from __future__ import annotations

SUMMARY = "measure the vanishing gradient: gradient norm per layer for each depth and activation (table + log plot)"
EXAMPLE = ("  chainrule vanishing --depths 2..10 --activations sigmoid,tanh,relu -o vanishing.png\n"
           "  chainrule vanishing --depths 10 --init kaiming --json vanishing.json -o none\n"
           "  chainrule vanishing --format svg -o - > vanishing.svg   # the table goes to stderr\n"
           "  chainrule vanishing --through-time --lengths 5,10,20,50 --cells rnn,lstm,gru -o through_time.png")

#: plot file extension -> --format (``commands/_output.py``'s rule)
FORMATS = {"png": "png", "svg": "svg", "pdf": "pdf"}


def add_arguments(parser) -> None:
    from ._words import add_lang_argument
    parser.add_argument("--depths", default="2..10", help="depths: a range like 2..10 or a list like 2,5,10")
    parser.add_argument("--activations", default="sigmoid,tanh,relu", help="comma-separated activation names")
    parser.add_argument("--width", type=int, default=64, help="units per hidden layer")
    parser.add_argument("--batch", type=int, default=256, help="batch size of the backward pass")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the weights and inputs")
    parser.add_argument("--init", choices=("default", "kaiming", "xavier"), default="default",
                        help="weight initialisation ('default': nn.Linear's own)")
    parser.add_argument("-o", "--output", default="vanishing.png",
                        help="plot file (.png, .svg or .pdf picks the format); - is standard output; 'none' to skip")
    parser.add_argument("--format", choices=tuple(FORMATS), default=None,
                        help="plot format (default: from the -o file's extension, else png)")
    parser.add_argument("--json", help="also write the numbers as JSON to this file (- is standard output)")
    t = parser.add_argument_group("through time (a recurrent network: the gradient reaching each time step)")
    t.add_argument("--through-time", action="store_true",
                   help="study ‖∂L/∂h⁽ᵗ⁾‖ per time step of RNN/LSTM/GRU cells instead of depth")
    t.add_argument("--lengths", default="5,10,20,50", help="sequence lengths: a range like 5..50..5 or a list")
    t.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated cells: rnn, lstm, gru")
    t.add_argument("--hidden", type=int, default=32, help="hidden units of the cell")
    t.add_argument("--forget-bias", type=float, default=0.0,
                   help="added to the LSTM's forget-gate bias (PyTorch's default init: 0; 1 is the usual choice)")
    add_lang_argument(parser, "the report")


#: the most weights (width² × depth) and activations (batch × width × depth) one study may hold
MAX_STUDY_ELEMENTS = 25_000_000


def check_size(width: int, batch: int, depth: int) -> None:
    """Refuse a study that would not fit in memory before any of it is allocated."""
    from ..cli import UsageError
    if width * width * depth > MAX_STUDY_ELEMENTS or batch * width * depth > MAX_STUDY_ELEMENTS:
        raise UsageError(f"--width {width} and --batch {batch} at depth {depth} are too large for one study "
                         f"(width² × depth and batch × width × depth must each be at most {MAX_STUDY_ELEMENTS:,})")


def run(args) -> int:
    if args.through_time:
        return run_through_time(args)
    import json
    import sys

    from ..cli import UsageError
    from ..viz import vanishing
    from ._output import pick_format, write_output
    from ._words import say

    try:
        depths = vanishing.parse_depths(args.depths)
    except ValueError as e:
        raise UsageError(str(e)) from None
    activations = [a.strip() for a in args.activations.split(",") if a.strip()]
    if not activations:
        raise UsageError("--activations needs at least one name, e.g. sigmoid,tanh,relu")
    if args.width < 1 or args.batch < 1:
        raise UsageError("--width and --batch must be at least 1")
    if max(depths) > 200:
        raise UsageError(f"depth {max(depths)} is more than this study needs (at most 200)")
    plot = args.output.lower() != "none"
    if plot and args.output == "-" and args.json == "-":
        raise UsageError("-o - and --json - cannot both go to standard output: write one of them to a file")
    fmt = pick_format(args.output, args.format, FORMATS, default="png") if plot else None
    if plot:                       # before the study: a missing matplotlib must not cost the whole run
        from ._needs import need
        need("matplotlib", "drawing the plot", instead="pass -o none to skip it").use("Agg")
    check_size(args.width, args.batch, max(depths))
    try:
        result = vanishing.study(depths, activations, width=args.width, batch=args.batch, seed=args.seed,
                                 init=args.init)
    except ValueError as e:
        raise UsageError(str(e)) from None
    report = sys.stderr if "-" in (args.output, args.json) else sys.stdout    # stdout carries the file
    print(say(args.lang, "vanishing.head", width=args.width, batch=args.batch, seed=args.seed, init=args.init),
          file=report)
    print(result.table(args.lang), file=report)
    deepest = max(depths)
    print(file=report)
    for act in activations:
        print(say(args.lang, "vanishing.ratio", act=act, depth=deepest, ratio=result.ratio(act, deepest)), file=report)
    if args.json:
        write_output(args.json, json.dumps(result.to_dict(), indent=1))
        if args.json != "-":
            print(say(args.lang, "wrote", path=args.json), file=report)
    if plot:
        from ..viz.plots import figure_bytes
        write_output(args.output, figure_bytes(result.plot(None, lang=args.lang), fmt))
        if args.output != "-":
            print(say(args.lang, "wrote", path=args.output), file=report)
    return 0


def run_through_time(args) -> int:
    import json
    import sys

    from ..cli import UsageError
    from ..viz import vanishing
    from ._output import pick_format, write_output
    from ._words import say

    try:
        lengths = vanishing.parse_depths(args.lengths)
    except ValueError as e:
        msg = str(e).replace("depths", "lengths").replace("depth", "length")
        raise UsageError(msg) from None
    cells = [c.strip().lower() for c in args.cells.split(",") if c.strip()]
    if not cells:
        raise UsageError("--cells needs at least one name, e.g. rnn,lstm,gru")
    bad = [c for c in cells if c not in vanishing.CELLS]
    if bad:
        raise UsageError(f"--cells: unknown cell '{bad[0]}': use one of {', '.join(vanishing.CELLS)}")
    if args.hidden < 1 or args.batch < 1:
        raise UsageError("--hidden and --batch must be at least 1")
    plot = args.output.lower() != "none"
    if plot and args.output == "-" and args.json == "-":
        raise UsageError("-o - and --json - cannot both go to standard output: write one of them to a file")
    fmt = pick_format(args.output, args.format, FORMATS, default="png") if plot else None
    if plot:
        from ._needs import need
        need("matplotlib", "drawing the plot", instead="pass -o none to skip it").use("Agg")
    check_size(args.hidden * 4, args.batch, max(lengths))
    result = vanishing.time_study(lengths, cells, hidden=args.hidden, batch=args.batch, seed=args.seed,
                                  forget_bias=args.forget_bias)
    report = sys.stderr if "-" in (args.output, args.json) else sys.stdout
    print(say(args.lang, "vanishing.time_head", hidden=args.hidden, batch=args.batch, seed=args.seed,
              fb=args.forget_bias), file=report)
    print(result.table(), file=report)
    print(file=report)
    for cell in cells:
        print(say(args.lang, "vanishing.time_ratio", cell=cell, length=max(lengths),
                  ratio=result.ratio(cell, max(lengths))), file=report)
    if args.json:
        write_output(args.json, json.dumps(result.to_dict(), indent=1))
        if args.json != "-":
            print(say(args.lang, "wrote", path=args.json), file=report)
    if plot:
        from ..viz.plots import figure_bytes
        write_output(args.output, figure_bytes(result.plot(None), fmt))
        if args.output != "-":
            print(say(args.lang, "wrote", path=args.output), file=report)
    return 0
