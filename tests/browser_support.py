"""Headless Chromium for every browser test (tests/browser, tests/playground; tests/conftest.py serves the
fixtures, so one Playwright runs per session): Debian's ``chromium`` driven by Playwright.

Never ``playwright install`` (nothing can be downloaded): the system's /usr/bin/chromium is launched
directly.  Under scripts/test.sh (which installs both and sets ``CHAINRULE_REQUIRE_BROWSER``) or in CI
(``CI`` set) a missing Chromium or Playwright is a failure; on a developer's machine without them the
tests are skipped with the reason.
"""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("CI") or os.environ.get("CHAINRULE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}; the browser tests must run here (scripts/test.sh installs Chromium and Playwright)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: pip install playwright")
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed: apt-get install chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class PageWatch:
    """A page that records every request and every console error / page error."""

    def __init__(self, page):
        self.page = page
        self.requests = []
        self.errors = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(5000)
    try:
        yield PageWatch(page)
    finally:
        context.close()
