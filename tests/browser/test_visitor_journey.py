"""A new visitor finds a dataset by search, filters its table, sees it on a map and a chart,
copies an API URL that returns the same rows, and downloads a CSV with the same filter."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from datapolis.catalog import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_CAPACITY = 40


@pytest.fixture
def velib_rows(catalog_store, shared_datasets: Path) -> list[dict[str, str]]:
    path = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    metadata = {"title": "Stations Vélib'", "themes": ["Transports"], "description": "Les stations Vélib'."}
    services.import_file(path, "velib", metadata=metadata)
    services.import_file(
        shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2.csv",
        "no2",
        metadata={"title": "Dioxyde d'azote", "themes": ["Environnement"]},
    )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_a_visitor_finds_filters_maps_charts_queries_and_downloads(
    page: Page, site: str, velib_rows, screenshot
) -> None:
    expected = [row for row in velib_rows if int(row["Capacité de la station"]) >= MIN_CAPACITY]

    # 1. Search from the home page; the suggestion leads to the dataset.
    page.goto("/")
    screenshot("01-home")
    search = page.locator("#home-search")
    search.fill("véli")
    suggestion = page.locator("#home-search-suggestions a", has_text="Stations Vélib'")
    expect(suggestion).to_be_visible()
    screenshot("02-suggestions")
    suggestion.click()
    expect(page.locator("h1")).to_have_text("Stations Vélib'")

    # 2. The table: filter a column, sort by name (htmx updates the region and the URL).
    page.locator(".tabs a[href*='/table/']").click()
    page.locator("#min-capacite_de_la_station").fill(str(MIN_CAPACITY))
    page.locator("#min-capacite_de_la_station").press("Enter")
    expect(page).to_have_url(f"{site}/dataset/velib/table/?min.capacite_de_la_station={MIN_CAPACITY}")
    expect(page.locator("#table-status")).to_contain_text(f"{len(expected)}")
    page.locator("th a", has_text="Nom de la station").click()
    expect(page).to_have_url(f"{site}/dataset/velib/table/?min.capacite_de_la_station={MIN_CAPACITY}"
                             "&sort=nom_de_la_station")  # fmt: skip
    screenshot("03-table-filtered")
    names_in_table = page.locator("#table-region tbody tr td:nth-child(2)").all_inner_texts()
    assert names_in_table == sorted(row["Nom de la station"] for row in expected)[: len(names_in_table)]
    capacities = [int(text) for text in page.locator("#table-region tbody tr td:nth-child(3)").all_inner_texts()]
    assert capacities and min(capacities) >= MIN_CAPACITY

    # 3. The map keeps the filter and draws the engine's vector tiles.
    page.locator(".tabs a[href*='/map/']").click()
    expect(page).to_have_url(f"{site}/dataset/velib/map/?min.capacite_de_la_station={MIN_CAPACITY}"
                             "&sort=nom_de_la_station")  # fmt: skip
    expect(page.locator("#map")).to_have_attribute("data-state", "loaded")
    page.wait_for_function("() => document.getElementById('map').map.areTilesLoaded()")
    page.wait_for_timeout(500)
    drawn = page.evaluate(
        "() => document.getElementById('map').map.queryRenderedFeatures()"
        ".filter(f => f.source === 'data').reduce((n, f) => n + f.properties.point_count, 0)"
    )
    assert drawn >= len(expected)  # features on tile borders may be drawn twice
    screenshot("04-map", full_page=False)

    # 4. The chart: stations per capacity with the same filter, from the API's group_by.
    page.locator(".tabs a[href*='/chart/']").click()
    page.locator("#chart-x").select_option("capacite_de_la_station")
    page.locator("form:has(#chart-x) button[type=submit]").click()
    expect(page.locator("#chart")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#chart svg.marks")).to_be_visible()
    chart_query = page.locator("#chart-query").input_value()
    assert "group_by" in chart_query and "capacite_de_la_station" in chart_query
    chart_data = json.loads(urllib.request.urlopen(site + chart_query).read())
    assert sum(item["y"] for item in chart_data["results"]) == len(expected)
    screenshot("05-chart")

    # 5. The API tab: the copied URL returns the rows of the table.
    page.locator(".tabs a[href*='/api/']").click()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("button[data-copy='#api-records']").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#api-records").input_value()
    body = json.loads(urllib.request.urlopen(copied).read())
    assert body["total_count"] == len(expected)
    assert [record["nom_de_la_station"] for record in body["results"]] == names_in_table
    screenshot("06-api")

    # 6. The export tab: the CSV has exactly the filtered rows.
    page.locator(".tabs a[href*='/export/']").click()
    with page.expect_download() as download_info:
        page.locator("a[data-format='csv']").click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert len(rows) == len(expected)
    assert {row["identifiant_station"] for row in rows} == {row["Identifiant station"] for row in expected}
    screenshot("07-export")
    assert page.javascript_errors == []
