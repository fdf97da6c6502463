"""What every format builder receives, and the COPY statements they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from datapolis.engine.exports.columns import ExportColumn, geometry_column
from datapolis.engine.exports.options import WGS84, ExportError, ExportOptions
from datapolis.engine.exports.stream import Writer
from datapolis.engine.exports.values import bind_option_variables, source
from datapolis.engine.sql import quote_literal

Params = Sequence[Any] | Mapping[str, Any] | None

# Options of a COPY that writes each row's single text column as it is, one per line.
RAW_LINES = "FORMAT csv, HEADER false, QUOTE '', ESCAPE '', NEW_LINE '\\n'"


@dataclass(frozen=True)
class ExportRequest:
    sql: str
    params: Params
    columns: tuple[ExportColumn, ...]
    options: ExportOptions

    @property
    def geo_column(self) -> ExportColumn:
        column = geometry_column(self.columns)
        if column is None:
            raise ExportError("this format needs a geo_point_2d or geo_shape field")
        return column

    def in_wgs84(self) -> ExportRequest:
        """The same request for a format defined in WGS84 (KML, GPX, OV2), where `epsg` does not apply."""
        return replace(self, options=replace(self.options, epsg=WGS84))

    def select(self, projection: str, where: str | None = None) -> str:
        condition = f" WHERE {where}" if where else ""
        return f"SELECT {projection} FROM {source(self.sql)}{condition}"

    def copy_writer(self, select: str, path: Path, copy_options: str) -> Writer:
        """A writer running `COPY (select) TO path (copy_options)` with the query's parameters."""
        statement = f"COPY ({select}) TO {quote_literal(str(path))} ({copy_options})"
        options, params = self.options, self.params

        def write(con: duckdb.DuckDBPyConnection) -> None:
            bind_option_variables(con, options)
            con.execute(statement, params)

        return write
