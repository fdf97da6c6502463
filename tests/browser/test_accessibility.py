"""axe-core finds no serious or critical violation on the home, catalog and dataset pages,
in French and in English (the language chosen with the switcher, as a visitor would)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from datapolis.catalog import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_URL = "/static/vendor/axe.min.js"  # built by `npm run build` from axe-core
PAGES = [
    "/",
    "/catalog/",
    "/catalog/?q=communes&refine=theme:Territoire",
    "/dataset/communes/",
    "/dataset/communes/table/?sort=-nom&c.nom=saint",
    "/dataset/communes/map/?c.nom=saint",
    "/dataset/communes/chart/?x=nom&type=arc",
    "/dataset/communes/api/",
    "/dataset/communes/export/",
]


@pytest.fixture
def communes(catalog_store, shared_datasets: Path) -> None:
    source = shared_datasets / "france-geojson" / "communes-49-maine-et-loire.geojson"
    services.import_file(source, "communes", metadata={"title": "Communes", "themes": ["Territoire"],
                                                       "description": "Les communes et leur population."})  # fmt: skip


def serious_violations(page: Page) -> list[str]:
    # From its URL (the vendored copy, served as a static file): the Content-Security-Policy refuses
    # the inline <script> that add_script_tag(path=...) would write.
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_serious_accessibility_violation(page: Page, site: str, communes, screenshot, language: str) -> None:
    page.goto("/")
    page.locator("#language-select").select_option(language)
    page.locator(".language-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    found = {}
    for index, path in enumerate(PAGES):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if "/map/" in path:
            expect(page.locator("#map")).to_have_attribute("data-state", "loaded")
        if "/chart/" in path:
            expect(page.locator("#chart")).to_have_attribute("data-rendered", "true")
        violations = serious_violations(page)
        if violations:
            found[path] = violations
        screenshot(f"{index:02d}-{language}", full_page=False)
    assert found == {}
