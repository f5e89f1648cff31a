"""The playground in headless Chromium (Playwright, Debian's /usr/bin/chromium, as tests/browser): a whole
session as a reader drives it — build 2-4-1 on xor, train 200 steps, pause, open W₁'s derivation and compare
it with explain_step's, rewind and replay bit for bit, export the model file and explain it from the
command line — in English and in Korean.  Screenshots go to test-output/<test name>/.  Under
CHAINRULE_REQUIRE_BROWSER=1 (or CI) a missing browser fails the test instead of skipping it."""
from __future__ import annotations

import os
import re

import pytest

# the browser and watched fixtures come from tests/conftest.py (one Chromium for the whole run)
from tests.explain.helpers import run_cli

READY = "document.body.dataset.ready === '1'"


def numbers(text: str) -> list:
    return re.findall(r"[−-]?\d+\.\d+", re.sub(r"\s+", "", text))


def edge_widths(page) -> list:
    return page.eval_on_selector_all("#diagram line[id^=w-]", "ls => ls.map(l => l.getAttribute('stroke-width'))")


def train_until(page, steps):
    page.eval_on_selector("#speed", "e => { e.value = '10'; }")
    page.click("#play")
    page.wait_for_function(f"window.playground.state() && window.playground.state().step >= {steps}", timeout=60000)
    page.click("#play")                                      # pause
    page.wait_for_function("!window.playground.busy()")
    return page.evaluate("window.playground.state().step")


def card(frame, name) -> dict:
    return {k: frame.inner_text(f".cr-card[data-param={name}] .cr-v-{k}") for k in ("before", "grad", "after")}


def open_derivation(page, pid):
    page.dispatch_event(f"#diagram [data-id='{pid}']", "click")
    page.wait_for_function("document.querySelector('#derivation').dataset.ready === '1'", timeout=60000)
    return page.query_selector("#derivation").content_frame()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_whole_session(watched, live_server, output_dir, tmp_path, lang):  # noqa: F811
    page = watched.page
    page.set_default_timeout(60000)
    page.goto(live_server + f"?lang={lang}")
    page.wait_for_function(READY)
    if lang == "ko":
        assert page.inner_text("#build") == "만들기" and page.inner_text("#play") == "재생"
    # build 2-4-1 on xor
    page.fill("[name=hidden]", "4")
    page.fill("[name=activations]", "tanh")
    page.select_option("[name=dataset]", "xor")
    page.click("#build")
    page.wait_for_function("window.playground.state().network.sizes.join() === '2,4,1'")
    start_loss = page.evaluate("window.playground.state().loss")
    widths0 = edge_widths(page)
    assert len(widths0) == 12
    page.screenshot(path=os.path.join(output_dir, "0-built.png"))
    # train 200 steps (play at 10 steps a frame, then pause)
    T = train_until(page, 200)
    assert T % 10 == 0 and T >= 200
    s = page.evaluate("window.playground.state()")
    assert s["loss"] < start_loss * 0.5
    assert page.inner_text("#t") == str(T) and page.inner_text("#loss-now") == s["loss_fmt"]
    assert edge_widths(page) != widths0                        # the diagram follows the weights
    assert page.evaluate("window.playground.run.losses.length") == T
    curve_ink = page.evaluate("""() => { const c = document.querySelector('#curves');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }""")
    assert curve_ink > 500
    page.screenshot(path=os.path.join(output_dir, "1-trained.png"))
    # W1's derivation: the page's numbers are explain_step's for the same step
    frame = open_derivation(page, "w-0-0-0")
    note = page.inner_text("#derivation-note")
    assert str(T) in note
    highlighted = set(page.eval_on_selector_all("#diagram .on", "es => es.map(e => e.id)"))
    assert {"w-0-0-0", "u-1-0", "w-1-0-0", "loss"} <= highlighted and "w-0-1-0" not in highlighted
    shown = card(frame, "W1")
    assert frame.is_visible(".cr-card[data-param=W1]")             # the page selected W1 in the derivation
    page_numbers = numbers(frame.inner_text(".cr-main"))
    page.screenshot(path=os.path.join(output_dir, "2-derivation.png"), full_page=True)
    # the model file of that step, explained from the command line: the same numbers
    with page.expect_download() as dl:
        page.click(".export[data-what='model.py']")
    model_py = tmp_path / "playground_model.py"
    dl.value.save_as(model_py)
    out_html = tmp_path / "step.html"
    code, _, err = run_cli("explain", str(model_py), "--form", "scalar", "--lang", lang, "-o", str(out_html))
    assert code == 0, err
    other = page.context.new_page()
    other.goto(out_html.as_uri())
    other.wait_for_function("document.querySelector('.cr-page').dataset.crReady === '1'")
    assert card(other, "W1") == shown
    assert numbers(other.inner_text(".cr-main")) == page_numbers
    if lang == "ko":
        assert "순전파" in other.inner_text(".cr-main")
    other.close()
    # rewind and replay: the same losses, bit for bit
    first = page.evaluate("window.playground.run.losses.slice()")
    page.click("#rewind")
    page.wait_for_function("window.playground.state().step === 0")
    T2 = train_until(page, T)
    again = page.evaluate("window.playground.run.losses.slice()")
    assert T2 >= T and again[:T] == first
    page.screenshot(path=os.path.join(output_dir, "3-replayed.png"))
    # the vanishing view has a line per layer
    assert page.inner_text("#vanishing-legend").count("W⁽") == 2
    # hover shows the formula with its numbers
    page.hover("#diagram line#w-1-0-0")
    tip = page.inner_text("#tip")
    s = page.evaluate("window.playground.state()")
    assert "W9 = " + s["network"]["layers"][1]["w_fmt"][0][0] in tip and "∂L/∂W9" in tip
    page.wait_for_function("document.querySelector('#tip').textContent.includes('∂L/∂W₉ = ')")
    tip = page.inner_text("#tip")                            # explain's own equations for W₉, with numbers
    assert f"W₉({T2 + 1}) = W₉({T2})" in tip                   # step T2, numbered as the page counts
    assert not any("error" in e for e in watched.errors), watched.errors
    assert all(r.startswith(live_server) or r.startswith("about:") or r.startswith("data:") for r in watched.requests)


