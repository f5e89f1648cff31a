"""The playground's JSON API with Flask's test client: build, step, rewind, the derivation of a clicked
weight, exports, bad input (HTTP 400 with the reason) and two tabs at once."""
from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest

from tests.playground.conftest import XOR, Tab


def test_build_returns_the_network_and_the_data(tab):
    s = tab.build()
    assert s["step"] == 0 and s["network"]["sizes"] == [2, 4, 1]
    assert [L["activation"] for L in s["network"]["layers"]] == ["tanh", "sigmoid"]
    assert len(s["data"]["points"]) == 200 and set(s["data"]["labels"]) == {0, 1}
    assert s["boundary"]["n"] ** 2 == len(s["boundary"]["value"])
    assert s["network"]["names"]["w-0-0-0"] == "W1" and s["network"]["names"]["b-1-0"] == "b5"


def test_steps_train_and_the_loss_falls(tab):
    first = tab.build()["loss"]
    r = tab.post("step?since=0", {"n": 200})
    assert r.status_code == 200
    s = r.json
    assert s["step"] == 200 and len(s["losses"]) == 200 and len(s["grad_norms"]) == 200
    assert s["loss"] < first * 0.8
    assert all(len(g) == 2 and all(v > 0 for v in g) for g in s["grad_norms"])


def test_rewind_replays_the_same_numbers_bit_for_bit(tab):
    tab.build(optimizer="adam", lr=0.05)
    one = tab.post("step?since=0", {"n": 150}).json
    back = tab.post("rewind").json
    assert back["step"] == 0 and back["losses"] == []
    two = tab.post("step?since=0", {"n": 150}).json
    assert one["losses"] == two["losses"]                       # JSON floats: every bit of every loss
    assert one["network"]["layers"] == two["network"]["layers"]


def test_epoch_runs_to_the_end_of_the_epoch(tab):
    tab.build(batch_size=16)                                    # 200 points: 13 steps an epoch
    s = tab.post("epoch").json
    assert s["step"] == 13 and s["steps_per_epoch"] == 13
    tab.post("step", {"n": 3})
    assert tab.post("epoch").json["step"] == 26


def test_the_derivation_of_a_clicked_weight_is_explains(tab):
    """The page's derivation is explain_step on the same step: the same parameters before it, the same
    batch; built here independently from the step's recorded batch."""
    import chainrule as torch
    from chainrule.explain import explain_step
    from chainrule.playground import network
    from chainrule.playground.config import Config
    tab.build()
    tab.post("step", {"n": 7})
    r = tab.get("explain?param=w-0-0-0")
    assert r.status_code == 200
    d = r.json
    assert d["step"] == 7 and d["name"] == "W1" and d["layered"]
    assert d["path"] == ["w-0-0-0", "u-0-0", "u-1-0", "w-1-0-0", "u-2-0", "loss"]
    # the same run, taken here without the playground: 6 steps, then step 7 explained
    cfg = Config(**XOR)
    ds = network.load_data(cfg)
    model = network.build_model(cfg, [2, 4, 1])
    opt = network.build_optimizer(cfg, model.parameters())
    crit = network.build_loss(cfg)
    T = network.targets(cfg, ds.y, 2)
    order = network.permutation(cfg.seed, 0, len(ds))
    for t in range(1, 7):
        idx = order[(t - 1) * 16:t * 16]
        opt.zero_grad()
        crit(model(torch.tensor(ds.X[idx])), torch.tensor(T[idx])).backward()
        opt.step()
    idx = order[6 * 16:7 * 16]
    from chainrule.explain import api
    api._STEPS_TAKEN[opt] = 6           # explain's own count of the steps taken (as after 6 explain_step calls)
    sol = explain_step(model, crit, opt, torch.tensor(ds.X[idx]), torch.tensor(T[idx]), decimals=4, form="scalar")
    assert d["text"] == sol.render("text")
    assert "W₁(8) = W₁(7) - " in d["text"]
    # and the playground's parameters now are the ones that step left
    net = tab.get("state").json["network"]
    np.testing.assert_array_equal(np.float32(net["layers"][0]["w"]), model[0].weight.detach().numpy())


