"""JSON (array of records, or the array at `json_path`), JSON Lines and GeoJSON, read by DuckDB.

Flattening rule: a record's nested object becomes one field per key ("fields.name" ->
fields_name), one level deep; anything deeper, and arrays, are kept as JSON text, but
arrays of strings, which are multivalued text fields (lists of values). An
object {"lon", "lat"} is a geo_point_2d, a GeoJSON geometry (or Feature) object is a
geo_shape. JSON numbers and booleans keep their type; strings go through inference.
In GeoJSON, properties are the fields and the geometry is a geo_point_2d when every
feature is a Point, a geo_shape otherwise.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.inference import LOCAL_TIMEZONE, point_struct
from datapolis.ingest.options import ReadOptions
from datapolis.ingest.relation import StagedColumn, Staging, new_name
from datapolis.schema import FieldType

_MIN_OBJECT_BYTES = 16 * 2**20  # DuckDB's default maximum_object_size
_MAX_OBJECT_BYTES = 2**30
_MEMORY_UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
_FLOATS = {"FLOAT", "DOUBLE", "UBIGINT", "HUGEINT", "UHUGEINT"}
_LIST_ELEMENTS = _INTEGERS | _FLOATS | {"DECIMAL", "BOOLEAN", "DATE", "TIMESTAMP"}


def stage_json(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staging:
    first = _first_character(path)
    if first is None:
        raise IngestError(str(path), gettext_noop("The file is empty."), code="empty_file")
    file_format = "jsonl" if options.format == "jsonl" or path.suffix.lower() in (".jsonl", ".ndjson") else None
    records = new_name("ingest_records")
    source: dict = {}
    if file_format == "jsonl" or (first == "{" and _is_json_lines(path)):
        _create(con, path, records, f"SELECT * FROM {_read_json('newline_delimited', path)}")
        source["format"] = "jsonl"
        locate = lambda index: index + 1  # noqa: E731 - one record per line
    elif first == "[" and not options.json_path:
        _create(con, path, records, f"SELECT * FROM {_read_json('array', path)}")
        locate = lambda _index: None  # noqa: E731
    else:
        document = new_name("ingest_document")
        _create(con, path, document, f"SELECT * FROM {_read_json('unstructured', path)}")
        kind, expression = _records_expression(con, path, document, options.json_path)
        _create(con, path, records, f"SELECT unnest(r) FROM (SELECT unnest({expression}) AS r FROM {document})")
        source["format"] = kind
        if kind == "geojson":
            source["epsg"] = options.epsg or _declared_crs(con, document) or 4326
        con.execute(f"DROP TABLE {quote_identifier(document)}")
        locate = lambda _index: None  # noqa: E731
    columns = _describe(con, records)
    if not columns or columns == [("json", "JSON")]:
        raise IngestError(str(path), gettext_noop("The JSON data holds no records (objects)."), code="no_records")
    if source.get("format") == "geojson":
        staged, select = _geojson_columns(con, records, columns, int(source["epsg"]))
    else:
        staged, select = _flatten(columns)
    table = new_name("ingest_raw")
    con.execute(f"CREATE TEMP TABLE {quote_identifier(table)} AS SELECT {select} FROM {quote_identifier(records)}")
    con.execute(f"DROP TABLE {quote_identifier(records)}")
    row = con.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()
    return Staging(str(path), table, staged, int(row[0]) if row else 0, locate, source)


def _read_json(json_format: str, path: Path) -> str:
    # The file path is the first parameter of every statement that uses this.
    return (
        f"read_json(?, format = {quote_literal(json_format)}, sample_size = -1, "
        f"maximum_object_size = {_object_bytes(path)})"
    )


def _object_bytes(path: Path) -> int:
    """The largest object to accept: the whole file (a GeoJSON is one object), up to 1 GiB.

    DuckDB's reader allocates buffers of twice this size, so it is not set higher than needed.
    """
    return min(max(path.stat().st_size + 1, _MIN_OBJECT_BYTES), _MAX_OBJECT_BYTES)


@contextmanager
def _memory_for(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[None]:
    """Raise the connection's memory limit while a JSON file is read, if its buffers need it.

    An import's connection is bounded (DATAPOLIS_INGEST_MEMORY_LIMIT) so that large CSV files
    spill to disk, but a JSON object is parsed whole in memory: a 300 MB GeoJSON needs about
    twice its size, whatever the limit.
    """
    setting = con.execute("SELECT current_setting('memory_limit')").fetchone()
    limit = _memory_bytes(str(setting[0])) if setting else None
    needed = 2 * _object_bytes(path) + 256 * 2**20
    if limit is None or limit >= needed:
        yield
        return
    con.execute(f"SET memory_limit = '{needed}B'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{limit}B'")


def _memory_bytes(text: str) -> int | None:
    """DuckDB's display of a memory size (`572.2 MiB`) in bytes; None if unbounded or unread.

    The display truncates to a tenth of its unit: the middle of that tenth is returned.
    """
    number, _, unit = text.strip().partition(" ")
    try:
        return math.ceil((float(number) + 0.05) * _MEMORY_UNITS[unit])
    except (ValueError, KeyError):
        return None


def _first_character(path: Path) -> str | None:
    with open(path, "rb") as file:
        head = file.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return chr(head[0]) if head else None


def _is_json_lines(path: Path) -> bool:
    with open(path, "rb") as file:
        first = file.readline().strip()
        second = file.readline().strip()
    return first.startswith(b"{") and first.endswith(b"}") and second.startswith(b"{")


def _create(con: duckdb.DuckDBPyConnection, path: Path, table: str, select: str) -> None:
    try:
        with _memory_for(con, path):
            con.execute(
                f"CREATE TEMP TABLE {quote_identifier(table)} AS {select}", [str(path)] if "?" in select else []
            )
    except duckdb.Error as error:
        raise _json_error(path, error) from error


def _json_error(path: Path, error: duckdb.Error) -> IngestError:
    """DuckDB says which record is malformed; Python's parser says where, on the error path only."""
    message = str(error).split("\n")[0]
    line = column = None
    located = _python_json_error(path)
    if located is not None:
        message, line, column = located
    return IngestError(
        str(path),
        gettext_noop("The file is not valid JSON: %(error)s"),
        {"error": message},
        code="bad_json",
        line=line,
        column=column,
    )


