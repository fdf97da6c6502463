"""Fixtures for validation: a DuckDB connection, the project's reader, the real files and schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from datapolis.engine.extensions import load_extensions
from datapolis.engine.store import Prepared
from datapolis.ingest import ReadOptions, read


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection set up as the store sets it up for a reader."""
    connection = duckdb.connect()
    load_extensions(connection)
    temp = tmp_path / "duckdb-tmp"
    temp.mkdir()
    connection.execute(f"SET temp_directory = '{temp}'")
    connection.execute("SET enable_progress_bar = false")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def schemas(shared_data: Path) -> Path:
    return shared_data / "schemas"


def read_file(con: duckdb.DuckDBPyConnection, path: Path, **options: Any) -> Prepared:
    """The file read by Datapolis's own in-process reader, as an import reads it."""
    return read(con, path, ReadOptions(**options))


def schema_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
