"""The Search API v1 (`/api/records/1.0/search/`, `/api/datasets/1.0/…`) answers in v1's shapes,
with the records v2.1 gives for the same filters and the caller's rights (api/ods_v1.py).

Shapes are checked against a response captured from opendata.paris.fr (../shared/data/
ods-reference), counts against the v2.1 API on the same real data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
REFERENCE = json.loads(
    (SHARED / "ods-reference" / "velib-emplacement-des-stations-api-records-1.0-search.json").read_text()
)
SEARCH = "/api/records/1.0/search/"
CAPACITY, GEO = "capacite_de_la_station", "coordonnees_geographiques"

pytestmark = pytest.mark.django_db(transaction=True)


def v1(path: str = SEARCH, **params: object) -> dict:
    response = Client().get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def v2_count(**params: str) -> int:
    return Client().get("/api/explore/v2.1/catalog/datasets/velib-stations/records", params).json()["total_count"]


def test_the_answer_has_the_shape_of_a_captured_ods_answer(stations) -> None:
    body = v1(dataset="velib-stations", timezone="UTC")
    assert body.keys() == REFERENCE.keys()
    assert body["parameters"] == {**REFERENCE["parameters"], "dataset": "velib-stations", "start": 0}
    assert body["nhits"] == 1468 and len(body["records"]) == 10
    for ours in body["records"]:
        assert ours.keys() == REFERENCE["records"][0].keys()
        lat, lon = ours["fields"][GEO]
        assert ours["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
        assert 48 < lat < 49.5 and 2 < lon < 3  # [lat, lon] in fields, as v1 writes points
    ids = {record["recordid"] for record in body["records"]}
    assert len(ids) == 10


def test_filters_sort_and_facets_give_what_v2_1_gives(stations) -> None:
    body = v1(dataset="velib-stations", q="gare", **{"refine.capacite_de_la_station": "40"}, facet=CAPACITY, rows=50)
    assert body["nhits"] == v2_count(where='"gare"', refine=f"{CAPACITY}:40") > 0
    assert {record["fields"][CAPACITY] for record in body["records"]} == {40}
    (group,) = body["facet_groups"]
    assert group["name"] == CAPACITY and group["facets"][0] == {"name": "40", "path": "40", "count": body["nhits"],
                                                               "state": "refined"}  # fmt: skip
    descending = [r["fields"][CAPACITY] for r in v1(dataset="velib-stations", sort=CAPACITY, rows=100)["records"]]
    ascending = [r["fields"][CAPACITY] for r in v1(dataset="velib-stations", sort=f"-{CAPACITY}")["records"]]
    assert descending == sorted(descending, reverse=True) and ascending == sorted(ascending)
    assert descending[0] > ascending[0]


def test_geofilters_select_the_stations_v2_1_selects(stations) -> None:
    near = v1(dataset="velib-stations", **{"geofilter.distance": "48.8566,2.3522,1000"}, rows=0)
    assert near["nhits"] == v2_count(where=f"within_distance({GEO}, geom'POINT(2.3522 48.8566)', 1000m)") > 0
    polygon = "(48.85,2.34),(48.87,2.34),(48.87,2.36),(48.85,2.36)"
    inside = v1(dataset="velib-stations", **{"geofilter.polygon": polygon}, rows=100)
    square = "POLYGON((2.34 48.85, 2.34 48.87, 2.36 48.87, 2.36 48.85, 2.34 48.85))"
    assert inside["nhits"] == v2_count(where=f"intersects({GEO}, geom'{square}')") > 0
    assert all(48.85 <= r["fields"][GEO][0] <= 48.87 and 2.34 <= r["fields"][GEO][1] <= 2.36 for r in inside["records"])


def test_fields_and_paging(stations) -> None:
    first, second = (v1(dataset="velib-stations", rows=5, start=start, sort="-nom_de_la_station", fields=CAPACITY)
                     for start in (0, 5))  # fmt: skip
    assert all(record["fields"].keys() == {CAPACITY} for record in first["records"] + second["records"])
    assert not {r["recordid"] for r in first["records"]} & {r["recordid"] for r in second["records"]}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "The dataset parameter is required."),
        ({"dataset": "stations-internes"}, 404, "Unknown dataset: stations-internes"),
        ({"dataset": "velib-stations", "rows": "9000", "start": "2000"}, 400, "start + rows cannot exceed 10000."),
        ({"dataset": "velib-stations", "rows": "dix"}, 400, "Invalid value for rows: a whole number is expected."),
        (
            {"dataset": "velib-stations", "geofilter.distance": "48.8,nan,10"},
            400,
            "Invalid value for geofilter.distance: 48.8,nan,10",
        ),
    ],
)
def test_refusals_have_v1_s_shape(stations, params: dict, status: int, message: str) -> None:
    response = Client().get(SEARCH, params)
    assert response.status_code == status
    assert response.json() == {"error": message, "errorcode": status}


def test_the_catalog_and_a_dataset_in_v1(stations) -> None:
    catalog = v1("/api/datasets/1.0/search/", **{"refine.theme": "Transports"})
    assert catalog["nhits"] == 1  # the restricted copy is not the anonymous caller's
    (found,) = catalog["datasets"]
    assert found["datasetid"] == "velib-stations" and found["metas"]["title"] == "Stations Vélib'"
    assert found["metas"]["records_count"] == 1468 and found["has_records"] is True
    assert [field["name"] for field in found["fields"]][2:] == [CAPACITY, GEO]
    assert v1("/api/datasets/1.0/velib-stations/") == found
    hidden = Client().get("/api/datasets/1.0/stations-internes/")
    assert hidden.status_code == 404 and hidden.json()["errorcode"] == 404


def test_the_v1_download_gives_the_export(stations) -> None:
    response = Client().get("/api/records/1.0/download/", {"dataset": "velib-stations", "format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert response.status_code == 200 and len(lines) == 1 + 1468
