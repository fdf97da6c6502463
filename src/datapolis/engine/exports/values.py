"""SQL expressions that give each column its value shape in an export.

Every value is formatted by DuckDB, vectorised, in a projection wrapped around the
exported query: Python never sees a row. Option values (timezone, list separator) reach
SQL as parameters bound to session variables of the export's private connection.
"""

from __future__ import annotations

import duckdb

from datapolis.engine.exports.columns import ExportColumn
from datapolis.engine.exports.options import WGS84, ExportOptions
from datapolis.engine.sql import quote_identifier

TIMEZONE_VARIABLE = "datapolis_export_timezone"
LIST_SEPARATOR_VARIABLE = "datapolis_export_list_separator"

# Excel refuses cells longer than this; a longer text would make the file unreadable.
XLSX_MAX_TEXT = 32767


def bind_option_variables(con: duckdb.DuckDBPyConnection, options: ExportOptions) -> None:
    con.execute(f"SET VARIABLE {TIMEZONE_VARIABLE} = ?", [options.timezone])
    con.execute(f"SET VARIABLE {LIST_SEPARATOR_VARIABLE} = ?", [options.list_separator])


def ref(column: ExportColumn) -> str:
    return quote_identifier(column.name)


def source(sql: str) -> str:
    """The exported query as a subquery: its text is opaque, only its columns are used."""
    return f"({sql.strip().rstrip(';')}) AS export_source"


# -- dates and times ---------------------------------------------------------------


def local_timestamp(expr: str, options: ExportOptions) -> str:
    """A TIMESTAMPTZ as the wall-clock TIMESTAMP of the requested timezone."""
    if options.is_utc:
        # make_timestamp(epoch_us()) avoids ICU, which is several times slower.
        return f"make_timestamp(epoch_us({expr}))"
    return f"timezone(getvariable('{TIMEZONE_VARIABLE}'), {expr})"


def iso_datetime(expr: str, options: ExportOptions) -> str:
    """ISO 8601 with the offset of the requested timezone: 2019-02-28T01:00:00+01:00.

    Microseconds are written only when there are some, as Python's isoformat() does.
    """
    local = local_timestamp(expr, options)
    offset = "+00:00" if options.is_utc else ""
    whole = f"strftime({local}, '%Y-%m-%dT%H:%M:%S{offset}')"
    fraction = f"strftime({local}, '%Y-%m-%dT%H:%M:%S.%f{offset}')"
    text = f"CASE WHEN epoch_us({expr}) % 1000000 = 0 THEN {whole} ELSE {fraction} END"
    if options.is_utc:
        return text
    offset_seconds = f"((epoch_us({local}) - epoch_us({expr})) // 1000000)"
    sign = f"CASE WHEN {offset_seconds} < 0 THEN '-' ELSE '+' END"
    hours = f"lpad(CAST(abs({offset_seconds}) // 3600 AS VARCHAR), 2, '0')"
    minutes = f"lpad(CAST(abs({offset_seconds}) % 3600 // 60 AS VARCHAR), 2, '0')"
    return f"(({text}) || {sign} || {hours} || ':' || {minutes})"


# -- geometry ----------------------------------------------------------------------


def reprojected(geometry: str, epsg: int) -> str:
    if epsg == WGS84:
        return geometry
    return f"ST_Transform({geometry}, 'EPSG:{WGS84}', 'EPSG:{int(epsg)}', always_xy := true)"


def geometry(column: ExportColumn, epsg: int) -> str:
    """The column as a GEOMETRY in the target projection (x = easting/longitude)."""
    if column.type == "geo_point_2d":
        return reprojected(f"ST_Point({ref(column)}.lon, {ref(column)}.lat)", epsg)
    return reprojected(ref(column), epsg)


def point_xy(column: ExportColumn, epsg: int) -> tuple[str, str]:
    if epsg == WGS84:
        return f"{ref(column)}.lon", f"{ref(column)}.lat"
    point = geometry(column, epsg)
    return f"ST_X({point})", f"ST_Y({point})"


