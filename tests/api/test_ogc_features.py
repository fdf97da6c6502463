"""OGC API – Features: rights, refusals in OGC's shape, and the CRSs asked for (api/ogc.py)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = "/api/ogc/collections/{}/items"
LAMBERT_93 = "http://www.opengis.net/def/crs/EPSG/0/2154"
WGS84_LAT_LON = "http://www.opengis.net/def/crs/EPSG/0/4326"


def test_a_restricted_dataset_is_a_collection_for_its_key_only(stations: str) -> None:
    anonymous = Client().get("/api/ogc/collections").json()
    assert [c["id"] for c in anonymous["collections"]] == ["velib-stations"]
    assert Client().get(ITEMS.format("stations-internes")).status_code == 404
    granted = Client().get(ITEMS.format("stations-internes"), {"apikey": stations, "limit": 3})
    assert granted.status_code == 200 and granted.json()["numberMatched"] == 1468


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bbox": "2.3,48.8"}, "bbox: four numbers expected (2D)"),
        ({"limit": "20000"}, "limit: between 0 and 10000"),
        ({"crs": "EPSG:3857"}, "crs: not one of"),
        ({"couleur": "rouge"}, "unknown parameter or property: couleur"),
    ],
)
def test_refusals_are_ogc_exceptions(stations: str, params: dict, message: str) -> None:
    response = Client().get(ITEMS.format("velib-stations"), params)
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue" and response.json()["description"].startswith(message)


def test_the_crs_asked_for_is_written_and_named(stations: str) -> None:
    plain = Client().get(ITEMS.format("velib-stations"), {"limit": 1})
    lat_first = Client().get(ITEMS.format("velib-stations"), {"limit": 1, "crs": WGS84_LAT_LON})
    lambert = Client().get(ITEMS.format("velib-stations"), {"limit": 1, "crs": LAMBERT_93})
    lon, lat = plain.json()["features"][0]["geometry"]["coordinates"]
    assert plain["Content-Type"] == "application/geo+json"
    assert plain["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert lat_first.json()["features"][0]["geometry"]["coordinates"] == [lat, lon]
    assert lambert["Content-Crs"] == f"<{LAMBERT_93}>"
    x, y = lambert.json()["features"][0]["geometry"]["coordinates"]
    assert 640_000 < x < 670_000 and 6_850_000 < y < 6_880_000  # Paris, in metres


def test_an_unknown_feature_is_not_found(stations: str) -> None:
    response = Client().get(ITEMS.format("velib-stations") + "/not-a-record")
    assert response.status_code == 404 and response.json()["code"] == "NotFound"
