"""Writing a relation to CSV in the form a Table Schema expects.

One VARCHAR expression per matched field, from the dataset field's storage type and the
schema field's type and format: dates in the schema's format (ISO by default), booleans
as the schema's first true/false value, numbers with a point (or the schema's decimal
character), integers stored as doubles without their ".0", points as the schema's
geopoint format (or "lat,lon" in a text field), geometries as GeoJSON text, multivalued
text joined with its separator (or a JSON array for an `array` field). NULL is written
as an empty cell, which the schemas' missing values read as missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.schema import FieldSpec

# ISO 8601, which the "default" and "any" formats read; datetimes in UTC.
_ISO = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%SZ", "time": "%H:%M:%S"}


def export_csv(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    pairs: list[tuple[str, FieldSpec]],
    descriptors: dict[str, dict[str, Any]],
    path: Path,
) -> None:
    """COPY the matched fields of `relation` to `path`, headed by the schema's field names."""
    columns = ", ".join(f"{cell_sql(spec, descriptors[name])} AS {quote_identifier(name)}" for name, spec in pairs)
    # Every name is quoted by quote_identifier and every value by quote_literal.
    select = f"SELECT {columns} FROM {quote_identifier(relation)}"  # noqa: S608
    con.execute(f"COPY ({select}) TO {quote_literal(str(path))} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')")


def cell_sql(spec: FieldSpec, descriptor: dict[str, Any]) -> str:
    """The VARCHAR expression writing one dataset field as the schema field expects it."""
    column = quote_identifier(spec.name)
    target = descriptor.get("type", "string")
    writer = _WRITERS.get(spec.type, _plain)
    return writer(column, target, descriptor, spec)


def _plain(column: str, target: str, descriptor: dict[str, Any], spec: FieldSpec) -> str:
    return f"CAST({column} AS VARCHAR)"


def _text(column: str, target: str, descriptor: dict[str, Any], spec: FieldSpec) -> str:
    if not spec.annotations.get("multivalued"):
        return column
    if target == "array":
        return f"CAST(to_json({column}) AS VARCHAR)"
    separator = str(spec.annotations["multivalued"][0])
    return f"array_to_string({column}, {quote_literal(separator)})"


def _double(column: str, target: str, descriptor: dict[str, Any], spec: FieldSpec) -> str:
    text = f"CAST({column} AS VARCHAR)"
    if target == "integer":
        whole = f"isfinite({column}) AND {column} = trunc({column}) AND abs({column}) < 9e18"
        return f"CASE WHEN {whole} THEN CAST(CAST({column} AS BIGINT) AS VARCHAR) ELSE {text} END"
    decimal = descriptor.get("decimalChar")
    if target == "number" and decimal and decimal != ".":
        return f"replace({text}, '.', {quote_literal(decimal)})"
    return text


def _boolean(column: str, target: str, descriptor: dict[str, Any], spec: FieldSpec) -> str:
    if target != "boolean":
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
    true = (descriptor.get("trueValues") or ["true"])[0]
    false = (descriptor.get("falseValues") or ["false"])[0]
    return f"CASE WHEN {column} THEN {quote_literal(true)} WHEN NOT {column} THEN {quote_literal(false)} END"


def _temporal(column: str, target: str, descriptor: dict[str, Any], spec: FieldSpec) -> str:
    value = f"({column} AT TIME ZONE 'UTC')" if spec.type == "datetime" else f"CAST({column} AS TIMESTAMP)"
    kind = target if target in _ISO else spec.type
    pattern = _format(descriptor) if target in _ISO else None
    return f"strftime({value}, {quote_literal(pattern or _ISO[kind])})"


def _format(descriptor: dict[str, Any]) -> str | None:
    """The strftime pattern a date/datetime/time field declares; None for ISO ("default", "any")."""
    fmt = str(descriptor.get("format") or "default")
    fmt = fmt.removeprefix("fmt:")
    return None if fmt in ("default", "any") else fmt


def _point(column: str, target: str, descriptor: dict[str, Any], spec: FieldSpec) -> str:
    lon, lat = f"CAST({column}.lon AS VARCHAR)", f"CAST({column}.lat AS VARCHAR)"
    return _point_text(lon, lat, target, descriptor)


def _point_text(lon: str, lat: str, target: str, descriptor: dict[str, Any]) -> str:
    if target == "geopoint":
        fmt = descriptor.get("format") or "default"
        if fmt == "array":
            return f"'[' || {lon} || ',' || {lat} || ']'"
        if fmt == "object":
            return "'{\"lon\": ' || " + lon + " || ', \"lat\": ' || " + lat + " || '}'"
        return f"{lon} || ',' || {lat}"
    if target in ("geojson", "object"):
        return '\'{"type": "Point", "coordinates": [\' || ' + lon + " || ', ' || " + lat + " || ']}'"
    return f"{lat} || ',' || {lon}"


def _geometry(column: str, target: str, descriptor: dict[str, Any], spec: FieldSpec) -> str:
    if target == "geopoint":
        centre = f"ST_Centroid({column})"
        lon, lat = f"CAST(ST_X({centre}) AS VARCHAR)", f"CAST(ST_Y({centre}) AS VARCHAR)"
        return _point_text(lon, lat, target, descriptor)
    return f"CAST(ST_AsGeoJSON({column}) AS VARCHAR)"


_WRITERS = {
    "text": _text,
    "double": _double,
    "boolean": _boolean,
    "date": _temporal,
    "datetime": _temporal,
    "geo_point_2d": _point,
    "geo_shape": _geometry,
}
