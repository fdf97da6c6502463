"""Fixtures of the dataset-source tests: real servers on 127.0.0.1 (from tests.fetching), real files.

Loopback is a private network: a test reaches its servers only through the `loopback`
fixture, as an administrator allows an intranet (DATAPOLIS_FETCH_ALLOWED_NETWORKS).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset
from tests.fetching.conftest import (  # noqa: F401 (fixtures)
    LOOPBACK,
    PASSWORD,
    QuietHandler,
    ftp_server,
    http_server,
    sftp_keys,
    sftp_server,
)

SCHOOLS = "education-35/fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"


def count_records(path: Path, delimiter: str = ";") -> int:
    """The records of a CSV file, read independently of Datapolis (Python's csv module)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1


def first_lines(path: Path, records: int) -> bytes:
    """The header and the first `records` records of a one-line-per-record CSV file, byte for byte."""
    return b"".join(path.read_bytes().splitlines(keepends=True)[: records + 1])


@pytest.fixture
def schools(shared_datasets: Path) -> Path:
    """Geolocated schools of Ille-et-Vilaine: UTF-8 with BOM, `;`, CRLF, Lambert-93 and lat/lon."""
    return shared_datasets / SCHOOLS


@pytest.fixture
def loopback(settings) -> None:
    """The server may reach 127.0.0.0/8, where the test servers listen."""
    settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS = LOOPBACK


@pytest.fixture
def source_folder(tmp_path: Path, settings) -> Path:
    """A folder sources may read (DATAPOLIS_SOURCE_FOLDERS), besides the instance's own."""
    folder = tmp_path / "exports"
    folder.mkdir()
    settings.DATAPOLIS_SOURCE_FOLDERS = (*settings.DATAPOLIS_SOURCE_FOLDERS, str(folder))
    return folder


@pytest.fixture
def dataset(catalog_store, db) -> Iterator[Dataset]:
    """A new draft without data, as `datapolis source` creates it."""
    yield catalog.create_draft("ecoles-35", title="Écoles d'Ille-et-Vilaine")


def served(dataset: Dataset) -> tuple[int | None, int]:
    """(current version, records) of the dataset as the catalog serves it now."""
    dataset.refresh_from_db()
    return dataset.current_version, dataset.records_count


def version_numbers(dataset: Dataset) -> list[int]:
    return [version.number for version in catalog.versions(dataset)]