def waypoint_lonlat(column: ExportColumn) -> tuple[str, str]:
    """WGS84 lon and lat of a row's point: the geo_point_2d, or a point on the surface of the geo_shape."""
    if column.type == "geo_point_2d":
        return point_xy(column, WGS84)
    surface_point = f"ST_PointOnSurface({ref(column)})"
    return f"ST_X({surface_point})", f"ST_Y({surface_point})"


def point_struct(column: ExportColumn, epsg: int) -> str:
    """geo_point_2d keeps its {lon, lat} shape; reprojected, lon holds x and lat holds y."""
    if epsg == WGS84:
        return ref(column)
    x, y = point_xy(column, epsg)
    return f"struct_pack(lon := {x}, lat := {y})"


def geojson_geometry(column: ExportColumn, epsg: int) -> str:
    return f"CAST(ST_AsGeoJSON({geometry(column, epsg)}) AS JSON)"


# -- value shapes per family of formats ----------------------------------------------


def text_value(column: ExportColumn, options: ExportOptions) -> str:
    """The value as CSV shows it (numbers, booleans and dates keep their DuckDB text form)."""
    expr = ref(column)
    if column.multivalued:
        return f"array_to_string({expr}, getvariable('{LIST_SEPARATOR_VARIABLE}'))"
    if column.type == "datetime":
        return iso_datetime(expr, options)
    if column.type == "geo_point_2d":
        x, y = point_xy(column, options.epsg)
        # "lat, lon" as Opendatasoft's CSV exports write it (second axis first).
        return f"(CAST({y} AS VARCHAR) || ', ' || CAST({x} AS VARCHAR))"
    if column.type == "geo_shape":
        return f"ST_AsGeoJSON({geometry(column, options.epsg)})"
    return expr


def json_value(column: ExportColumn, options: ExportOptions) -> str:
    """The value as the Explore API serialises it in records."""
    expr = ref(column)
    if column.type == "double":
        return finite_or_null(expr)
    if column.type == "datetime":
        return iso_datetime(expr, options)
    if column.type == "geo_point_2d":
        return point_struct(column, options.epsg)
    if column.type == "geo_shape":
        feature = (
            f"struct_pack(type := 'Feature', geometry := {geojson_geometry(column, options.epsg)}, "
            "properties := CAST('{}' AS JSON))"
        )
        return f"CASE WHEN {expr} IS NULL THEN NULL ELSE {feature} END"
    return expr


def finite_or_null(expr: str) -> str:
    """JSON has no NaN or Infinity: DuckDB would write them bare, making the file invalid."""
    return f"CASE WHEN isfinite({expr}) THEN {expr} END"


def native_value(column: ExportColumn, options: ExportOptions) -> str:
    """The stored value, typed (Parquet): geometries carry their CRS."""
    if column.type == "geo_point_2d":
        return point_struct(column, options.epsg)
    if column.type == "geo_shape" and options.reprojects:
        return f"ST_SetCRS({geometry(column, options.epsg)}, 'EPSG:{int(options.epsg)}')"
    return ref(column)


def spreadsheet_value(column: ExportColumn, options: ExportOptions) -> str:
    """A typed cell: numbers, booleans, dates and wall-clock datetimes; the rest as text."""
    if column.type == "datetime":
        return local_timestamp(ref(column), options)
    if column.type in {"int", "double", "boolean", "date"} and not column.multivalued:
        return ref(column)
    return f"left({text_value(column, options)}, {XLSX_MAX_TEXT})"


def xml_text(expr: str) -> str:
    """Text escaped for XML content or attributes, without the control characters XML forbids."""
    cleaned = f"regexp_replace(CAST({expr} AS VARCHAR), '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]', '', 'g')"
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        cleaned = f"replace({cleaned}, '{char}', '{entity}')"
    return cleaned
