"""Fixtures shared by every test package.

The test script runs the suite twice: on the embedded configuration, and with
DATAPOLIS_DATABASE_URL / DATAPOLIS_LAKE_CATALOG_URL pointing at the PostgreSQL server.
The `store` fixture follows the same switch, giving each test its own DuckLake catalog
(a SQLite file, or a PostgreSQL schema dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from datapolis.engine import LakeLocation, Store

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DATAPOLIS_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets of ../shared/data (see its README)."""
    assert SHARED_DATA.is_dir(), f"shared test data not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_datasets(shared_data: Path) -> Path:
    return shared_data / "datasets"


def lake_catalog_url() -> str | None:
    return os.environ.get("DATAPOLIS_LAKE_CATALOG_URL") or None


@pytest.fixture
def lake_location(tmp_path: Path) -> Iterator[LakeLocation]:
    """A fresh, empty lake for one test, on the configuration under test."""
    url = lake_catalog_url()
    local = LakeLocation.local(tmp_path / "lake")
    if not url:
        yield local
        return
    schema = f"test_lake_{uuid.uuid4().hex[:12]}"
    base = LakeLocation.from_urls(tmp_path / "lake", url, None)
    yield LakeLocation(
        catalog=base.catalog,
        data_path=local.data_path,
        metadata_schema=schema,
        temp_directory=local.temp_directory,
    )
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def store(lake_location: LakeLocation) -> Iterator[Store]:
    store = Store(lake_location)
    yield store
    store.close()