def test_step_zero_is_a_preview_that_changes_nothing(tab):
    before = tab.build()["network"]
    d = tab.get("explain?param=b-0-1").json
    assert d["preview"] and d["step"] == 1 and d["name"] == "b2"
    s = tab.get("state").json
    assert s["step"] == 0 and s["network"] == before


def test_two_tabs_have_separate_sessions(client):
    a, b = Tab(client), Tab(client)
    a.build(seed=1)
    b.build(seed=2, hidden=[3, 3], activations=["relu", "relu"])
    errors = []

    def train(t, n):
        try:
            for _ in range(10):
                assert t.post("step", {"n": n}).status_code == 200
        except AssertionError as e:       # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=train, args=(a, 5)), threading.Thread(target=train, args=(b, 3))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert a.get("state").json["step"] == 50 and b.get("state").json["step"] == 30
    assert b.get("state").json["network"]["sizes"] == [2, 3, 3, 1]
    # tab a, run alone from scratch, gives the same losses: b's steps never touched it
    alone = Tab(client)
    alone.build(seed=1)
    alone.post("step", {"n": 50})
    assert alone.get("state?since=0").json["losses"] == a.get("state?since=0").json["losses"]


def test_idle_sessions_are_freed():
    from chainrule.playground.server import create_app
    import time
    c = create_app(idle_seconds=0.3).test_client()
    t = Tab(c)
    assert t.post("build", XOR).status_code == 200
    time.sleep(0.5)
    r = t.post("step", {"n": 1})
    assert r.status_code == 404 and "gone" in r.json["error"]


@pytest.mark.parametrize("settings, words", [
    ({"hidden": [-3]}, "hidden[0] (the width of hidden layer 1) must be from 1 to 256, got -3"),
    ({"hidden": [10**9]}, "must be from 1 to 256, got 1,000,000,000"),
    ({"hidden": [4] * 9, "activations": ["tanh"] * 9}, "at most 8 hidden layers"),
    ({"lr": float("nan")}, "lr (the learning rate) must be a finite number, got nan"),
    ({"lr": -1}, "lr (the learning rate) must be above 0"),
    ({"lr": "fast"}, "lr (the learning rate) must be a number, got 'fast'"),
    ({"batch_size": 0}, "batch_size must be from 1"),
    ({"batch_size": 500}, "batch_size must be at most the number of examples (200)"),
    ({"n": 10**7}, "n must be from 4 to 5,000"),
    ({"activations": ["swish"]}, "activations[0] must be one of relu, tanh"),
    ({"activations": []}, "activations: one per hidden layer (1)"),
    ({"dataset": "mnist"}, "dataset must be one of xor, moons"),
    ({"dataset": "csv"}, "dataset csv: upload a CSV file first"),
    ({"dataset": "spirals", "classes": 3}, "loss bce is for two classes; this dataset has 3"),
    ({"hidden": [256] * 8, "activations": ["relu"] * 8}, "parameters; the playground trains at most 200,000"),
    ({"colour": "red"}, "unknown setting 'colour'"),
])
def test_bad_settings_are_400_with_the_reason(tab, settings, words):
    r = tab.post("build", {**XOR, **settings})
    assert r.status_code == 400
    assert words in r.json["error"]


def test_bad_requests_are_400(tab, client):
    tab.build()
    assert "steps per request must be from 1 to 1000" in tab.post("step", {"n": 0}).json["error"]
    assert "must be a whole number" in tab.post("step", {"n": "many"}).json["error"]
    assert tab.post("build", data="{not json", content_type="application/json").status_code == 400
    r = tab.get("explain?param=w-9")
    assert r.status_code == 400 and "param must be a weight" in r.json["error"]
    assert tab.get("export/model.exe").status_code == 400
    assert client.post("/api/nosuch/step", json={"n": 1}).status_code == 404
    fresh = Tab(client)
    assert "build one first" in fresh.post("step", {"n": 1}).json["error"]


