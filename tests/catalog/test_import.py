"""Importing files keeps the catalog and the store in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.catalog import services
from datapolis.catalog.models import Dataset, Status
from datapolis.engine import Store
from datapolis.ingest import IngestError, ReadOptions

pytestmark = pytest.mark.django_db


@pytest.fixture
def velib(shared_datasets: Path) -> Path:
    return shared_datasets / "velib" / "velib-emplacement-des-stations.csv"


def test_import_creates_a_published_dataset_with_its_fields(catalog_store: Store, velib: Path) -> None:
    result = services.import_file(velib, "velib", metadata={"title": "Stations Vélib'"})

    dataset = Dataset.objects.get(dataset_id="velib")
    assert result.created
    assert (dataset.title, dataset.status, dataset.current_version) == ("Stations Vélib'", Status.PUBLISHED, 1)
    assert dataset.records_count == 1468
    names = [field.name for field in dataset.fields.all()]
    assert names == [spec.name for spec in result.version.fields]
    labels = {field.label for field in dataset.fields.all()}
    assert "Nom de la station" in labels
    assert dataset.current_snapshot == result.version.snapshot_id
    assert dataset.data_modified is not None


def test_a_new_version_keeps_what_the_publisher_set_on_fields(catalog_store: Store, velib: Path) -> None:
    services.import_file(velib, "velib")
    field = Dataset.objects.get(dataset_id="velib").fields.get(label="Nom de la station")
    field.label, field.description, field.facet = "Station", "Nom usuel de la station", True
    field.save()

    result = services.import_file(velib, "velib")

    again = Dataset.objects.get(dataset_id="velib").fields.get(name=field.name)
    assert (again.label, again.description, again.facet) == ("Station", "Nom usuel de la station", True)
    stored = {spec.name: spec for spec in result.version.fields}[field.name]
    assert stored.label == "Station" and "facet" in stored.annotations


def test_bad_input_leaves_the_published_version_untouched(catalog_store: Store, velib: Path, tmp_path: Path) -> None:
    services.import_file(velib, "velib")
    before = Dataset.objects.get(dataset_id="velib")
    broken = tmp_path / "stations.csv"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)

    with pytest.raises(IngestError):
        services.import_file(broken, "velib", options=ReadOptions(original_name="stations.csv"))

    after = Dataset.objects.get(dataset_id="velib")
    assert (after.current_version, after.records_count, after.modified) == (1, 1468, before.modified)
    assert [v.number for v in catalog_store.versions("velib")] == [1]


def test_a_failed_first_import_creates_no_dataset(catalog_store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError):
        services.import_file(empty, "vide")
    assert not Dataset.objects.filter(dataset_id="vide").exists()


def test_rollback_restores_an_earlier_version(catalog_store: Store, velib: Path, shared_datasets: Path) -> None:
    services.import_file(velib, "stations")
    services.import_file(shared_datasets / "idfm" / "emplacement-des-gares-idf.csv", "stations")
    dataset = Dataset.objects.get(dataset_id="stations")
    assert dataset.records_count == 1182

    version = services.rollback(dataset, 1)

    dataset.refresh_from_db()
    assert (version.number, dataset.current_version, dataset.records_count) == (3, 3, 1468)
    assert "Nom de la station" in {field.label for field in dataset.fields.all()}


def test_invalid_identifiers_are_refused(catalog_store: Store, velib: Path) -> None:
    with pytest.raises(ValueError, match="identifier"):
        services.import_file(velib, "Vélib stations!")


def test_delete_removes_data_and_metadata(catalog_store: Store, velib: Path) -> None:
    services.import_file(velib, "velib")
    services.delete_dataset(Dataset.objects.get(dataset_id="velib"))
    assert not Dataset.objects.filter(dataset_id="velib").exists()
    assert not catalog_store.has_dataset("velib")
