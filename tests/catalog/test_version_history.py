"""A version's history says what each version changed, in the reader's language, and a
rollback brings back the data's source with the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from datapolis.catalog import services
from datapolis.catalog.changes import describe_change
from datapolis.catalog.models import Dataset
from datapolis.engine import Prepared, Store
from datapolis.ingest import ReadOptions
from datapolis.portals.services import default_portal

pytestmark = pytest.mark.django_db

STATIONS_URL = "https://opendata.example.fr/velib/stations.geojson"


@pytest.fixture
def velib_files(shared_datasets: Path) -> tuple[Path, Path]:
    folder = shared_datasets / "velib"
    return folder / "velib-emplacement-des-stations.csv", folder / "velib-emplacement-des-stations.geojson"


@pytest.fixture
def two_versions(catalog_store: Store, velib_files: tuple[Path, Path]) -> Dataset:
    """Version 1 from an uploaded CSV (`;`), version 2 from a GeoJSON fetched from a URL."""
    csv, geojson = velib_files
    services.import_file(csv, "velib", options=ReadOptions(original_name="stations-2023.csv", delimiter=";"))
    services.import_file(
        geojson, "velib", options=ReadOptions(original_name="stations.geojson"), source_url=STATIONS_URL
    )
    dataset = Dataset.objects.get(dataset_id="velib")
    assert dataset.source["filename"] == "stations.geojson" and dataset.source["url"] == STATIONS_URL
    return dataset


def test_a_rollback_restores_the_source_of_the_version_it_serves_again(two_versions: Dataset) -> None:
    services.rollback(two_versions, 1)

    dataset = Dataset.objects.get(dataset_id="velib")
    assert dataset.current_version == 3
    assert dataset.source["filename"] == "stations-2023.csv"
    assert "url" not in dataset.source  # version 1 was an upload, not the URL of version 2
    assert dataset.source["options"]["delimiter"] == ";"

    services.rollback(dataset, 2)
    dataset.refresh_from_db()
    assert (dataset.source["filename"], dataset.source["url"]) == ("stations.geojson", STATIONS_URL)


def test_changes_are_stored_as_data_and_said_in_french_and_english(two_versions: Dataset, catalog_store: Store) -> None:
    services.rollback(two_versions, 1)

    changes = [version.change for version in catalog_store.versions("velib")]
    assert changes == [
        {"kind": "import", "file": "stations-2023.csv"},
        {"kind": "import", "file": "stations.geojson"},
        {"kind": "rollback", "version": 1},
    ]
    with translation.override("fr"):
        assert [describe_change(change) for change in changes] == [
            "Import de stations-2023.csv",
            "Import de stations.geojson",
            "Version 1 restaurée",
        ]
    with translation.override("en"):
        assert describe_change(changes[2]) == "Version 1 restored"


def test_the_public_history_speaks_the_pages_language(two_versions: Dataset) -> None:
    default_portal("testserver")
    services.rollback(two_versions, 1)

    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/dataset/velib/")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/dataset/velib/")

    assert french.status_code == 200 and english.status_code == 200
    history = french.content.decode().split('id="versions-title"')[1]
    assert "Version 1 restaurée" in history and "Import de stations-2023.csv" in history
    assert "rollback to version" not in history
    assert "Version 1 restored" in english.content.decode().split('id="versions-title"')[1]


def test_versions_written_before_changes_were_data_still_read_well(catalog_store: Store, velib_files) -> None:
    """Versions of earlier releases only carry an English commit message: it is read back as a change."""
    csv, _ = velib_files
    services.import_file(csv, "velib")
    restored = catalog_store.version_relation_sql(catalog_store.version("velib", 1))
    fields = catalog_store.version("velib", 1).fields
    columns = ", ".join(f'"{spec.name}"' for spec in fields)

    def copy(con) -> Prepared:
        con.execute(f"CREATE TEMP VIEW copied AS SELECT {columns} FROM {restored}")
        return Prepared("copied", fields)

    catalog_store.publish("velib", copy, message="rollback to version 1")
    catalog_store.publish("velib", copy, message="import old-file.csv")
    catalog_store.publish("velib", copy, message="nightly refresh")

    changes = [version.change for version in catalog_store.versions("velib")[1:]]
    assert changes == [
        {"kind": "rollback", "version": 1},
        {"kind": "import", "file": "old-file.csv"},
        {"kind": "note", "text": "nightly refresh"},
    ]
    with translation.override("fr"):
        assert [describe_change(change) for change in changes] == [
            "Version 1 restaurée",
            "Import de old-file.csv",
            "nightly refresh",
        ]