@pytest.mark.parametrize("csv, words", [
    (b"1,2,0\n3,x,1\n", "bad.csv, line 2, column 2: 'x' is not a number"),
    (b"1,2,0\n3,4\n", "bad.csv, line 2: expected 3 columns (like the first line), found 2"),
    (b"1,2,0\n3,4,0\n", "every example has the label '0'"),
    (b"\xff\xfe1,2\n", "not UTF-8 text"),
    (b"", "no data lines"),
    (b"1,2,0\n" * 900_000, "the upload is larger than 5 MB"),
])
def test_a_malformed_csv_is_400_naming_the_line(tab, csv, words):
    r = tab.post("upload?name=bad.csv", data=csv, content_type="text/csv")
    assert r.status_code == 400
    assert words in r.json["error"]


def test_an_uploaded_csv_trains(tab):
    rows = "\n".join(f"{x:.3f},{y:.3f},{'in' if x * x + y * y < 0.5 else 'out'}"
                     for x, y in np.random.default_rng(0).uniform(-1, 1, (60, 2)))
    r = tab.post("upload?name=ring.csv", data=("x,y,label\n" + rows).encode(), content_type="text/csv")
    assert r.status_code == 200 and r.json == {"name": "ring.csv", "examples": 60, "features": 2, "classes": 2}
    s = tab.build(dataset="csv", batch_size=10)
    assert s["data"]["class_names"] == ["in", "out"] and s["data"]["examples"] == 60
    assert tab.post("step", {"n": 20}).json["step"] == 20


def test_a_diverging_run_stops_and_says_so(tab):
    tab.build(hidden=[8, 8], activations=["relu", "relu"], loss="mse", lr=10.0, optimizer="sgd", momentum=0.9,
              init="normal")
    r = tab.post("step?since=0", {"n": 1000})
    s = json.loads(r.data, parse_constant=_refuse)                    # strict JSON (a browser's parser): no NaN, no Infinity
    assert s["diverged"].startswith("the loss became inf at step 6: training stopped")
    assert s["losses"][-1] is None and len(s["losses"]) == s["step"] == 6
    r = tab.post("step", {"n": 1})
    assert r.status_code == 409 and "rewind" in r.json["error"]
    assert tab.post("rewind").json["diverged"] is None


def _refuse(constant):
    raise AssertionError(f"{constant} is not JSON")


@pytest.mark.parametrize("loss, k, out", [("cross_entropy", 3, 3), ("mse", 3, 3), ("mse", 2, 1)])
def test_losses_with_k_classes(tab, loss, k, out):
    s = tab.build(dataset="spirals", classes=k, loss=loss, lr=0.1)
    assert s["network"]["sizes"] == [2, 4, out]
    s = tab.post("step", {"n": 30}).json
    assert s["accuracy"] is not None and math.isfinite(s["loss"])
    assert tab.get("explain?param=loss").json["layered"]


def test_digits_has_no_boundary_and_trains(tab):
    pytest.importorskip("sklearn")
    s = tab.build(dataset="digits", hidden=[16], activations=["relu"], loss="cross_entropy", optimizer="adam",
                  lr=0.01, batch_size=64)
    assert s["boundary"] is None and "points" not in s["data"] and s["network"]["sizes"] == [64, 16, 10]
    assert tab.post("step", {"n": 30}).json["accuracy"] > 0.5


def test_the_hover_formula_is_explains_equation_with_its_numbers(tab):
    tab.build(optimizer="sgd", lr=0.5, batch_size=4)
    tab.post("step", {"n": 3})
    text = tab.get("explain").json["text"]
    f = tab.get("formula?param=w-0-0-0").json["text"]
    lines = f.splitlines()
    assert lines[0] == "∂L/∂W₁ = (1/4)Σₙ ∂ℓ[n]/∂W₁" and lines[3] == "W₁(4) = W₁(3) - α·∂L/∂W₁(3)"
    assert all(line.strip() in text for line in lines)             # the derivation's own lines, not new ones
    z = tab.get("formula?param=u-1-0").json["text"]
    assert z.startswith("z₁ = W₁·x₁ + W₂·x₂ + b₁") and "a₁[1] = tanh(z₁[1])" in z
    assert tab.get("formula?param=loss").json["text"].startswith("L = (1/4)(ℓ[1] + ℓ[2] + ℓ[3] + ℓ[4])")
    assert tab.get("formula?param=u-0-0").json["text"] == ""
