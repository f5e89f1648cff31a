"""The ``chainrule`` command line: one subcommand per module in ``chainrule/commands/``.

Each command module defines ``SUMMARY`` (one line), ``EXAMPLE`` (shown in ``--help``),
``add_arguments(parser)`` and ``run(args) -> int``.  A command raises ``UsageError`` for anything the
user can fix; that becomes a one-line message and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

#: command name -> module; the order is the order of ``chainrule --help``
COMMANDS = ("explain", "check", "draw", "graph", "train", "vanishing")


class UsageError(Exception):
    """A mistake the user can fix (bad file, bad option): printed as one line, exit code 2."""


def _available():
    for name in COMMANDS:
        if importlib.util.find_spec(f"chainrule.commands.{name}") is not None:
            yield name


def build_parser(load=None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="Forward and back propagation you can run, see, check and trust.",
        epilog="example:\n  chainrule explain            # the lecture's worked example, step by step",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _available():
        if load is not None and name != load:
            sub.add_parser(name, help=_summary(name))
            continue
        module = importlib.import_module(f"chainrule.commands.{name}")
        p = sub.add_parser(name, help=module.SUMMARY, description=module.SUMMARY,
                           epilog="example:\n" + module.EXAMPLE,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _summary(name: str) -> str:
    module = importlib.import_module(f"chainrule.commands.{name}")
    return module.SUMMARY


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(load=command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except UsageError as e:
        print(f"chainrule {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
