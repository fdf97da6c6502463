"""The chart shows the filters it carries over from the table, and each can be removed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from datapolis.catalog import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def counts(catalog_store, tmp_path: Path) -> None:
    path = tmp_path / "comptages.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["site", "jour", "passages"])
        for day in range(1, 29):
            for site in ("Pont Neuf", "Quai Est", "Gare"):
                writer.writerow([site, f"2026-02-{day:02d}", day * (3 if site == "Gare" else 1)])
    services.import_file(path, "comptages", metadata={"title": "Comptages"})


def bar_total(page: Page) -> float:
    page.wait_for_function("() => document.getElementById('chart').dataset.rendered === 'true'")
    return page.evaluate(
        "() => document.getElementById('chart').chartView.data('source_0').reduce((n, row) => n + row.y, 0)"
    )


def test_the_chart_lists_its_filters_and_removing_one_redraws_it(page: Page, site: str, counts) -> None:
    page.goto("/dataset/comptages/table/")
    page.locator("#table-region .facet a", has_text="Gare").click()
    expect(page.locator("#table-region .chips")).to_contain_text("Gare")
    page.locator(".tabs a[href*='/chart/']").click()
    chips = page.locator("#chart-filters .chips")
    expect(chips).to_contain_text("site = Gare")
    filtered = bar_total(page)
    assert filtered == 28  # one record a day, for one site

    chips.locator("a", has_text="site = Gare").click()
    expect(page.locator("#chart-filters")).to_have_count(0)
    assert "refine" not in page.url
    assert bar_total(page) == 3 * 28
