"""Parquet (and GeoParquet) files: columns keep their types; strings go through inference for
dates and geometries only; geometry columns are reprojected like other geo formats."""

from __future__ import annotations

from pathlib import Path

import duckdb

from datapolis.engine.sql import quote_identifier
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.geo_reader import stage_typed_columns
from datapolis.ingest.options import ReadOptions
from datapolis.ingest.relation import Staging, new_name


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staging:
    records = new_name("ingest_records")
    try:
        con.execute(f"CREATE TEMP TABLE {quote_identifier(records)} AS SELECT * FROM read_parquet(?)", [str(path)])
    except duckdb.Error as error:
        raise IngestError(
            str(path),
            gettext_noop("The Parquet file cannot be read (damaged or truncated): %(error)s"),
            {"error": str(error).split("\n")[0]},
            code="truncated",
        ) from error
    columns = [(str(row[0]), str(row[1])) for row in con.execute(f"DESCRIBE {quote_identifier(records)}").fetchall()]
    staged, selects = stage_typed_columns(con, records, columns, options.epsg or 4326)
    table = new_name("ingest_raw")
    con.execute(
        f"CREATE TEMP TABLE {quote_identifier(table)} AS SELECT {', '.join(selects)} FROM {quote_identifier(records)}"
    )
    con.execute(f"DROP TABLE {quote_identifier(records)}")
    row = con.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()
    return Staging(str(path), table, staged, int(row[0]) if row else 0, lambda index: index + 1, {"format": "parquet"})
