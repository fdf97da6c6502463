"""Fixtures for the readers: a DuckDB connection like the store's, and helpers to read a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from datapolis.engine.extensions import load_extensions
from datapolis.engine.store import Prepared
from datapolis.ingest import ReadOptions, read
from datapolis.schema import FieldType


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection set up as Store.connect() sets it up for a reader (extensions, temp folder)."""
    connection = duckdb.connect()
    load_extensions(connection)
    temp = tmp_path / "duckdb-tmp"
    temp.mkdir()
    connection.execute(f"SET temp_directory = '{temp}'")
    connection.execute("SET enable_progress_bar = false")
    yield connection
    connection.close()


def read_path(con: duckdb.DuckDBPyConnection, path: Path, **options: Any) -> Prepared:
    return read(con, path, ReadOptions(**options))


def field_types(prepared: Prepared) -> dict[str, FieldType]:
    return {spec.name: spec.type for spec in prepared.fields}


def rows(con: duckdb.DuckDBPyConnection, prepared: Prepared, *columns: str, order: str | None = None) -> list[tuple]:
    selected = ", ".join(f'"{column}"' for column in columns) if columns else "*"
    order_by = f" ORDER BY {order}" if order else ""
    return con.execute(f'SELECT {selected} FROM "{prepared.relation}"{order_by}').fetchall()


def count(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> int:
    return con.execute(f'SELECT count(*) FROM "{prepared.relation}"').fetchone()[0]
