"""The playground's web server (Flask): the page, and a JSON API over per-tab training sessions.

    app = create_app(model_file=None, lang="en")
    POST /api/session                 → {"id": …}  a new session for this tab (from the model file, if given)
    POST /api/<id>/build  {settings}  → the new network's state (``config.Config``'s fields)
    POST /api/<id>/upload (CSV text)  → the data set for ``"dataset": "csv"``
    POST /api/<id>/step   {"n": k}    → k real training steps, then the state
    POST /api/<id>/epoch, /rewind     → to the end of the epoch; back to step 0 (same initialisation)
    GET  /api/<id>/state?since=k      → step, losses and gradient norms from step k on, weights, gradients,
                                        the decision boundary
    GET  /api/<id>/explain?param=w-0-0-0&lang=ko → the worked derivation of the step shown
    GET  /api/<id>/export/<what>      → model.py, model.toml, torch.py, safetensors, explanation (?format=)

Every number in a reply is the engine's: the page draws them and computes none.  A setting out of range
is HTTP 400 with the reason; a session nobody has used for ``idle_seconds`` is freed (404 after that).
"""
from __future__ import annotations

import math
import os
import secrets
import threading
import time

from . import derive, export
from .config import Config, SettingError
from .session import Diverged, Session
from .words import WORDS

STATIC = os.path.join(os.path.dirname(__file__), "static")
MAX_SESSIONS = 64
MAX_UPLOAD = 5_000_000
IDLE_SECONDS = 30 * 60


def fmt(v: float) -> str:
    """A number as the page prints it (4 decimals, a real minus sign; tiny and huge ones in e-notation)."""
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    s = f"{v:.4f}" if a == 0 or 1e-4 <= a < 1e5 else f"{v:.3e}"
    return s.replace("-", "−")


class Sessions:
    """The live sessions by id; the ones idle for longer than ``idle_seconds`` are freed."""

    def __init__(self, idle_seconds: float):
        self.idle = idle_seconds
        self.lock = threading.Lock()
        self.items: dict = {}          # id -> {"session": Session or None, "csv": Dataset or None}

    def new(self) -> str:
        sid = secrets.token_hex(8)
        with self.lock:
            self._reap()
            if len(self.items) >= MAX_SESSIONS:
                oldest = min(self.items, key=lambda k: self.items[k]["touched"])
                del self.items[oldest]
            self.items[sid] = {"session": None, "csv": None, "touched": time.monotonic()}
        return sid

    def get(self, sid: str) -> dict:
        with self.lock:
            self._reap()
            entry = self.items.get(sid)
            if entry is None:
                raise LookupError(f"session {sid} is gone (freed after {self.idle / 60:g} minutes idle, or the "
                                  f"server restarted): reload the page")
            entry["touched"] = time.monotonic()
            return entry

    def _reap(self) -> None:
        now = time.monotonic()
        for k in [k for k, e in self.items.items() if now - e["touched"] > self.idle]:
            del self.items[k]