def test_step_epoch_and_bad_settings(watched, live_server):  # noqa: F811
    page = watched.page
    page.goto(live_server)
    page.wait_for_function(READY)
    page.fill("[name=batch_size]", "50")                     # 200 points: 4 steps an epoch
    page.click("#build")
    page.wait_for_function("window.playground.state().data.batch_size === 50")
    page.click("#step")
    page.wait_for_function("window.playground.state().step === 1")
    page.click("#epoch")
    page.wait_for_function("window.playground.state().step === 4")
    page.click("#epoch")
    page.wait_for_function("window.playground.state().step === 8")
    assert page.inner_text("#t") == "8"
    page.fill("[name=hidden]", "-4")
    page.click("#build")
    page.wait_for_selector("#msg:not([hidden])")
    assert "must be from 1 to 256, got -4" in page.inner_text("#msg")
    page.fill("[name=hidden]", "4")
    page.fill("[name=lr]", "")
    page.click("#build")
    page.wait_for_function("document.querySelector('#msg').textContent.includes('lr')")


def test_a_csv_upload_trains_and_a_bad_one_says_where(watched, live_server, tmp_path):  # noqa: F811
    page = watched.page
    page.goto(live_server)
    page.wait_for_function(READY)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,0\n3,oops,1\n")
    page.set_input_files("#csv", str(bad))
    page.wait_for_selector("#msg:not([hidden])")
    assert "bad.csv, line 2, column 2: 'oops' is not a number" in page.inner_text("#msg")
    good = tmp_path / "ring.csv"
    good.write_text("x,y,label\n" + "\n".join(f"{i / 10 - 1:.1f},{(i * 7 % 20) / 10 - 1:.1f},{'a' if i % 3 else 'b'}"
                                             for i in range(40)) + "\n")
    page.set_input_files("#csv", str(good))
    page.wait_for_function("document.querySelector('[name=dataset]').value === 'csv'")
    page.click("#build")
    page.wait_for_function("window.playground.state().data && window.playground.state().data.examples === 40")
    assert page.evaluate("window.playground.state().data.class_names") == ["a", "b"]
    page.click("#step")
    page.wait_for_function("window.playground.state().step === 1")


def test_a_model_file_opens_on_the_page(watched, tmp_path):  # noqa: F811
    import threading

    from werkzeug.serving import make_server

    from chainrule.playground.server import create_app
    code, out, _ = run_cli("explain", "--template")
    toml = tmp_path / "seed.toml"
    toml.write_text(out)
    server = make_server("127.0.0.1", 0, create_app(model_file=str(toml), lang="ko"), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = watched.page
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_function(READY)
        assert "seed.toml (BCELoss, SGD)" in page.inner_text("#source") and page.inner_text("#build") == "만들기"
        assert page.evaluate("window.playground.state().network.sizes") == [2, 2, 1]
        page.click("#step")
        page.wait_for_function("window.playground.state().step === 1")
        frame = open_derivation(page, "w-1-0-0")
        assert card(frame, "W5") == {"before": "-0.1725", "grad": "0.2727", "after": "-0.4452"}   # the lecture's
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_two_tabs_train_separately(watched, live_server):  # noqa: F811
    one, two = watched.page, watched.page.context.new_page()
    for page, hidden in ((one, "4"), (two, "3, 3")):
        page.goto(live_server)
        page.wait_for_function(READY)
        page.fill("[name=hidden]", hidden)
        page.fill("[name=activations]", "relu")
        page.click("#build")
    one.wait_for_function("window.playground.state().network.sizes.join() === '2,4,1'")
    two.wait_for_function("window.playground.state().network.sizes.join() === '2,3,3,1'")
    for _ in range(3):
        one.click("#step")
        one.wait_for_function("!window.playground.busy()")
    one.wait_for_function("window.playground.state().step === 3")
    two.click("#epoch")
    two.wait_for_function("window.playground.state().step === 13")      # 200 points, 16 a batch
    assert one.evaluate("window.playground.state().step") == 3
    two.close()
