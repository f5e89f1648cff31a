"""``chainrule playground``: a local web page that trains a network live, every number openable into its derivation."""
from __future__ import annotations

SUMMARY = "a live training page on 127.0.0.1: build, train, rewind, open any weight's derivation, export"
EXAMPLE = ("  chainrule playground                     # then open the printed URL\n"
           "  chainrule playground --lang ko --port 8800\n"
           "  chainrule playground model.toml          # start from a model file (its x, y as the data)")


def add_arguments(parser) -> None:
    parser.add_argument("model_file", nargs="?", help="Python or TOML model file to start from (chainrule explain's "
                                                      "format; default: build the network on the page)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="the page's language")
    parser.add_argument("--open", action="store_true", help="open the page in the web browser")


def run(args) -> int:
    import sys

    from ..cli import UsageError
    from ._needs import need
    need("flask", "serving the playground page")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, got {args.port}")
    if args.model_file:
        from ..explain.model_file import ModelFileError
        from ..playground.config import SettingError
        from ..playground.session import Session
        try:
            Session.from_model_file(args.model_file)       # a bad file is reported now, not in the browser
        except (ModelFileError, SettingError) as e:
            raise UsageError(str(e)) from None
    import logging

    from werkzeug.serving import make_server
    logging.getLogger("werkzeug").setLevel(logging.WARNING)      # no line per request (60 a second while playing)

    from ..playground.server import create_app
    app = create_app(args.model_file, args.lang)
    def cannot(reason):
        return UsageError(f"cannot listen on 127.0.0.1:{args.port}: {reason} (another program uses the port? pass "
                          f"--port with another number, or --port 0 for any free one)")
    if args.port:               # werkzeug prints its own text and exits on a port in use: look first
        import socket
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", args.port))
            except OSError as e:
                raise cannot(e.strerror or e) from None
    try:
        server = make_server("127.0.0.1", args.port, app, threaded=True)
    except (OSError, SystemExit) as e:
        reason = getattr(e, "strerror", None) or "the port is in use"
        raise cannot(reason) from None
    url = f"http://127.0.0.1:{server.server_port}/" + ("?lang=ko" if args.lang == "ko" else "")
    print(f"chainrule playground: {url}  (Ctrl-C stops it)", flush=True)
    if args.open:
        import webbrowser
        webbrowser.open(url)
    try:
        server.serve_forever()          # werkzeug's loop ends on Ctrl-C (KeyboardInterrupt) by itself
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("chainrule playground: stopped", file=sys.stderr)
    return 0
