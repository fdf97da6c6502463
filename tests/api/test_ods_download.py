"""ODS's download URL (`/explore/dataset/<id>/download/`) gives the records the v2.1 export
gives, with ODS's option names, its key parameter and its error shape (api/ods_v1.py)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

DOWNLOAD = "/explore/dataset/{}/download/"
LABELS = ["Identifiant station", "Nom de la station", "Capacité de la station", "Coordonnées géographiques"]

pytestmark = pytest.mark.django_db(transaction=True)


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_download_carries_filters_and_options(stations: str) -> None:
    params = {"format": "csv", "refine.capacite_de_la_station": "40", "q": "gare",
              "use_labels_for_header": "True", "csv_separator": ";", "timezone": "Europe/Paris"}  # fmt: skip
    response = Client().get(DOWNLOAD.format("velib-stations"), params)
    rows = rows_of(response)
    same = Client().get("/api/explore/v2.1/catalog/datasets/velib-stations/records",
                        {"where": '"gare"', "refine": "capacite_de_la_station:40"}).json()  # fmt: skip
    assert response.status_code == 200 and rows[0] == LABELS
    assert len(rows) - 1 == same["total_count"] > 0
    assert {row[2] for row in rows[1:]} == {"40"}


@pytest.mark.parametrize(("format", "content_type"), [("json", "application/json"), ("geojson", "application/geo+json"),
                                                       ("xls", "application/vnd.openxmlformats")])  # fmt: skip
def test_ods_format_names_are_understood(stations: str, format: str, content_type: str) -> None:
    response = Client().get(DOWNLOAD.format("velib-stations"), {"format": format})
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)


def test_a_key_opens_a_restricted_dataset_and_errors_have_the_v1_shape(stations: str) -> None:
    hidden = Client().get(DOWNLOAD.format("stations-internes"))
    assert hidden.status_code == 404
    assert hidden.json() == {"error": "Unknown dataset: stations-internes", "errorcode": 404}
    granted = Client().get(DOWNLOAD.format("stations-internes"), {"apikey": stations, "use_labels_for_header": "true"})
    assert granted.status_code == 200 and len(rows_of(granted)) == 1 + 1468
    unknown = Client().get(DOWNLOAD.format("velib-stations"), {"format": "xml"})
    assert unknown.status_code == 400 and unknown.json()["error"].startswith("Unknown format: xml.")
