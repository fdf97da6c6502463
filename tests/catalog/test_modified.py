"""A change of data or metadata updates `modified`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from datapolis.engine import Store

pytestmark = pytest.mark.django_db


def test_metadata_and_data_changes_move_modified(catalog_store: Store, shared_datasets: Path) -> None:
    path = shared_datasets / "joconde" / "joconde.csv"
    services.import_file(path, "joconde")
    dataset = Dataset.objects.get(dataset_id="joconde")
    first = dataset.modified

    time.sleep(0.01)
    services.update_metadata(dataset, {"description": "Collections des musées de France", "themes": ["Culture"]})
    dataset.refresh_from_db()
    after_metadata = dataset.modified
    assert after_metadata > first
    assert dataset.metadata_modified == after_metadata
    assert [theme.name for theme in dataset.themes.all()] == ["Culture"]

    time.sleep(0.01)
    services.import_file(path, "joconde")
    dataset.refresh_from_db()
    assert dataset.modified > after_metadata
    assert dataset.data_modified == dataset.modified
    assert dataset.metadata_modified == after_metadata
