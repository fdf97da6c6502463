"""Which dataset the map draws as its offline basemap, and who may see it."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.test import Client

from datapolis.catalog.models import Dataset
from tests.territory import publish_communes_and_charging_points

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def territory(catalog_store, tmp_path: Path) -> None:
    publish_communes_and_charging_points(tmp_path, charging_points_scale=0.01)


def map_config(client: Client | None = None) -> dict:
    html = (client or Client()).get("/dataset/bornes-irve/map/").content.decode()
    return json.loads(unescape(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html,
                                         re.S).group(1)))  # fmt: skip


def test_the_communes_are_the_default_background_with_their_names(territory) -> None:
    background = map_config()["background"]
    assert background["dataset_id"] == "communes" and background["label"] == "nom"
    tiles = background["tiles"].split("/api/tiles/communes/")[1]
    assert tiles.startswith("{z}/{x}/{y}.pbf?") and "cluster=false" in tiles and "attributes=nom" in tiles
    tile = Client().get("/api/tiles/communes/0/0/0.pbf?" + unescape(tiles.split("?", 1)[1]))
    assert tile.status_code == 200 and len(tile.content) > 100


def test_a_portal_names_its_background_or_turns_it_off(territory, settings) -> None:
    settings.DATAPOLIS_BASEMAP_DATASET = "none"
    assert map_config()["background"] is None
    settings.DATAPOLIS_BASEMAP_DATASET = "bornes-irve"  # not polygons: nothing to draw
    assert map_config()["background"] is None
    settings.DATAPOLIS_BASEMAP_DATASET = "communes"
    assert map_config()["background"]["dataset_id"] == "communes"
    settings.DATAPOLIS_BASEMAP_STYLE_URL = "https://tiles.example.org/style.json"
    config = map_config()
    assert config["basemap"] == "https://tiles.example.org/style.json" and config["background"] is None


def test_a_restricted_background_is_not_shown_to_visitors(territory) -> None:
    Dataset.objects.filter(dataset_id="communes").update(visibility="restricted")
    assert map_config()["background"] is None
