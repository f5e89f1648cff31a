"""The ``chainrule`` command line: one subcommand per module in ``chainrule/commands/``.

Each command module defines ``SUMMARY`` (one line), ``EXAMPLE`` (shown in ``--help``),
``add_arguments(parser)`` and ``run(args) -> int``.  A command raises ``UsageError`` for anything the
user can fix; that becomes a one-line message and exit code 2, never a traceback.  An exception whose
traceback passes through the user's own model file (``commands/_user_code.py``) is the user's too: it is
reported with that file's line, exit code 2.

Exit codes: 0 done (and ``--help``); 1 the command ran and found a problem (a wrong hand-worked value, a NaN loss, a
chain-rule mismatch), the output pipe closed early, or chainrule itself failed (``internal error``, a
bug to report; set ``CHAINRULE_TRACEBACK=1`` to see the traceback); 2 a usage mistake (bad option, bad
file, no command at all: the help is printed); 130 interrupted (Ctrl-C).
``main()`` returns the code instead of raising ``SystemExit``, so it can be called in-process.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

#: command name -> module; the order is the order of ``chainrule --help``
COMMANDS = ("explain", "check", "exercise", "draw", "graph", "train", "vanishing", "run", "playground")


class UsageError(Exception):
    """A mistake the user can fix (bad file, bad option): printed as one line, exit code 2."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The examples as written, and every option's default in its help: "(default: …)" is added unless the
    help already says it, or there is nothing to say (a flag that is off, an option with no default)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if ("default" in text or action.default is None or action.default is False
                or action.default is argparse.SUPPRESS or not action.option_strings
                or isinstance(action, (argparse._HelpAction, argparse._VersionAction))):
            return text
        return text + " (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the command and pointing at ``--help`` (exit code 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


class DeprecatedAlias(argparse.Action):
    """An old spelling of an option, hidden from ``--help`` (``--precision`` for ``--decimals``): it still
    works, and a finished command adds a warning naming the new spelling::

        parser.add_argument("--precision", dest="decimals", type=int, action=DeprecatedAlias, new="--decimals")
    """

    def __init__(self, option_strings, dest, new, **kwargs):
        self.new = new
        kwargs.setdefault("help", argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        notes = list(getattr(namespace, "_deprecated", ()))
        notes.append(f"{option_string} is deprecated; use {self.new}")
        namespace._deprecated = notes


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
                           epilog="example:\n" + module.EXAMPLE, formatter_class=_HelpFormatter)
        module.add_arguments(p)
        p.add_argument("--ascii", action="store_true",
                       help="spell the output in plain ASCII (x1, dL/dW5, sigma1, [ok]) for a terminal that "
                            "cannot show Unicode; chosen by itself when the output's encoding cannot carry it")
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
    from .commands._encoding import guard_streams
    restore = guard_streams()       # a console that cannot encode ═, σ₁ or ✓ gets ASCII, never UnicodeEncodeError
    try:
        return _main(argv)
    finally:
        restore()


def _korean_unshowable(args):
    """The usage error for ``--lang ko`` where the output cannot carry Hangul (``--ascii``, an ASCII or
    latin-1 console), or None."""
    from .commands._encoding import cannot_show_korean, encoding_of, forced
    if getattr(args, "lang", None) != "ko":
        return None
    if forced():
        return UsageError("--ascii cannot spell Korean: use --lang en with --ascii, or drop --ascii")
    to_file = args.command == "explain" and getattr(args, "output", None) not in (None, "-")
    if not to_file and cannot_show_korean(sys.stdout):
        return UsageError(f"standard output's encoding ({encoding_of(sys.stdout)}) cannot show Korean: run with "
                          f"PYTHONIOENCODING=utf-8 (or a UTF-8 terminal), or use --lang en")
    return None


def _main(argv) -> int:
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(load=command if command in COMMANDS else None)
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    if not getattr(args, "command", None):     # `chainrule` alone: what the commands are, and exit 2 (usage)
        parser.print_help()
        print("chainrule: error: no command given: choose one of the commands above "
              "(see 'chainrule COMMAND --help')", file=sys.stderr)
        return 2
    from .commands._user_code import user_location, user_paths
    try:
        if getattr(args, "ascii", False):
            from .commands._encoding import force_ascii
            force_ascii()
        refusal = _korean_unshowable(args)
        if refusal is not None:
            raise refusal
        code = int(args._run(args) or 0)
        for note in getattr(args, "_deprecated", ()):     # after the work, so a usage error stays one line
            print(f"chainrule {args.command}: warning: {note}", file=sys.stderr)
        return code
    except UsageError as e:
        message = _one_line(e)
        where = user_location(e, user_paths(args), chained=True)
        if where is not None and where.path not in message:    # a re-worded error of the user's code
            message = f"{where}: {message}"
        print(f"chainrule {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:     # `chainrule ... | head`: the reader has gone; stop quietly
        _silence_stdout()
        return 1
    except Exception as e:  # noqa: BLE001 - the user's code failed (exit 2), or a bug in chainrule (exit 1)
        if os.environ.get("CHAINRULE_TRACEBACK"):
            raise
        where = user_location(e, user_paths(args))
        if where is not None:   # the traceback passes through the user's model file: their line, their error
            print(f"chainrule {args.command}: error: {where}: {type(e).__name__}: {_one_line(e)} "
                  f"(CHAINRULE_TRACEBACK=1 shows the traceback)", file=sys.stderr)
            return 2
        print(f"chainrule {args.command}: internal error: {type(e).__name__}: {_one_line(e)} "
              f"(a bug in chainrule, please report it; CHAINRULE_TRACEBACK=1 shows where)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
