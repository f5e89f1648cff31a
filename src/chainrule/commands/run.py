"""``chainrule run``: run an unmodified PyTorch script with chainrule serving ``import torch``.

The script runs as ``__main__`` with its own arguments in ``sys.argv`` and its folder first on
``sys.path``, exactly as ``python3 script.py ARGS`` would run it, except that ``torch``, ``torch.nn``,
``torch.nn.functional``, ``torch.optim``, ``torch.utils.data`` … are chainrule's (``interop.torch_shim``).

Exit codes: the script's own (``sys.exit(n)``; 0 when it ends); 2 when it cannot be read or compiled, or
uses a PyTorch API chainrule lacks (the message names the API and the script's line); 1 when the script
raises — its traceback is printed as Python would print it, without chainrule's runner frames.
"""
from __future__ import annotations

import os
import sys
import traceback

SUMMARY = "run a PyTorch script unchanged, with chainrule serving `import torch` (and torch.nn, torch.optim …)"
EXAMPLE = ("  chainrule run train.py               # a script that says `import torch`\n"
           "  chainrule run --seed 0 train.py      # torch.manual_seed(0) first: PyTorch's numbers, digit for digit\n"
           "  chainrule run train.py --epochs 3    # everything after the script is the script's own arguments")


def add_arguments(parser) -> None:
    parser.add_argument("--seed", type=int, default=None,
                        help="call torch.manual_seed(SEED) before the script starts (as a fixed seed at its top)")
    parser.add_argument("script", help="a Python script written for PyTorch")
    parser.add_argument("script_args", nargs="...", metavar="ARGS", help="arguments passed to the script")


def _user_line(exc: BaseException, path: str) -> str:
    """``script.py:LINE`` of the deepest frame of the user's script in ``exc``'s traceback."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return f"{path}:{line}" if line else path


def _print_user_traceback(exc: BaseException, path: str) -> None:
    """Python's traceback, starting at the script's first frame (the runner's own frames left out)."""
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != os.path.abspath(path):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb if tb is not None else exc.__traceback__, file=sys.stderr)


def run(args) -> int:
    from ..cli import UsageError
    from ..interop.torch_shim import MissingTorchAPI, TorchShim

    path = args.script
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        code = compile(source, path, "exec")
    except (SyntaxError, ValueError) as e:
        line = f":{e.lineno}" if getattr(e, "lineno", None) else ""
        raise UsageError(f"{path}{line}: syntax error: {getattr(e, 'msg', None) or e}") from None

    namespace = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [path, *args.script_args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        with TorchShim():
            if args.seed is not None:
                from ..random import manual_seed
                manual_seed(args.seed)
            exec(code, namespace)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except (MissingTorchAPI, ModuleNotFoundError) as e:
        if isinstance(e, ModuleNotFoundError) and not (e.name or "").startswith("torch"):
            _print_user_traceback(e, path)
            return 1
        raise UsageError(f"{_user_line(e, path)}: {e}") from None
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - the script's own error: show it as Python would
        _print_user_traceback(e, path)
        return 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0
