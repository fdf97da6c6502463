"""OWSLib (PyPI), as QGIS-like clients use OGC API – Features, reads Datapolis's collections.

Against a live server holding real datasets: the landing page, conformance, collections
(only datasets with a geographic field the anonymous caller may see), items with paging,
bbox (in CRS84 and in Lambert-93) and property filters, one feature, and Lambert-93 output;
every value checked against the files.
"""

from __future__ import annotations

import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer

NAME, CAPACITY, POSITION = "Nom de la station", "Capacité de la station", "Coordonnées géographiques"
LAMBERT_93 = "http://www.opengis.net/def/crs/EPSG/0/2154"

pytestmark = pytest.mark.slow


def lat_lon(text: str) -> tuple[float, float]:
    lat, lon = (float(part) for part in text.split(","))
    return lat, lon


def test_owslib_reads_the_collections_and_their_features(server, raw) -> None:
    api = Features(f"{server.url}/api/ogc/")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    ids = sorted(api.feature_collections())
    assert ids == ["arrondissements", "velib"]  # NO2 has no geometry; the restricted Joconde is not the caller's
    velib = api.collection("velib")
    positions = [lat_lon(row[POSITION]) for row in raw["velib"]]
    lats, lons = [lat for lat, _ in positions], [lon for _, lon in positions]
    bounds = [min(lons), min(lats), max(lons), max(lats)]
    assert velib["extent"]["spatial"]["bbox"][0] == pytest.approx(bounds)

    page = api.collection_items("velib", limit=500)
    assert page["numberMatched"] == len(raw["velib"]) and page["numberReturned"] == 500
    assert [link["rel"] for link in page["links"]] == ["self", "next"]
    seen = {feature["id"] for feature in page["features"]}
    rest = api.collection_items("velib", limit=10_000, offset=500)
    assert len(seen | {feature["id"] for feature in rest["features"]}) == len(raw["velib"])

    box = (2.33, 48.85, 2.36, 48.87)
    inside = api.collection_items("velib", bbox=list(box), limit=10_000)
    expected = {row[NAME] for row, (lat, lon) in zip(raw["velib"], positions, strict=True)
                if box[0] <= lon <= box[2] and box[1] <= lat <= box[3]}  # fmt: skip
    assert {feature["properties"]["nom_de_la_station"] for feature in inside["features"]} == expected
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    l93_box = to_l93.transform_bounds(*box)
    in_l93 = api.collection_items("velib", bbox=list(l93_box), limit=10_000, **{"bbox-crs": LAMBERT_93})
    assert {f["properties"]["nom_de_la_station"] for f in in_l93["features"]} >= expected

    forty = api.collection_items("velib", capacite_de_la_station="40", limit=10_000)
    assert forty["numberMatched"] == sum(row[CAPACITY] == "40" for row in raw["velib"])

    feature = page["features"][0]
    one = api.collection_item("velib", feature["id"])
    assert one["properties"] == feature["properties"] and one["geometry"] == feature["geometry"]
    lon, lat = feature["geometry"]["coordinates"]
    l93 = api.collection_items("velib", limit=1, crs=LAMBERT_93)["features"][0]["geometry"]["coordinates"]
    first = api.collection_items("velib", limit=1)["features"][0]["geometry"]["coordinates"]
    assert l93 == pytest.approx(list(to_l93.transform(*first)), abs=0.01)
    assert 600_000 < l93[0] < 700_000 and 6_800_000 < l93[1] < 6_900_000  # Paris in Lambert-93 metres
    assert 2 < lon < 3 and 48 < lat < 49