def create_app(model_file: str | None = None, lang: str = "en", idle_seconds: float = IDLE_SECONDS):
    from flask import Flask, Response, jsonify, request

    app = Flask("chainrule.playground", static_folder=STATIC, static_url_path="/static",
                root_path=os.path.dirname(__file__))
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    sessions = Sessions(idle_seconds)
    app.sessions = sessions

    def error(message: str, code: int = 400):
        return jsonify({"error": message}), code

    @app.errorhandler(SettingError)
    def _setting(e):
        return error(str(e))

    @app.errorhandler(Diverged)
    def _diverged(e):
        return error(str(e), 409)

    @app.errorhandler(LookupError)
    def _gone(e):
        return error(str(e), 404)

    @app.errorhandler(413)
    def _too_large(e):
        return error(f"the upload is larger than {MAX_UPLOAD // 1_000_000} MB")

    def session_of(sid) -> Session:
        entry = sessions.get(sid)
        if entry["session"] is None:
            raise SettingError("no network yet: build one first")
        return entry["session"]

    def page_lang() -> str:
        """The ``lang`` query argument (the server's language when absent); an unknown one is refused."""
        page = request.args.get("lang", lang)
        if page not in WORDS:
            raise SettingError(f"lang must be en or ko, got {page!r}")
        return page

    def body() -> dict:
        data = request.get_json(silent=True)
        if data is None and request.data:
            raise SettingError("the request body is not JSON")
        return data or {}

    @app.get("/")
    def index():
        page = request.args.get("lang", lang)
        if page not in WORDS:
            page = "en"
        with open(os.path.join(STATIC, "index.html"), encoding="utf-8") as f:
            html = f.read()
        return Response(html.replace("{{LANG}}", page).replace("{{MODEL_FILE}}", "1" if model_file else ""),
                        mimetype="text/html")

    @app.get("/favicon.ico")
    def favicon():
        return Response(status=204)

    @app.get("/api/words")
    def words():
        return jsonify(WORDS)

    @app.post("/api/session")
    def new_session():
        sid = sessions.new()
        entry = sessions.get(sid)
        if model_file:
            entry["session"] = Session.from_model_file(model_file)
            return jsonify({"id": sid, **state(entry["session"], 0, full=True)})
        return jsonify({"id": sid})

    @app.post("/api/<sid>/upload")
    def upload(sid):
        from ..viz.datasets import DatasetError, load_csv
        import tempfile
        entry = sessions.get(sid)
        raw = request.get_data()
        name = os.path.basename(request.args.get("name", "upload.csv")) or "upload.csv"
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, name if name.endswith((".csv", ".txt")) else name + ".csv")
            with open(path, "wb") as f:
                f.write(raw)
            try:
                ds = load_csv(path)
            except DatasetError as e:
                raise SettingError(str(e).replace(path, name)) from None
        entry["csv"] = ds
        return jsonify({"name": name, "examples": len(ds), "features": ds.n_features, "classes": ds.n_classes})

    @app.post("/api/<sid>/build")
    def build(sid):
        entry = sessions.get(sid)
        cfg = Config.from_json(body())
        entry["session"] = Session.from_config(cfg, entry["csv"])
        return jsonify(state(entry["session"], 0, full=True))

    @app.post("/api/<sid>/step")
    def step(sid):
        s = session_of(sid)
        n = body().get("n", 1)
        if not isinstance(n, int) or isinstance(n, bool):
            raise SettingError(f"n (steps) must be a whole number, got {n!r}")
        s.step(n)
        return jsonify(state(s, _since()))

    @app.post("/api/<sid>/epoch")
    def epoch(sid):
        s = session_of(sid)
        s.epoch()
        return jsonify(state(s, _since()))

    @app.post("/api/<sid>/rewind")
    def rewind(sid):
        s = session_of(sid)
        s.rewind()
        return jsonify(state(s, 0, full=True))

    @app.get("/api/<sid>/state")
    def get_state(sid):
        return jsonify(state(session_of(sid), _since(), full=request.args.get("full") == "1"))

    @app.get("/api/<sid>/explain")
    def explain(sid):
        s = session_of(sid)
        page = page_lang()
        pid = request.args.get("param", "")
        sol, t = derive.explain_current(s, page)
        sizes = _sizes(s)
        names = derive.flat_names(sizes) if sizes else {}
        if pid and pid != "loss" and pid not in names and not pid.startswith("u-"):
            raise SettingError(f"param must be a weight (w-l-j-i), a bias (b-l-j), a unit (u-c-j) or loss, "
                               f"got {pid!r}")
        return jsonify({"step": t, "param": pid, "name": names.get(pid, ""), "preview": s.t == 0,
                        "path": derive.chain_path(sizes, pid) if pid and sizes else [],
                        "html": sol.render("html", page), "text": sol.render("text", page),
                        "layered": sol.layered, "command": export.explain_command(s, "playground_model.py")})

    @app.get("/api/<sid>/formula")
    def formula(sid):
        s = session_of(sid)
        page = page_lang()
        pid = request.args.get("param", "")
        return jsonify({"param": pid, "step": s.t, "text": derive.formula(s, pid, page) if _sizes(s) else ""})

    @app.get("/api/<sid>/export/<what>")
    def export_(sid, what):
        s = session_of(sid)
        page = request.args.get("lang", lang)
        with s.lock:
            if what == "model.py":
                return _file(export.python_model_file(s), "playground_model.py", "text/x-python")
            if what == "model.toml":
                return _file(export.toml_model_file(s), "playground_model.toml", "application/toml")
            if what == "torch.py":
                return _file(export.pytorch_script(s), "playground_torch.py", "text/x-python")
            if what == "safetensors":
                return _file(export.safetensors_bytes(s), "playground.safetensors", "application/octet-stream")
            if what == "explanation":
                f = request.args.get("format", "html")
                text = export.explanation(s, f, page)
                ext, mime = export.FORMATS[f]
                return _file(text, f"playground_step.{ext}", mime)
        raise SettingError(f"export must be one of model.py, model.toml, torch.py, safetensors, explanation; "
                           f"got {what!r}")

    def _file(content, name, mime):
        r = Response(content, mimetype=mime)
        r.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return r

    def _since() -> int:
        try:
            return max(0, int(request.args.get("since", "0")))
        except ValueError:
            raise SettingError("since must be a whole number (the first step to send)") from None

    return app


