"""The ``chainrule`` command line: one subcommand per module in ``chainrule/commands/``.

Each command module defines ``SUMMARY`` (one line), ``EXAMPLE`` (shown in ``--help``),
``add_arguments(parser)`` and ``run(args) -> int``.  A command raises ``UsageError`` for anything the
user can fix; that becomes a one-line message and exit code 2, never a traceback.

Exit codes: 0 done; 1 the command ran and found a problem (a wrong hand-worked value, a NaN loss, a
chain-rule mismatch), the output pipe closed early, or chainrule itself failed (``internal error``, a
bug to report; set ``CHAINRULE_TRACEBACK=1`` to see the traceback); 2 a usage mistake (bad option, bad
file); 130 interrupted (Ctrl-C).
``main()`` returns the code instead of raising ``SystemExit``, so it can be called in-process.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

#: command name -> module; the order is the order of ``chainrule --help``
COMMANDS = ("explain", "check", "draw", "graph", "train", "vanishing", "run")


class UsageError(Exception):
    """A mistake the user can fix (bad file, bad option): printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the command and pointing at ``--help`` (exit code 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def cannot_write(path, error: Exception) -> UsageError:
    """``cannot write <path>: <reason>`` for an OSError, without repeating a reason that already says so."""
    reason = getattr(error, "strerror", None) or str(error)
    return UsageError(reason if reason.startswith(f"cannot write {path}") else f"cannot write {path}: {reason}")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _available():
    for name in COMMANDS:
        if importlib.util.find_spec(f"chainrule.commands.{name}") is not None:
            yield name


def build_parser(load=None) -> argparse.ArgumentParser:
    parser = _Parser(
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


def _parse(parser, argv):
    """Parsed args, or the exit code argparse chose (0 after --help/--version, 2 for a mistake)."""
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:   # reported by the subcommand's parser, so the message names the command
            sub = _subparser(parser, getattr(args, "command", None)) or parser
            sub.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    return args


def _subparser(parser, name):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(name)
    return None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):   # stdout is not a real file (captured in tests)
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(load=command if command in COMMANDS else None)
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except UsageError as e:
        print(f"chainrule {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:     # `chainrule ... | head`: the reader has gone; stop quietly
        _silence_stdout()
        return 1
    except Exception as e:  # noqa: BLE001 - a bug in chainrule: one line and exit 1, not a traceback
        if os.environ.get("CHAINRULE_TRACEBACK"):
            raise
        print(f"chainrule {args.command}: internal error: {type(e).__name__}: {_one_line(e)} "
              f"(a bug in chainrule, please report it; CHAINRULE_TRACEBACK=1 shows where)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
