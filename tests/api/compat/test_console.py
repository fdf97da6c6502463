"""The interactive console (`/api/explore/v2.1/console`) works offline, on a real server.

Its assets come from the ninja package's static files, collected and served by WhiteNoise;
Chromium loads it with every request leaving the server refused, as on an intranet
without Internet access.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest
import requests
from playwright.sync_api import Browser

CONSOLE = "/api/explore/v2.1/console"
OPERATIONS = 14


def test_the_console_assets_are_served_by_the_portal(server) -> None:
    page = requests.get(server.url + CONSOLE, timeout=30)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', page.text, re.S)[1])

    assert page.status_code == 200
    assert sorted(assets) == sorted(
        f"/static/ninja/{name}"
        for name in ("swagger-ui.css", "favicon.svg", "favicon.png", "swagger-ui-bundle.js", "swagger-ui-init.js")
    )
    for asset in assets:
        response = requests.get(urljoin(server.url, asset), timeout=30)
        assert response.status_code == 200, asset
        assert len(response.content) > 0
    assert settings["url"] == "/api/explore/v2.1/openapi.json"
    assert settings["validatorUrl"] is None  # no call to swagger.io
    document = requests.get(server.url + settings["url"], timeout=30).json()
    assert len(document["paths"]) == OPERATIONS


@pytest.mark.browser
def test_the_console_runs_without_internet(server, browser: Browser) -> None:
    outside: list[str] = []

    def only_this_server(route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route("**/*", only_this_server)
        page.goto(server.url + CONSOLE)
        page.wait_for_selector(".opblock-summary", timeout=30_000)
        operations = page.locator(".opblock").count()
        page.locator("#operations-Dataset-getRecords .opblock-summary").click()
        page.get_by_text("Parking Gare Sud").first.wait_for(timeout=10_000)  # a response example
        title = page.locator(".title").first.inner_text()
    finally:
        context.close()

    assert operations == OPERATIONS
    assert "Datapolis Explore API" in title
    assert outside == []
    assert errors == []
