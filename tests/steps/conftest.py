"""Fixtures for the processing steps: a connection set up like the store's, real files read by the readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from datapolis.engine.extensions import load_extensions
from datapolis.engine.store import Prepared
from datapolis.ingest import ReadOptions, read
from datapolis.schema import FieldSpec
from datapolis.steps import Applied, StepContext, apply_steps, parse_steps

SCHOOLS = "education-35/fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    load_extensions(connection)
    connection.execute("SET enable_progress_bar = false")
    yield connection
    connection.close()


def read_path(con: duckdb.DuckDBPyConnection, path: Path, **options: Any) -> Prepared:
    return read(con, path, ReadOptions(**options))


@pytest.fixture
def schools(con: duckdb.DuckDBPyConnection, shared_datasets: Path) -> Prepared:
    return read_path(con, shared_datasets / SCHOOLS)


def run(
    con: duckdb.DuckDBPyConnection, prepared: Prepared, steps: list[dict], context: StepContext | None = None
) -> Applied:
    return apply_steps(con, prepared, parse_steps(steps), context=context)


def rows(con: duckdb.DuckDBPyConnection, prepared: Prepared, *columns: str) -> list[tuple]:
    selected = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    order = f' ORDER BY "{prepared.order_column}"' if prepared.order_column else ""
    return con.execute(f'SELECT {selected} FROM "{prepared.relation}"{order}').fetchall()


def column(con: duckdb.DuckDBPyConnection, prepared: Prepared, name: str) -> list[Any]:
    return [r[0] for r in rows(con, prepared, name)]


def spec(prepared: Prepared, name: str) -> FieldSpec:
    return next(s for s in prepared.fields if s.name == name)


def lookup_of(con: duckdb.DuckDBPyConnection, datasets: dict[str, Prepared]) -> StepContext:
    def lookup(dataset_id: str) -> tuple[str, list[FieldSpec]]:
        prepared = datasets[dataset_id]
        return f'SELECT * FROM "{prepared.relation}"', prepared.fields

    return StepContext(secret="s3cret", lookup=lookup)


@pytest.fixture
def lookup(con: duckdb.DuckDBPyConnection):
    return lambda datasets: lookup_of(con, datasets)
