"""The playground's server for the tests: Flask's test client, and a real server on a free port."""
from __future__ import annotations

import threading

import pytest

XOR = {"dataset": "xor", "n": 200, "hidden": [4], "activations": ["tanh"], "loss": "bce", "optimizer": "adam",
       "lr": 0.03, "batch_size": 16, "seed": 0}


@pytest.fixture
def app():
    from chainrule.playground.server import create_app
    return create_app()


@pytest.fixture
def client(app):
    return app.test_client()


class Tab:
    """One browser tab's session through the API."""

    def __init__(self, client):
        self.c = client
        r = client.post("/api/session")
        assert r.status_code == 200
        self.id = r.json["id"]

    def post(self, path, body=None, **kw):
        return self.c.post(f"/api/{self.id}/{path}", json=body, **kw)

    def get(self, path, **kw):
        return self.c.get(f"/api/{self.id}/{path}", **kw)

    def build(self, **settings):
        r = self.post("build", {**XOR, **settings})
        assert r.status_code == 200, r.json
        return r.json


@pytest.fixture
def tab(client):
    return Tab(client)


@pytest.fixture
def live_server():
    """``chainrule playground``'s server on 127.0.0.1 and a free port, in a thread; yields its URL."""
    from werkzeug.serving import make_server

    from chainrule.playground.server import create_app
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
