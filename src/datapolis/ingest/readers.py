"""Format detection and dispatch to the reader of each format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from datapolis.engine.sql import quote_identifier
from datapolis.engine.store import Prepared
from datapolis.ingest import formats
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.options import ReadOptions
from datapolis.ingest.relation import Staging, build


def detect_format(path: Path, options: ReadOptions | None = None) -> str:
    """The format name of a file, from the declared option, its name and its first bytes."""
    options = options or ReadOptions()
    return formats.detect_format(Path(path), options.format, options.original_name)


def read(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions | None = None) -> Prepared:
    """Build the typed relation for `path` in `con`, or raise IngestError."""
    options = options or ReadOptions()
    path = Path(path)
    if not path.is_file():
        raise IngestError(str(path), gettext_noop("The file does not exist."), code="unreadable")
    file_format = detect_format(path, options)
    staging = _stager(file_format)(con, path, options)
    staging.source.setdefault("format", file_format)
    if options.epsg:
        staging.source.setdefault("epsg", options.epsg)
    return build(con, staging, options)


def prepare(path: Path, options: ReadOptions | None = None) -> Callable[[duckdb.DuckDBPyConnection], Prepared]:
    """The callable Store.publish expects."""
    return lambda con: read(con, Path(path), options)


def preview(
    con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions | None = None, limit: int = 20
) -> tuple[Prepared, list[dict[str, Any]]]:
    """The inferred fields and the first rows, for the publishing back office.

    Geometries come as GeoJSON objects, points as {"lon", "lat"}; other values as DuckDB
    returns them (date, datetime, float...).
    """
    prepared = read(con, path, options)
    return prepared, first_rows(con, prepared, limit)


def first_rows(con: duckdb.DuckDBPyConnection, prepared: Prepared, limit: int) -> list[dict[str, Any]]:
    """The first rows of a read relation, geometries as GeoJSON objects."""
    columns = []
    for spec in prepared.fields:
        quoted = quote_identifier(spec.name)
        columns.append(f"ST_AsGeoJSON({quoted}) AS {quoted}" if spec.type == "geo_shape" else quoted)
    cursor = con.execute(f"SELECT {', '.join(columns)} FROM {quote_identifier(prepared.relation)} LIMIT ?", [limit])
    rows = []
    for values in cursor.fetchall():
        record = {}
        for spec, value in zip(prepared.fields, values, strict=True):
            record[spec.name] = json.loads(value) if spec.type == "geo_shape" and value is not None else value
        rows.append(record)
    return rows


def _stager(file_format: str) -> Callable[[duckdb.DuckDBPyConnection, Path, ReadOptions], Staging]:
    if file_format == "csv":
        from datapolis.ingest.csv_reader import stage_csv

        return stage_csv
    if file_format in ("xlsx", "xls", "ods"):
        from datapolis.ingest.spreadsheet import stage_spreadsheet

        return stage_spreadsheet
    if file_format in ("json", "jsonl", "geojson"):
        from datapolis.ingest.json_reader import stage_json

        return stage_json
    if file_format in ("shp", "gpkg", "kml"):
        from datapolis.ingest.geo_reader import stage_geo

        return stage_geo
    if file_format == "parquet":
        from datapolis.ingest.parquet_reader import stage_parquet

        return stage_parquet
    raise AssertionError(f"no reader for {file_format}")