def _python_json_error(path: Path) -> tuple[str, int, int] | None:
    with open(path, encoding="utf-8-sig", errors="replace") as file:
        text = file.read()
    try:
        json.loads(text)
        return None
    except json.JSONDecodeError as whole:
        if not text.lstrip().startswith("{"):
            return whole.msg, whole.lineno, whole.colno
    for number, line in enumerate(text.splitlines(), start=1):  # JSON Lines: each line on its own
        if line.strip():
            try:
                json.loads(line)
            except json.JSONDecodeError as error:
                return error.msg, number, error.colno
    return None


def _describe(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    rows = con.execute(f"DESCRIBE {quote_identifier(table)}").fetchall()
    return [(str(name), str(column_type)) for name, column_type, *_ in rows]


def _records_expression(
    con: duckdb.DuckDBPyConnection, path: Path, document: str, json_path: str | None
) -> tuple[str, str]:
    """Where the records are in a JSON document: ("json" | "geojson", SQL expression of the list)."""
    columns = dict(_describe(con, document))
    if json_path:
        parts = [part for part in json_path.strip("$.").split(".") if part]
        if not parts or parts[0] not in columns:
            raise _no_path(path, json_path)
        expression = ".".join(quote_identifier(part) for part in parts)
        try:
            column_type = con.execute(f"SELECT typeof({expression}) FROM {quote_identifier(document)}").fetchone()
        except duckdb.Error as error:
            raise _no_path(path, json_path) from error
        if not column_type or not str(column_type[0]).startswith("STRUCT(") or not str(column_type[0]).endswith("[]"):
            raise _no_path(path, json_path)
        return "json", expression
    if "features" in columns and columns["features"].startswith("STRUCT(") and "type" in columns:
        return "geojson", quote_identifier("features")
    lists = [name for name, kind in columns.items() if kind.startswith("STRUCT(") and kind.endswith("[]")]
    if len(lists) == 1:
        return "json", quote_identifier(lists[0])
    raise IngestError(
        str(path),
        gettext_noop("Say which array holds the records with the json_path option (candidates: %(keys)s)."),
        {"keys": ", ".join(lists) or "-"},
        code="json_path_required",
    )


def _no_path(path: Path, json_path: str) -> IngestError:
    return IngestError(
        str(path),
        gettext_noop("The JSON document has no array of records at %(json_path)s."),
        {"json_path": json_path},
        code="json_path_not_found",
    )


def _declared_crs(con: duckdb.DuckDBPyConnection, document: str) -> int | None:
    """The EPSG code of a GeoJSON 2008 "crs" member, if any."""
    if "crs" not in dict(_describe(con, document)):
        return None
    row = con.execute(f"SELECT CAST(crs AS VARCHAR) FROM {quote_identifier(document)}").fetchone()
    found = re.search(r"EPSG:+(\d+)", str(row[0] if row else ""))
    return int(found.group(1)) if found and found.group(1) not in ("4326", "84") else None


# -- columns -----------------------------------------------------------------------


def scalar_column(expression: str, column_type: str) -> tuple[FieldType | None, str]:
    """The field type a JSON value has (None: text to infer) and the SQL giving its storage value."""
    base = column_type.split("(")[0]
    if column_type == "VARCHAR":
        return None, expression
    if base in _INTEGERS:
        return "int", f"CAST({expression} AS BIGINT)"
    if base in _FLOATS or base == "DECIMAL":
        return "double", f"CAST({expression} AS DOUBLE)"
    if column_type == "BOOLEAN":
        return "boolean", expression
    if column_type == "DATE":
        return "date", expression
    if column_type == "TIMESTAMP":
        return "datetime", f"timezone({quote_literal(LOCAL_TIMEZONE)}, {expression})"
    if column_type == "TIMESTAMP WITH TIME ZONE":
        return "datetime", expression
    if _is_lonlat(column_type):
        return "geo_point_2d", point_struct(f"CAST({expression}.lon AS DOUBLE)", f"CAST({expression}.lat AS DOUBLE)")
    if _is_geometry(column_type):
        return "geo_shape", f"try(ST_Force2D(ST_GeomFromGeoJSON(CAST(to_json({expression}) AS VARCHAR))))"
    if _is_feature(column_type):
        geometry = f"{expression}.geometry"
        return "geo_shape", f"try(ST_Force2D(ST_GeomFromGeoJSON(CAST(to_json({geometry}) AS VARCHAR))))"
    return None, f"CAST(to_json({expression}) AS VARCHAR)"


def list_column(expression: str, column_type: str, *, strings_only: bool = False) -> str | None:
    """The `VARCHAR[]` a list of scalars is stored as (a multivalued text field); None for any other type.

    With `strings_only` (JSON), only lists of strings: a JSON list of numbers is more often
    a tuple, such as coordinates, than a set of values. Lists of lists or objects are neither.
    """
    if not column_type.endswith("[]"):
        return None
    element = column_type[:-2]
    if element == "VARCHAR":
        return expression
    if strings_only or element.split("(")[0] not in _LIST_ELEMENTS:
        return None
    return f"CAST({expression} AS VARCHAR[])"


def _struct_members(column_type: str) -> list[str]:
    """The `key TYPE` members of `STRUCT(...)`, split at the commas outside nested types."""
    inner = column_type[len("STRUCT(") : -1]
    members, depth, current = [], 0, ""
    for character in inner:
        if character in "([":
            depth += 1
        elif character in ")]":
            depth -= 1
        if character == "," and depth == 0:
            members.append(current.strip())
            current = ""
        else:
            current += character
    members.append(current.strip())
    return members


def _struct_keys(column_type: str) -> list[str]:
    if not column_type.startswith("STRUCT(") or column_type.endswith("[]"):
        return []
    return [member.split(" ")[0].strip('"') for member in _struct_members(column_type) if member]


def _is_lonlat(column_type: str) -> bool:
    return sorted(_struct_keys(column_type)) == ["lat", "lon"]


def _is_geometry(column_type: str) -> bool:
    keys = set(_struct_keys(column_type))
    return "type" in keys and ("coordinates" in keys or "geometries" in keys)


def _is_feature(column_type: str) -> bool:
    keys = set(_struct_keys(column_type))
    return "type" in keys and "geometry" in keys


def _struct_children(column_type: str) -> list[tuple[str, str]]:
    """(key, type) of a struct's members."""
    result = []
    for member in _struct_members(column_type):
        if member.startswith('"'):
            key, _, rest = member[1:].partition('"')
        else:
            key, _, rest = member.partition(" ")
        result.append((key, rest.strip()))
    return result


def _flatten(
    columns: list[tuple[str, str]], prefix_expression: str = "", prefix_label: str = "", offset: int = 0
) -> tuple[list[StagedColumn], str]:
    """Staged columns for JSON members; objects at the first level give one column per key."""
    staged: list[StagedColumn] = []
    selects: list[str] = []
    for name, column_type in columns:
        expression = f"{prefix_expression}.{quote_identifier(name)}" if prefix_expression else quote_identifier(name)
        label = f"{prefix_label}.{name}" if prefix_label else name
        field_type, sql = scalar_column(expression, column_type)
        nested = column_type.startswith("STRUCT(") and not column_type.endswith("[]")
        if not prefix_label and nested and field_type is None:
            more, select = _flatten(_struct_children(column_type), expression, label, offset + len(staged))
            staged.extend(more)
            selects.append(select)
            continue
        column_name = f"c{offset + len(staged) + 1}"
        values = list_column(expression, column_type, strings_only=True)
        if values is not None:
            staged.append(StagedColumn(column_name, label, "text", multivalued=True))
            sql = values
        else:
            staged.append(StagedColumn(column_name, label, field_type, textual=field_type is None))
        selects.append(f"{sql} AS {quote_identifier(column_name)}")
    return staged, ", ".join(select for select in selects if select)


def _geojson_columns(
    con: duckdb.DuckDBPyConnection, records: str, columns: list[tuple[str, str]], epsg: int
) -> tuple[list[StagedColumn], str]:
    types = dict(columns)
    properties = _struct_children(types["properties"]) if types.get("properties", "").startswith("STRUCT(") else []
    staged, select = _flatten(properties, quote_identifier("properties"))
    if "geometry" not in types:
        return staged, select
    geometry = _geometry_from_geojson(quote_identifier("geometry"), epsg)
    points_only = _only_points(con, records)
    has_point = any(column.type == "geo_point_2d" for column in staged)
    if points_only and has_point:
        return staged, select
    column_name = f"c{len(staged) + 1}"
    if points_only:
        staged.append(StagedColumn(column_name, "geo_point_2d", "geo_point_2d"))
        expression = point_struct(f"ST_X({geometry})", f"ST_Y({geometry})")
    else:
        staged.append(StagedColumn(column_name, "geo_shape", "geo_shape"))
        expression = geometry
    return staged, ", ".join(part for part in (select, f"{expression} AS {quote_identifier(column_name)}") if part)


def _geometry_from_geojson(expression: str, epsg: int) -> str:
    geometry = f"try(ST_Force2D(ST_GeomFromGeoJSON(CAST(to_json({expression}) AS VARCHAR))))"
    if epsg != 4326:
        geometry = f"ST_Transform({geometry}, {quote_literal(f'EPSG:{int(epsg)}')}, 'EPSG:4326', always_xy := true)"
    return geometry


def _only_points(con: duckdb.DuckDBPyConnection, records: str) -> bool:
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE geometry IS NOT NULL), "
        f"count(*) FILTER (WHERE CAST(geometry.type AS VARCHAR) = 'Point') FROM {quote_identifier(records)}"
    ).fetchone()
    return bool(row and row[0] and row[0] == row[1])
