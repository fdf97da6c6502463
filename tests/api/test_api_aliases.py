"""`/api/v2/` and `/api/explore/v2.0/` answer as the Explore API v2.1, with its rights."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("alias", ["/api/v2/", "/api/explore/v2.0/"])
@pytest.mark.parametrize(
    "path",
    [
        "catalog/datasets?select=dataset_id",
        "catalog/datasets/velib-stations/records?limit=3&order_by=nom_de_la_station",
        "catalog/datasets/velib-stations/records?select=count(*) as n&group_by=capacite_de_la_station&limit=5",
        "catalog/datasets/velib-stations/facets?facet=capacite_de_la_station",
        "catalog/datasets/velib-stations/",
    ],
)
def test_an_alias_answers_what_v2_1_answers(stations, alias: str, path: str) -> None:
    ours, theirs = Client().get(alias + path), Client().get("/api/explore/v2.1/" + path)
    assert ours.status_code == theirs.status_code == 200
    assert ours.json() == theirs.json()


@pytest.mark.parametrize("alias", ["/api/v2/", "/api/explore/v2.0/"])
def test_an_alias_applies_the_same_rights_and_errors(stations, alias: str) -> None:
    hidden = Client().get(alias + "catalog/datasets/stations-internes/records")
    assert hidden.status_code == 404 and hidden.json()["error_code"] == "NotFound"
    bad = Client().get(alias + "catalog/datasets/velib-stations/records?where=nope >")
    assert bad.status_code == 400 and bad.json()["error_code"] == "ODSQLError"
    unknown = Client().get(alias + "nowhere/at/all")
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "NotFound"
    exported = Client().get(alias + "catalog/datasets/velib-stations/exports/csv")
    assert exported.status_code == 200 and b"nom_de_la_station" in b"".join(exported.streaming_content)