def _sizes(s: Session):
    if not s.linears:
        return []
    return [s.linears[0][0].in_features] + [lin.out_features for lin, _ in s.linears]


def state(s: Session, since: int = 0, full: bool = False) -> dict:
    """What the page draws after a request: the run from step ``since`` on and the network now."""
    with s.lock:
        if not s.evals or s.evals[-1][0] != s.t:
            loss, acc = s.evaluate()
            s.evals.append((s.t, loss, acc))
        _, loss, acc = s.evals[-1]
        out = {"step": s.t, "epoch": s.t / s.steps_per_epoch, "steps_per_epoch": s.steps_per_epoch,
               "diverged": s.diverged, "since": since,
               "losses": s.losses[since:], "grad_norms": s.grad_norms[since:],
               "evals": [list(e) for e in s.evals if e[0] >= since],
               "loss": loss, "loss_fmt": fmt(loss), "accuracy": acc,
               "accuracy_fmt": None if acc is None else f"{acc * 100:.1f}%",
               "batch_loss_fmt": fmt(s.losses[-1]) if s.losses else None,
               "network": _network(s), "boundary": s.boundary()}
        if full:
            out["data"] = _data(s)
        return _json_safe(s, out)


def _json_safe(s: Session, out: dict) -> dict:
    """JSON has no NaN or infinity (a browser cannot parse them): after a divergence they become null."""
    import numpy as np
    if s.diverged is None and math.isfinite(out["loss"]) and all(np.isfinite(p.detach().numpy()).all()
                                                                 for p in s.params):
        return out
    return _finite(out)


def _finite(v):
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def _network(s: Session):
    sizes = _sizes(s)
    if not sizes:
        return {"sizes": [], "params": [{"name": n, "shape": list(p.shape)} for n, p in zip(s.names, s.params)]}
    layers = []
    for lin, act in s.linears:
        w = lin.weight.detach().numpy()
        g = lin.weight.grad.detach().numpy() if lin.weight.grad is not None else None
        b = lin.bias.detach().numpy() if lin.bias is not None else None
        bg = lin.bias.grad.detach().numpy() if lin.bias is not None and lin.bias.grad is not None else None
        layers.append({"activation": act,
                       "w": w.tolist(), "w_fmt": [[fmt(v) for v in r] for r in w.tolist()],
                       "g": None if g is None else g.tolist(),
                       "g_fmt": None if g is None else [[fmt(v) for v in r] for r in g.tolist()],
                       "b": None if b is None else b.tolist(), "b_fmt": None if b is None else [fmt(v) for v in b.tolist()],
                       "bg": None if bg is None else bg.tolist(),
                       "bg_fmt": None if bg is None else [fmt(v) for v in bg.tolist()]})
    return {"sizes": sizes, "layers": layers, "names": derive.flat_names(sizes)}


def _data(s: Session) -> dict:
    out = {"name": s.dataset_name, "examples": len(s.X), "features": s.X.shape[1], "classes": s.n_classes,
           "class_names": s.class_names, "batch_size": s.batch_size,
           "optimizer": type(s.optimizer).__name__, "loss": type(s.criterion).__name__,
           "config": s.config.to_json() if s.config else None}
    if s.X.shape[1] == 2:
        out["points"] = [[round(float(a), 4), round(float(b), 4)] for a, b in s.X]
        out["labels"] = None if s.labels is None else s.labels.tolist()
    return out
