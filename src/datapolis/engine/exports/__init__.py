"""Streamed exports of a query's result in the Explore API's export formats.

    stream = export_query(cursor, sql, params, columns, "csv", ExportOptions(delimiter=","), temp_dir=tmp)
    StreamingHttpResponse(stream, content_type=stream.content_type)

The query is opaque (the ODSQL compiler's SELECT and its parameters); `columns` gives
the API type of each of its output columns, from which every value's shape in the file
follows. Memory stays constant whatever the size: DuckDB writes the file in a private
folder of `temp_dir` while the stream reads it. No Django imports. See docs/exports.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb

from datapolis.engine.exports import geo, linked, tabular, tomtom
from datapolis.engine.exports.columns import ExportColumn
from datapolis.engine.exports.options import ExportError, ExportOptions
from datapolis.engine.exports.request import ExportRequest, Params
from datapolis.engine.exports.stream import ExportStream, Output

__all__ = ["FORMATS", "ExportColumn", "ExportError", "ExportFormat", "ExportOptions", "ExportStream", "export_query"]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    content_type: str
    extension: str
    build: Callable[[ExportRequest, Path], Output]
    geographic: bool = False


_FORMAT_LIST = (
    ExportFormat("csv", "text/csv; charset=utf-8", ".csv", tabular.build_csv),
    ExportFormat("json", "application/json; charset=utf-8", ".json", tabular.build_json),
    ExportFormat("jsonl", "application/jsonl; charset=utf-8", ".jsonl", tabular.build_jsonl),
    ExportFormat("geojson", "application/geo+json", ".geojson", tabular.build_geojson, geographic=True),
    ExportFormat("parquet", "application/vnd.apache.parquet", ".parquet", tabular.build_parquet),
    ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", tabular.build_xlsx
    ),
    ExportFormat("shp", "application/zip", ".zip", geo.build_shp, geographic=True),
    ExportFormat("fgb", "application/flatgeobuf", ".fgb", geo.build_fgb, geographic=True),
    ExportFormat("kml", "application/vnd.google-earth.kml+xml", ".kml", geo.build_kml, geographic=True),
    ExportFormat("gpx", "application/gpx+xml", ".gpx", geo.build_gpx, geographic=True),
    ExportFormat("ov2", "application/octet-stream", ".ov2", tomtom.build_ov2, geographic=True),
    ExportFormat("jsonld", "application/ld+json", ".jsonld", linked.build_jsonld),
    ExportFormat("turtle", "text/turtle; charset=utf-8", ".ttl", linked.build_turtle),
    ExportFormat("n3", "text/n3; charset=utf-8", ".n3", linked.build_turtle),
    ExportFormat("rdfxml", "application/rdf+xml", ".rdf", linked.build_rdfxml),
)
FORMATS: dict[str, ExportFormat] = {spec.name: spec for spec in _FORMAT_LIST}


def export_query(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Params,
    columns: Sequence[ExportColumn],
    format: str,
    options: ExportOptions | None = None,
    *,
    temp_dir: Path | str,
) -> ExportStream:
    """Start exporting the result of `sql` and return its stream once the first bytes are ready.

    The export runs on a new cursor of `con` (same database, attached lakes and
    extensions; not the caller's temporary objects). Raises ExportError for options the
    format cannot honour, and the query's own error if it fails before any byte.
    """
    options = options or ExportOptions()
    options.validate()
    spec = FORMATS.get(format)
    if spec is None:
        raise ExportError(f"unknown export format {format!r}; expected one of {', '.join(FORMATS)}")
    if not columns:
        raise ExportError("an export needs at least one column")
    request = ExportRequest(sql=sql, params=params, columns=tuple(columns), options=options)
    if spec.geographic:
        request.geo_column  # noqa: B018 - raises ExportError before any work when there is none
    stream = ExportStream(
        con,
        temp_dir,
        partial(spec.build, request),
        content_type=spec.content_type,
        filename_suffix=spec.extension,
        compressed=options.compressed,
    )
    stream.wait_until_ready()
    return stream
