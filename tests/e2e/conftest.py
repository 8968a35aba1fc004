"""Browser tests: the real app served on loopback in a thread, driven by Debian's Chromium through Playwright.

`playwright install` cannot download browsers here, so Playwright launches /usr/bin/chromium. Without it the
browser tests skip on a developer's machine and FAIL in CI (CI=true), where a missing browser is a broken setup.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("SEALBID_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",  # this machine's closed network refuses Chromium's own traffic
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine, fail in CI: a browser suite that silently skips tests nothing."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run must install the Debian package 'chromium')", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, stopped when they are done.

    Not session-wide: while Playwright's sync API runs, its event loop counts as running in this thread,
    so any later test that signs (pyHanko calls asyncio.run()) would fail with "cannot be called from a
    running event loop".
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt installs it
        _unavailable("the Python package 'playwright' is not installed")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    except Exception:
        manager.stop()
        raise
    yield browser
    browser.close()
    manager.stop()


@pytest.fixture
def new_page(request: pytest.FixtureRequest):
    """Makes a page in a fresh browser context (its own cookies: a new visitor); every context is closed after.

    The browser is looked up on the first call, inside the test, so that a missing Chromium in CI makes the
    test itself FAIL rather than error in its set-up.
    """
    contexts = []

    def make():
        browser = request.getfixturevalue("browser")
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
