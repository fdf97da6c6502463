"""The catalog describes datasets as the Explore API v2.1 does (§2.4 of the reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.catalog import services
from datapolis.catalog.dataset_objects import explore_dataset
from datapolis.catalog.models import Dataset
from datapolis.engine import Store

pytestmark = pytest.mark.django_db


def test_the_dataset_object_has_the_explore_shape(catalog_store: Store, shared_datasets: Path) -> None:
    services.import_file(
        shared_datasets / "velib" / "velib-emplacement-des-stations.csv",
        "velib",
        metadata={
            "title": "Vélib' - Emplacement des stations",
            "keywords": ["vélo", "mobilité"],
            "themes": ["Transports"],
            "license": "odbl-1.0",
            "update_frequency": "daily",
            "publisher": "Ville de Paris",
        },
    )

    data = explore_dataset(Dataset.objects.get(dataset_id="velib"))

    assert data["dataset_id"] == "velib"
    assert data["dataset_uid"].startswith("da_")
    assert data["has_records"] is True
    assert set(data["features"]) == {"analyze", "geo"}
    default = data["metas"]["default"]
    assert default["title"] == "Vélib' - Emplacement des stations"
    assert default["records_count"] == 1468
    assert default["keyword"] == ["vélo", "mobilité"]
    assert default["theme"] == ["Transports"]
    assert default["license_url"] == "https://opendatacommons.org/licenses/odbl/"
    assert default["modified"].endswith("+00:00")
    assert data["metas"]["dcat"]["accrualperiodicity"].endswith("/frequency/DAILY")
    field_types = {field["name"]: field["type"] for field in data["fields"]}
    assert "geo_point_2d" in field_types.values()
    for field in data["fields"]:
        assert set(field) == {"name", "label", "type", "description", "annotations"}
