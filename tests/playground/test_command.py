"""``chainrule playground`` on the command line: it serves on 127.0.0.1, prints the URL, stops cleanly on
Ctrl-C; a port in use, a bad port or a bad model file is one line and exit code 2; a model file starts the
page from its network and data."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from tests.explain.helpers import run_cli

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_it_serves_on_localhost_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")}
    p = subprocess.Popen([sys.executable, "-m", "chainrule", "playground", "--port", "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = p.stdout.readline()
        assert line.startswith("chainrule playground: http://127.0.0.1:") and "Ctrl-C" in line
        url = line.split()[2]
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        assert "/static/app.js" in page and "http" not in page.replace(url, "").split("<body>")[0].replace(
            "http://www.w3.org", "")                            # nothing from the internet
        sid = json.loads(urllib.request.urlopen(urllib.request.Request(url + "api/session", method="POST"),
                                                timeout=30).read())["id"]
        assert len(sid) == 16
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=30) == 0
        assert "stopped" in p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, out, err = run_cli("playground", "--port", str(port))
    assert code == 2 and out == ""
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err and "Traceback" not in err


def test_a_bad_port_is_exit_2():
    code, _, err = run_cli("playground", "--port", "70000")
    assert code == 2 and "--port must be from 0 to 65535, got 70000" in err


@pytest.mark.parametrize("text, words", [
    ("import torch\nmodel = torch.nn.Linear(2, 1)\nraise ValueError('oops')\n", "bad.py:3: ValueError: oops"),
    ("x = 1\n", "bad.py"),
])
def test_a_bad_model_file_is_reported_with_its_line(tmp_path, text, words):
    path = tmp_path / "bad.py"
    path.write_text(text)
    code, _, err = run_cli("playground", str(path))
    assert code == 2 and words in err and "Traceback" not in err


def test_a_missing_model_file_is_exit_2():
    code, _, err = run_cli("playground", "nowhere.toml")
    assert code == 2 and "nowhere.toml: no such file" in err


def test_a_model_file_starts_the_page(tmp_path):
    from chainrule.playground.server import create_app
    toml = tmp_path / "seed.toml"
    code, out, _ = run_cli("explain", "--template")
    toml.write_text(out)
    c = create_app(model_file=str(toml)).test_client()
    s = c.post("/api/session").json
    assert s["step"] == 0 and s["network"]["sizes"] == [2, 2, 1] and s["data"]["examples"] == 1
    assert s["network"]["layers"][0]["w"][0][0] == pytest.approx(0.4352)
    sid = s["id"]
    c.post(f"/api/{sid}/step", json={"n": 1})
    shown = c.get(f"/api/{sid}/explain?param=w-1-0-0").json
    assert shown["name"] == "W5" and shown["step"] == 1
    code, out, _ = run_cli("explain", str(toml))
    assert code == 0 and out.rstrip("\n") == shown["text"].rstrip("\n")    # the lecture's solution, unchanged
    assert "0.2727" in shown["text"]                                         # ∂L/∂W₅ of the lecture
    # the step shown, exported from the model file's session, explains the same
    c.post(f"/api/{sid}/step", json={"n": 1})
    page = c.get(f"/api/{sid}/explain").json["text"]
    exported = tmp_path / "again.py"
    exported.write_bytes(c.get(f"/api/{sid}/export/model.py").data)
    code, out, err = run_cli("explain", str(exported), "--form", "scalar")
    assert code == 0, err
    from tests.playground.test_exports import same_step
    assert same_step(page, out, 2)
    r = c.get(f"/api/{sid}/export/torch.py")
    assert r.status_code == 400 and "a model file is already PyTorch code" in r.json["error"]
