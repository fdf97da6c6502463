"""Playwright (Python) driving Debian's Chromium against pytest-django's live server.

A plugin of the root conftest (`pytest_plugins`), so every test folder shares one session
browser: two sync Playwright instances cannot live on one thread.

Never downloads a browser: `executable_path=/usr/bin/chromium` (`apt-get install chromium`,
done by scripts/install). Tests are marked `browser`; screenshots go to
`test-artifacts/browser/` (git-ignored), one folder per test.

Fixtures:
- `browser`: one headless Chromium for the session;
- `page`: a fresh context and page per test (downloads accepted), closed afterwards;
- `screenshot(name)`: saves a full-page PNG of `page` as a test artefact;
- `site`: the live server's URL, with the test's own lake as the catalog's store.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: apt-get install chromium (scripts/install does it)"
    # Playwright's sync API keeps an event loop on this thread; Django's ORM calls made by the
    # tests themselves (fixtures) are still synchronous, so its async-safety guard is lifted.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, catalog_store) -> str:
    """The live server's base URL; the catalog services and the server share this test's lake."""
    return live_server.url


@pytest.fixture
def page(browser: Browser, site: str, request) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, base_url=site)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.javascript_errors = errors
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Page, request):
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str, *, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
