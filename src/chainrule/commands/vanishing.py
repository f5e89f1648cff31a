"""``chainrule vanishing``: gradient norm per layer by depth and activation, measured."""
from __future__ import annotations

SUMMARY = "measure the vanishing gradient: gradient norm per layer for each depth and activation (table + log plot)"
EXAMPLE = ("  chainrule vanishing --depths 2..10 --activations sigmoid,tanh,relu -o vanishing.png\n"
           "  chainrule vanishing --depths 10 --init kaiming --json vanishing.json")


def add_arguments(parser) -> None:
    parser.add_argument("--depths", default="2..10", help="depths: a range like 2..10 or a list like 2,5,10")
    parser.add_argument("--activations", default="sigmoid,tanh,relu", help="comma-separated (default: sigmoid,tanh,relu)")
    parser.add_argument("--width", type=int, default=64, help="units per hidden layer (default: 64)")
    parser.add_argument("--batch", type=int, default=256, help="batch size of the backward pass (default: 256)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", choices=("default", "kaiming", "xavier"), default="default",
                        help="weight initialisation (default: nn.Linear's own)")
    parser.add_argument("-o", "--output", default="vanishing.png", help="plot file (.png/.svg/.pdf); 'none' to skip")
    parser.add_argument("--json", help="also write the numbers as JSON to this file")


#: the most weights (width² × depth) and activations (batch × width × depth) one study may hold
MAX_STUDY_ELEMENTS = 25_000_000


def check_size(width: int, batch: int, depth: int) -> None:
    """Refuse a study that would not fit in memory before any of it is allocated."""
    from ..cli import UsageError
    if width * width * depth > MAX_STUDY_ELEMENTS or batch * width * depth > MAX_STUDY_ELEMENTS:
        raise UsageError(f"--width {width} and --batch {batch} at depth {depth} are too large for one study "
                         f"(width² × depth and batch × width × depth must each be at most {MAX_STUDY_ELEMENTS:,})")


def run(args) -> int:
    import json

    from ..cli import UsageError, cannot_write
    from ..viz import vanishing

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
    check_size(args.width, args.batch, max(depths))
    try:
        result = vanishing.study(depths, activations, width=args.width, batch=args.batch, seed=args.seed,
                                 init=args.init)
    except ValueError as e:
        raise UsageError(str(e)) from None
    print(f"gradient norm ‖∂L/∂W‖ per layer after one backward pass (layer 1 = nearest the input; width "
          f"{args.width}, batch {args.batch}, seed {args.seed}, {args.init} init)")
    print(result.table())
    deepest = max(depths)
    print()
    for act in activations:
        r = result.ratio(act, deepest)
        print(f"{act:>10} at depth {deepest}: first layer / last layer = {r:.2e}")
    if args.json:
        from ..viz._svg import write_text_atomic
        try:
            write_text_atomic(args.json, json.dumps(result.to_dict(), indent=1))
        except OSError as e:
            raise cannot_write(args.json, e) from None
        print(f"wrote {args.json}")
    if args.output.lower() != "none":
        import matplotlib
        matplotlib.use("Agg")
        try:
            result.plot(args.output)
        except ImportError as e:
            raise UsageError(str(e)) from None
        except (OSError, ValueError) as e:
            raise cannot_write(args.output, e) from None
        print(f"wrote {args.output}")
    return 0
