"""Row formats written by DuckDB's own COPY writers: csv, json, jsonl, geojson, parquet, xlsx."""

from __future__ import annotations

import json
from pathlib import Path

from datapolis.engine.exports.columns import NUMERIC_TYPES, ExportColumn, unique_names
from datapolis.engine.exports.request import ExportRequest
from datapolis.engine.exports.stream import Output
from datapolis.engine.exports.values import (
    geojson_geometry,
    json_value,
    native_value,
    spreadsheet_value,
    text_value,
)
from datapolis.engine.sql import quote_identifier, quote_literal

UTF8_BOM = b"\xef\xbb\xbf"


def header_names(request: ExportRequest) -> list[str]:
    use_labels = request.options.use_labels
    return unique_names(column.label if use_labels else column.name for column in request.columns)


def _projection(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{expr} AS {quote_identifier(name)}" for expr, name in pairs)


def build_csv(request: ExportRequest, folder: Path) -> Output:
    options = request.options
    headers = header_names(request)
    projection = _projection([(text_value(c, options), h) for c, h in zip(request.columns, headers, strict=True)])
    copy_options = [
        "FORMAT csv",
        "HEADER true",
        f"DELIMITER {quote_literal(options.delimiter)}",
        "QUOTE '\"'",
        "ESCAPE '\"'",
        # CRLF, as RFC 4180 and Opendatasoft's exports have it.
        "NEW_LINE '\\r\\n'",
    ]
    quoted = [h for c, h in zip(request.columns, headers, strict=True) if not _is_unquoted_scalar(c)]
    if options.quote_all and quoted:
        copy_options.append(f"FORCE_QUOTE ({', '.join(map(quote_identifier, quoted))})")
    path = folder / "export.csv"
    return Output(
        path=path,
        write=request.copy_writer(request.select(projection), path, ", ".join(copy_options)),
        progressive=True,
        prefix=UTF8_BOM if options.with_bom else b"",
    )


def _is_unquoted_scalar(column: ExportColumn) -> bool:
    """Numbers and booleans stay bare with quote_all, which quotes "all strings"."""
    return not column.multivalued and (column.type in NUMERIC_TYPES or column.type == "boolean")


def _json_projection(request: ExportRequest, columns: tuple[ExportColumn, ...]) -> str:
    return _projection([(json_value(column, request.options), column.name) for column in columns])


def build_json(request: ExportRequest, folder: Path) -> Output:
    path = folder / "export.json"
    select = request.select(_json_projection(request, request.columns))
    return Output(path, request.copy_writer(select, path, "FORMAT json, ARRAY true"), progressive=True)


def build_jsonl(request: ExportRequest, folder: Path) -> Output:
    path = folder / "export.jsonl"
    select = request.select(_json_projection(request, request.columns))
    return Output(path, request.copy_writer(select, path, "FORMAT json"), progressive=True)


def build_geojson(request: ExportRequest, folder: Path) -> Output:
    """A FeatureCollection: geometry from the first shape (else point) field, other fields in properties."""
    options = request.options
    geo = request.geo_column
    others = [column for column in request.columns if column is not geo]
    if others:
        members = ", ".join(f"{quote_identifier(c.name)} := {json_value(c, options)}" for c in others)
        properties = f"struct_pack({members})"
    else:
        properties = "CAST('{}' AS JSON)"
    select = request.select(
        f"'Feature' AS type, {geojson_geometry(geo, options.epsg)} AS geometry, {properties} AS properties"
    )
    header: dict[str, object] = {"type": "FeatureCollection"}
    if options.reprojects:
        # RFC 7946 only knows WGS84; other projections are named the GeoJSON 2008 way.
        header["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{options.epsg}"}}
    prefix = json.dumps(header, separators=(",", ":"))[:-1] + ',"features":'
    path = folder / "export.geojson"
    return Output(
        path,
        request.copy_writer(select, path, "FORMAT json, ARRAY true"),
        progressive=True,
        prefix=prefix.encode(),
        suffix=b"}\n",
    )


def build_parquet(request: ExportRequest, folder: Path) -> Output:
    """Stored types kept; geo_shape as GeoParquet WKB with its CRS, geo_point_2d as {lon, lat}."""
    options = request.options
    projection = _projection([(native_value(c, options), c.name) for c in request.columns])
    path = folder / "export.parquet"
    copy_options = f"FORMAT parquet, COMPRESSION {quote_literal(options.parquet_compression)}"
    return Output(path, request.copy_writer(request.select(projection), path, copy_options), progressive=True)


def build_xlsx(request: ExportRequest, folder: Path) -> Output:
    options = request.options
    headers = header_names(request)
    projection = _projection(
        [(spreadsheet_value(c, options), h) for c, h in zip(request.columns, headers, strict=True)]
    )
    path = folder / "export.xlsx"
    copy_options = f"FORMAT xlsx, HEADER true, SHEET {quote_literal(options.layer_name[:31])}"
    return Output(path, request.copy_writer(request.select(projection), path, copy_options))
