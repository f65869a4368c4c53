"""Headless Chromium for the tests: Debian's `chromium` driven by Playwright, a screenshot per test.

A test module opts in with `pytest_plugins = ["browser"]` (and imports nothing from here, so that
pytest loads this file as a plugin) and asks for fixtures:

- `page`: a page in a fresh browser context, per test; when the test ends, whatever its outcome,
  its full-page screenshot is saved as `test-artifacts/screenshots/<test name>.png` (folder:
  COOPGRAPH_TEST_ARTIFACTS);
- `page_requests`: the URLs of every request `page` made, filled in as they are made;
- `page_errors`: the uncaught JavaScript errors thrown in `page`;
- `browser`: the session's Chromium, for a test that needs contexts of its own.

The page never reaches past the loopback: a request to any other host is aborted (it still shows
in `page_requests`), so the tests never use the network and can assert a page is self-contained.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, required_tool
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

#: Seconds a locator or an `expect` waits before failing (Playwright's default is 30).
TIMEOUT_S = 10
_LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def artifacts() -> Path:
    """The folder test artefacts go to: COOPGRAPH_TEST_ARTIFACTS, or test-artifacts/."""
    return Path(os.environ.get("COOPGRAPH_TEST_ARTIFACTS") or ROOT / "test-artifacts")


def _loopback_only(route: Route) -> None:
    """Let a request to this machine through; abort any other (tests never use the network)."""
    url = urlsplit(route.request.url)
    if url.scheme in ("http", "https") and url.hostname not in _LOOPBACK:
        route.abort("blockedbyclient")
    else:
        route.continue_()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session (missing: skip, or fail on CI)."""
    executable = required_tool("chromium", "chromium")
    expect.set_options(timeout=TIMEOUT_S * 1000)
    with sync_playwright() as playwright:
        # --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context; its full-page screenshot is saved when the test ends."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_S * 1000)
    context.route("**/*", _loopback_only)
    page = context.new_page()
    try:
        yield page
    finally:
        name = re.sub(r"[^\w.\[\]-]+", "_", request.node.name)
        folder = artifacts() / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=folder / f"{name}.png", full_page=True)
        finally:
            context.close()


@pytest.fixture
def page_requests(page: Page) -> list[str]:
    """The URLs of every request `page` makes, filled in as they are made."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """The uncaught JavaScript errors thrown in `page`, filled in as they are thrown."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    return errors
