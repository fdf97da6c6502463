"""The catalog as RSS 2.0 and as Project Open Data's data.json, two exports Opendatasoft offers."""

from __future__ import annotations

import defusedxml.ElementTree as ElementTree
from django.test import Client

from datapolis.catalog import services
from datapolis.catalog.models import Dataset

POD_REQUIRED = {"title", "description", "keyword", "modified", "publisher", "contactPoint", "identifier",
                "accessLevel"}  # fmt: skip


def test_rss_lists_the_datasets_newest_first(api, velib, no2) -> None:
    services.update_metadata(Dataset.objects.get(dataset_id="velib"), {"description": "Où poser son vélo"})
    response = api("/catalog/exports/rss")
    channel = ElementTree.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    assert [item.findtext("title") for item in items] == ["Vélib' stations", "NO2"]
    assert items[0].findtext("link") == "http://data.example.fr/dataset/velib/"
    assert items[0].findtext("description") == "Où poser son vélo"
    assert {category.text for category in items[0].findall("category")} == {"Transports"}
    assert Client().get(items[0].findtext("link"), HTTP_HOST="data.example.fr").status_code == 200


def test_rss_follows_the_export_filters(api, velib, no2) -> None:
    response = api("/catalog/exports/rss", where='theme = "Environnement"')
    titles = [item.findtext("title") for item in ElementTree.fromstring(response.content).iter("item")]
    assert titles == ["NO2"]


def test_data_json_is_a_project_open_data_catalog(api, velib, no2) -> None:
    catalog = api("/catalog/exports/data.json").data
    assert catalog["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert [dataset["title"] for dataset in catalog["dataset"]] == ["NO2", "Vélib' stations"]  # newest first
    for dataset in catalog["dataset"]:
        assert dataset.keys() >= POD_REQUIRED and dataset["accessLevel"] == "public"
        assert dataset["identifier"] == dataset["landingPage"]
    stations = catalog["dataset"][1]
    formats = [distribution["format"] for distribution in stations["distribution"]]
    assert formats == ["CSV", "JSON", "XLSX", "GEOJSON", "SHP"]  # the stations have coordinates
    assert [d["format"] for d in catalog["dataset"][0]["distribution"]] == ["CSV", "JSON", "XLSX"]
    csv_url = stations["distribution"][0]["downloadURL"]
    downloaded = Client().get(csv_url, HTTP_HOST="data.example.fr")
    assert downloaded.status_code == 200
    assert len(b"".join(downloaded.streaming_content).splitlines()) == 1 + len(velib)
