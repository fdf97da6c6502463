"""The map: a click or a tap on a point opens its popup, clusters show their count, and the
territory's communes (served by this instance as vector tiles) give bearings offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.territory import publish_communes_and_charging_points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def territory_data(catalog_store, tmp_path: Path) -> None:
    publish_communes_and_charging_points(tmp_path, charging_points_scale=0.1)


def _loaded(page: Page) -> None:
    expect(page.locator("#map")).to_have_attribute("data-state", "loaded")
    page.wait_for_function("() => document.getElementById('map').dataset.idle === 'true'")
    page.wait_for_function("() => document.getElementById('map').map.areTilesLoaded()")


def _single_point(page: Page) -> dict:
    """Zoom until a single point (not a cluster) is drawn; its position on screen."""
    page.locator("#map").scroll_into_view_if_needed()
    for _ in range(8):
        found = page.evaluate(
            """() => {
              const map = document.getElementById('map').map;
              const feature = map.queryRenderedFeatures({ layers: ['data-points'] })[0];
              if (!feature) return null;
              const point = map.project(feature.geometry.coordinates);
              const canvas = map.getCanvas().getBoundingClientRect();
              const inside = point.x > 40 && point.y > 40
                && point.x < canvas.width - 40 && point.y < canvas.height - 40;
              if (!inside) return null;
              return { x: canvas.left + point.x, y: canvas.top + point.y, properties: feature.properties };
            }"""
        )
        if found:
            return found
        page.evaluate("() => { const m = document.getElementById('map').map; m.jumpTo({ zoom: m.getZoom() + 1 }) }")
        page.wait_for_function("() => document.getElementById('map').map.areTilesLoaded()")
        page.wait_for_timeout(300)
    raise AssertionError("no single point drawn")


def _shows_the_record(page: Page, properties: dict) -> None:
    """The popup lists the tooltip fields' labels and this feature's values."""
    tooltip = page.evaluate("() => JSON.parse(document.getElementById('map-config').textContent).tooltip")
    shown = [field for field in tooltip if properties.get(field["name"]) not in (None, "")]
    assert len(shown) >= 3
    popup = page.locator(".maplibregl-popup")
    for field in shown:
        expect(popup.locator("th", has_text=field["label"])).to_be_visible()
    expect(popup).to_contain_text(str(properties[shown[0]["name"]]))


def test_a_click_on_a_point_opens_its_popup_which_stays_open(page: Page, site: str, territory_data) -> None:
    page.goto("/dataset/bornes-irve/map/")
    _loaded(page)
    point = _single_point(page)
    page.mouse.click(point["x"], point["y"])
    popup = page.locator(".maplibregl-popup")
    expect(popup).to_be_visible()
    _shows_the_record(page, point["properties"])
    page.wait_for_timeout(500)
    expect(popup).to_be_visible()  # the click that opened it did not close it


def test_a_cluster_shows_its_count(page: Page, site: str, territory_data) -> None:
    page.goto("/dataset/bornes-irve/map/")
    _loaded(page)
    counts = page.locator(".map-cluster-count")
    expect(counts.first).to_be_visible()
    clusters = page.evaluate(
        "() => document.getElementById('map').map.queryRenderedFeatures({ layers: ['data-clusters'] })"
        ".map(f => f.properties.point_count)"
    )
    shown = {int(text.replace("\u202f", "").replace(" ", "")) for text in counts.all_inner_texts()}
    assert shown and shown <= set(clusters)


def test_the_communes_are_the_offline_basemap(page: Page, site: str, territory_data) -> None:
    page.goto("/dataset/bornes-irve/map/")
    _loaded(page)
    layers = page.evaluate("() => document.getElementById('map').map.getStyle().layers.map(l => l.id)")
    assert layers.index("basemap-fill") < layers.index("data-points")
    drawn = page.evaluate(
        "() => document.getElementById('map').map.queryRenderedFeatures({ layers: ['basemap-fill'] })"
        ".map(f => f.properties.nom)"
    )
    assert len(set(drawn)) > 5
    page.evaluate("() => document.getElementById('map').map.jumpTo({ zoom: 10 })")
    page.wait_for_function("() => document.getElementById('map').map.areTilesLoaded()")
    expect(page.locator(".map-area-name").first).to_be_visible()
    assert set(page.locator(".map-area-name").all_inner_texts()) <= set(drawn) | set(
        page.evaluate(
            "() => document.getElementById('map').map.querySourceFeatures('basemap', { sourceLayer: 'data' })"
            ".map(f => f.properties.nom)"
        )
    )


def test_a_tap_on_a_point_opens_its_popup(browser: Browser, site: str, territory_data) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  base_url=site)  # fmt: skip
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto("/dataset/bornes-irve/map/")
        _loaded(page)
        point = _single_point(page)
        page.touchscreen.tap(point["x"], point["y"])
        popup = page.locator(".maplibregl-popup")
        expect(popup).to_be_visible()
        _shows_the_record(page, point["properties"])
    finally:
        context.close()
