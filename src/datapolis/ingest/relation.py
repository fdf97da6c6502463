"""From a reader's staging table to the typed relation the store versions.

Every reader stages its file as a temporary table, or a view over the file (CSV):
text columns to type (VARCHAR), and columns whose type the format already tells (JSON
numbers, GDAL attributes, geometries, Parquet). This module names the fields, infers
or applies their types, writes the typed rows in one pass that also checks every value
fitted its type, adds the geo_point_2d a coordinate pair stands for, and returns a view
over the typed rows: scanning it cannot fail.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.engine.store import Prepared
from datapolis.ingest import inference
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.options import ReadOptions
from datapolis.schema import FIELD_TYPES, FieldSpec, FieldType, normalise_field_name

GEO_POINT_NAME = "geo_point_2d"
GEO_POINT_LABEL = "Geo Point"

MAX_SEPARATOR_LENGTH = 5  # what the catalog keeps of a field's separator

_LAT_WORDS = {"lat", "latitude", "ylat", "ylatitude"}
_LON_WORDS = {"lon", "lng", "long", "longitude", "xlon", "xlong", "xlongitude"}
_X_WORDS = {"x", "xl93", "x93", "xlambert", "coordx"}
_Y_WORDS = {"y", "yl93", "y93", "ylambert", "coordy"}
# Where WGS84 longitudes and latitudes lie.
LONGITUDES = (-180.0, 180.0)
LATITUDES = (-90.0, 90.0)
# Where Lambert-93 coordinates of France (mainland and Corsica) lie, with a margin.
_LAMBERT93_X = (-400_000.0, 1_600_000.0)
_LAMBERT93_Y = (5_900_000.0, 7_300_000.0)


def new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@dataclass
class StagedColumn:
    column: str  # its name in the staging table
    label: str  # what the file calls it
    type: FieldType | None = None  # None: VARCHAR whose type is inferred; else holds that type's storage value
    textual: bool = False  # a string of a typed format (JSON...): never read as a number or boolean
    multivalued: bool = False  # a list of values of a typed format (Parquet, JSON): VARCHAR[], type "text"


def _no_check() -> None:
    return None


@dataclass
class Staging:
    """A reader's rows: a temporary table, or a view over the file (CSV) that is scanned once in full."""

    path: str
    table: str
    columns: list[StagedColumn]
    row_count: int | None  # None: known after the full scan (a view)
    locate: Callable[[int], int | None] = lambda _index: None  # 0-based record -> line (or row) for errors
    source: dict[str, Any] = field(default_factory=dict)
    is_view: bool = False
    after_scan: Callable[[], None] = _no_check  # raises the IngestError of problems found while scanning
    scan_error: Callable[[duckdb.Error], IngestError] | None = None  # what a failed scan of the view means
    cleanup: Callable[[], None] = _no_check  # runs once the typed rows are written (or on failure)


@dataclass
class _Field:
    spec: FieldSpec
    expression: str
    staged: StagedColumn | None = None


def build(con: duckdb.DuckDBPyConnection, staging: Staging, options: ReadOptions) -> Prepared:
    """Name, type and assemble the fields; materialise them; return what the store needs."""
    try:
        with _scanning(staging):
            return _build(con, staging, options)
    finally:
        staging.cleanup()


@contextmanager
def _scanning(staging: Staging) -> Iterator[None]:
    """A view over a file fails with the file's problem, said as the reader says it."""
    try:
        yield
    except duckdb.Error as error:
        if staging.scan_error is None:
            raise
        raise staging.scan_error(error) from error


def _build(con: duckdb.DuckDBPyConnection, staging: Staging, options: ReadOptions) -> Prepared:
    taken: set[str] = set()
    names = [normalise_field_name(column.label, taken) for column in staging.columns]
    forced_types = _forced_types(staging, names, options)
    separators = _separators(staging, names, options, forced_types)
    forced = {
        name: _forced(con, staging, column, name, position, forced_types[name])
        for position, (column, name) in enumerate(zip(staging.columns, names, strict=True), start=1)
        if name in forced_types and name not in separators
    }
    to_infer = [
        inference.TextColumn(column.column, column.label, column.textual)
        for column, name in zip(staging.columns, names, strict=True)
        if column.type is None and name not in forced and name not in separators
    ]
    conversions = inference.sample_conversions(con, staging.table, to_infer, staging.row_count)
    while True:
        fields = _fields(staging, names, forced, conversions, separators)
        typed, failing = _materialise(con, staging, fields, conversions)
        if not failing:
            break
        # the sample missed a value: judge those columns on all their rows (they then pass)
        con.execute(f"DROP TABLE {quote_identifier(typed)}")
        conversions.update(inference.full_conversions(con, staging.table, [c for c in to_infer if c.column in failing]))
    con.execute(f"DROP {'VIEW' if staging.is_view else 'TABLE'} {quote_identifier(staging.table)}")
    row = con.execute(f"SELECT count(*) FROM {quote_identifier(typed)}").fetchone()
    row_count = int(row[0]) if row else 0
    fields = [_Field(f.spec, quote_identifier(f.spec.name), f.staged) for f in fields]
    derived = _derived_point(con, typed, fields, options, taken, staging.source)
    if derived is not None:
        fields.append(derived)
    view = new_name("ingest_view")
    select = ", ".join(f"{f.expression} AS {quote_identifier(f.spec.name)}" for f in fields)
    con.execute(f"CREATE TEMP VIEW {quote_identifier(view)} AS SELECT {select} FROM {quote_identifier(typed)}")
    source = {**staging.source, "rows": row_count}
    if options.original_name:
        source["original_name"] = options.original_name
    if options.field_types:
        source["field_types"] = dict(options.field_types)
    if options.multivalued:
        source["multivalued"] = dict(options.multivalued)
    return Prepared(view, [f.spec for f in fields], source)


def _fields(
    staging: Staging,
    names: list[str],
    forced: dict[str, tuple[FieldType, str]],
    conversions: dict[str, inference.Conversion | None],
    separators: dict[str, str],
) -> list[_Field]:
    fields = []
    for column, name in zip(staging.columns, names, strict=True):
        annotations: dict[str, list[Any]] = {}
        if name in separators:
            field_type, expression = "text", _values(column, separators[name])
            annotations["multivalued"] = [separators[name]]
        elif name in forced:
            field_type, expression = forced[name]
        elif column.type is None:
            field_type, expression = _inferred(column, conversions.get(column.column))
        else:
            field_type, expression = column.type, quote_identifier(column.column)
        fields.append(_Field(FieldSpec(name, column.label, field_type, annotations=annotations), expression, column))
    return fields


def _materialise(
    con: duckdb.DuckDBPyConnection,
    staging: Staging,
    fields: list[_Field],
    conversions: dict[str, inference.Conversion | None],
) -> tuple[str, set[str]]:
    """One pass writes the typed rows and tells which inferred columns lost a value (the check)."""
    checked = [f for f in fields if f.staged is not None and conversions.get(f.staged.column) is not None]
    flags = {f.spec.name: f"_present_{index}" for index, f in enumerate(checked)}
    columns = [f"{f.expression} AS {quote_identifier(f.spec.name)}" for f in fields]
    columns += [
        f"({inference.value_expression(f.staged.column)} IS NOT NULL) AS {flags[f.spec.name]}"
        for f in checked
        if f.staged is not None
    ]
    typed = new_name("ingest_typed")
    con.execute(
        f"CREATE TEMP TABLE {quote_identifier(typed)} AS SELECT {', '.join(columns)} "
        f"FROM {quote_identifier(staging.table)}"
    )
    try:
        staging.after_scan()
    except IngestError:
        con.execute(f"DROP TABLE {quote_identifier(typed)}")
        raise
    if not checked:
        return typed, set()
    lost = [
        f"count(*) FILTER (WHERE {flags[f.spec.name]} AND {quote_identifier(f.spec.name)} IS NULL)" for f in checked
    ]
    row = con.execute(f"SELECT {', '.join(lost)} FROM {quote_identifier(typed)}").fetchone()
    assert row is not None
    return typed, {f.staged.column for f, count in zip(checked, row, strict=True) if count and f.staged}


def _inferred(column: StagedColumn, conversion: inference.Conversion | None) -> tuple[FieldType, str]:
    if conversion is None:
        return "text", f"NULLIF({quote_identifier(column.column)}, '')"
    return conversion.type, conversion.sql(inference.value_expression(column.column))


def _option_field(staging: Staging, names: list[str], key: str) -> str:
    """The field an option names, by its name or by the header as written (a name not in `names` if none)."""
    if key in names:
        return key
    by_label = {column.label: name for column, name in zip(staging.columns, names, strict=True)}
    return by_label.get(key) or normalise_field_name(key)


def _forced_types(staging: Staging, names: list[str], options: ReadOptions) -> dict[str, FieldType]:
    """Publisher overrides, keyed by field name (a header as written is accepted too)."""
    forced: dict[str, FieldType] = {}
    for key, field_type in options.field_types.items():
        name = _option_field(staging, names, key)
        if name not in names:
            raise IngestError(
                staging.path,
                gettext_noop("The type given for %(field)s names no column of the file."),
                {"field": key},
                code="bad_option",
                field=key,
            )
        if field_type not in FIELD_TYPES:
            raise IngestError(
                staging.path,
                gettext_noop("Unknown field type %(type)s for %(field)s."),
                {"type": field_type, "field": key},
                code="bad_option",
                field=name,
            )
        forced[name] = field_type
    for key in options.text_fields:
        name = _option_field(staging, names, key)
        if name in names:
            forced.setdefault(name, "text")
    return forced


# -- multivalued fields -------------------------------------------------------------


def _separators(
    staging: Staging, names: list[str], options: ReadOptions, forced_types: dict[str, FieldType]
) -> dict[str, str]:
    """The multivalued fields and their separators: those the options name, and every list of a typed format."""
    separators = {name: "," for column, name in zip(staging.columns, names, strict=True) if column.multivalued}
    for key, separator in options.multivalued.items():
        name = _option_field(staging, names, key)
        if name not in names:
            raise _bad_multivalued(
                staging,
                gettext_noop("The multivalued field %(field)s names no column of the file (its fields: %(fields)s)."),
                {"field": key, "fields": ", ".join(names)},
                key,
            )
        if not isinstance(separator, str) or not 1 <= len(separator) <= MAX_SEPARATOR_LENGTH:
            raise _bad_multivalued(
                staging,
                gettext_noop("The separator of multivalued field %(field)s must be 1 to %(max)s characters."),
                {"field": key, "max": MAX_SEPARATOR_LENGTH},
                name,
            )
        separators[name] = separator
    for column, name in zip(staging.columns, names, strict=True):
        if name in separators:
            _check_multivalued(staging, column, name, forced_types.get(name))
    return separators


def _check_multivalued(staging: Staging, column: StagedColumn, name: str, forced_type: FieldType | None) -> None:
    """A multivalued field holds text: neither geometries nor another forced type."""
    if column.type in ("geo_point_2d", "geo_shape"):
        raise _bad_multivalued(
            staging,
            gettext_noop("Field %(field)s holds geometries and cannot be multivalued."),
            {"field": name},
            name,
        )
    if forced_type not in (None, "text"):
        raise _bad_multivalued(
            staging,
            gettext_noop("Field %(field)s is multivalued: its values are text, not %(type)s."),
            {"field": name, "type": forced_type},
            name,
        )


def _bad_multivalued(staging: Staging, template: str, params: dict[str, Any], field_name: str) -> IngestError:
    return IngestError(staging.path, template, params, code="bad_option", field=field_name)


def _values(column: StagedColumn, separator: str) -> str:
    """The `VARCHAR[]` of a multivalued field: text split on `separator`, each value trimmed.

    Empty values are dropped (`a,,b`, a list's NULLs), and a record without values has NULL,
    as in Opendatasoft's exports.
    """
    quoted = quote_identifier(column.column)
    if column.multivalued:
        values = quoted
    else:
        text = quoted if column.type in (None, "text") else _as_text(column)
        values = f"list_transform(string_split({text}, {quote_literal(separator)}), lambda _v: trim(_v))"
    return f"nullif(list_filter({values}, lambda _v: _v <> ''), CAST([] AS VARCHAR[]))"


def _forced(
    con: duckdb.DuckDBPyConnection,
    staging: Staging,
    column: StagedColumn,
    name: str,
    position: int,
    field_type: FieldType,
) -> tuple[FieldType, str]:
    quoted = quote_identifier(column.column)
    if column.type == field_type:
        return field_type, quoted
    if field_type == "text":
        return "text", _as_text(column)
    if column.type is not None:
        if {column.type, field_type} <= {"int", "double"}:
            return field_type, f"CAST({quoted} AS {'BIGINT' if field_type == 'int' else 'DOUBLE'})"
        raise IngestError(
            staging.path,
            gettext_noop("Field %(field)s holds %(actual)s values and cannot be read as %(type)s."),
            {"field": name, "actual": column.type, "type": field_type},
            code="bad_option",
            column=position,
            field=name,
        )
    keys = inference.FORCED[field_type]
    for key in keys:
        conversion = inference.CONVERSIONS[key]
        if not inference.rejected_count(con, staging.table, column.column, conversion):
            return field_type, conversion.verified_sql(inference.value_expression(column.column))
    staging.after_scan()  # a broken file is said before a value that does not fit
    rejected = _first_rejected(con, staging, column.column, inference.CONVERSIONS[keys[0]])
    index, value = rejected
    raise IngestError(
        staging.path,
        gettext_noop("The value %(value)s of field %(field)s is not a valid %(type)s."),
        {"value": value, "field": name, "type": field_type},
        code="bad_value",
        line=staging.locate(index),
        column=position,
        field=name,
    )


def _first_rejected(
    con: duckdb.DuckDBPyConnection, staging: Staging, column: str, conversion: inference.Conversion
) -> tuple[int, str]:
    """Row numbers need a table: a view over a file is copied first (only on this error path)."""
    table = staging.table
    if staging.is_view:
        table = new_name("ingest_rows")
        con.execute(f"CREATE TEMP TABLE {quote_identifier(table)} AS SELECT * FROM {quote_identifier(staging.table)}")
    try:
        rejected = inference.first_rejected(con, table, column, conversion)
    finally:
        if table != staging.table:
            con.execute(f"DROP TABLE {quote_identifier(table)}")
    assert rejected is not None
    return rejected


def _as_text(column: StagedColumn) -> str:
    quoted = quote_identifier(column.column)
    if column.type == "geo_shape":
        return f"ST_AsGeoJSON({quoted})"
    if column.type == "geo_point_2d":
        return f"CASE WHEN {quoted} IS NOT NULL THEN concat({quoted}.lat, ', ', {quoted}.lon) END"
    return f"CAST({quoted} AS VARCHAR)"


# -- coordinate pairs --------------------------------------------------------------


def _derived_point(
    con: duckdb.DuckDBPyConnection,
    table: str,
    fields: list[_Field],
    options: ReadOptions,
    taken: set[str],
    source: dict[str, Any],
) -> _Field | None:
    """A geo_point_2d from a latitude/longitude pair, or from projected X/Y when an EPSG is declared."""
    if any(f.spec.type == "geo_point_2d" for f in fields):
        return None
    numeric = [f for f in fields if f.spec.type in ("int", "double")]
    pair = _pair(numeric, _LAT_WORDS, _LON_WORDS)
    if pair is not None and _within(con, table, pair, LATITUDES, LONGITUDES):
        lat, lon = pair
        expression = _point_expression(f"CAST({lon.expression} AS DOUBLE)", f"CAST({lat.expression} AS DOUBLE)")
        source["geo_point_2d"] = {"from": [lat.spec.name, lon.spec.name]}
        name = normalise_field_name(GEO_POINT_NAME, taken)
        return _Field(FieldSpec(name, GEO_POINT_LABEL, "geo_point_2d"), expression)
    if options.epsg and options.epsg != 4326:
        pair = _pair(numeric, _Y_WORDS, _X_WORDS)
        if pair is not None and _projected_ok(con, table, pair, options.epsg):
            y, x = pair
            source["geo_point_2d"] = {"from": [x.spec.name, y.spec.name], "epsg": options.epsg}
            name = normalise_field_name(GEO_POINT_NAME, taken)
            return _Field(FieldSpec(name, GEO_POINT_LABEL, "geo_point_2d"), _reprojected(x, y, options.epsg))
    return None


def _point_expression(lon: str, lat: str) -> str:
    return f"(CASE WHEN {lon} IS NOT NULL AND {lat} IS NOT NULL THEN {inference.point_struct(lon, lat)} END)"


def _reprojected(x: _Field, y: _Field, epsg: int) -> str:
    point = (
        f"ST_Transform(ST_Point(CAST({x.expression} AS DOUBLE), CAST({y.expression} AS DOUBLE)), "
        f"{quote_literal(f'EPSG:{int(epsg)}')}, 'EPSG:4326', always_xy := true)"
    )
    return (
        f"(CASE WHEN {x.expression} IS NOT NULL AND {y.expression} IS NOT NULL "
        f"THEN {inference.point_struct(f'ST_X({point})', f'ST_Y({point})')} END)"
    )


def _pair(fields: list[_Field], first_words: set[str], second_words: set[str]) -> tuple[_Field, _Field] | None:
    """The two columns a coordinate pair is made of, matched by what is left of their names."""
    firsts = [(f, _rest(f, first_words)) for f in fields if _rest(f, first_words) is not None]
    seconds = [(f, _rest(f, second_words)) for f in fields if _rest(f, second_words) is not None]
    for first, rest in firsts:
        for second, other in seconds:
            if rest == other:
                return first, second
    if len(firsts) == 1 and len(seconds) == 1:
        return firsts[0][0], seconds[0][0]
    return None


def _rest(f: _Field, words: set[str]) -> tuple[str, ...] | None:
    label_words = inference.header_words(f.spec.label)
    found = [word for word in label_words if word in words]
    if len(found) != 1:
        return None
    return tuple(word for word in label_words if word != found[0])


def _within(
    con: duckdb.DuckDBPyConnection,
    table: str,
    pair: tuple[_Field, _Field],
    first_range: tuple[float, float],
    second_range: tuple[float, float],
) -> bool:
    first, second = pair
    query = (
        f"SELECT min({first.expression}), max({first.expression}), min({second.expression}), "
        f"max({second.expression}) FROM {quote_identifier(table)}"
    )
    return bounds_within(con, query, first_range, second_range, empty=False)


def _projected_ok(con: duckdb.DuckDBPyConnection, table: str, pair: tuple[_Field, _Field], epsg: int) -> bool:
    """Lambert-93 values must lie in France; other projections must land on valid lon/lat."""
    y, x = pair
    if epsg == 2154:
        return _within(con, table, (x, y), _LAMBERT93_X, _LAMBERT93_Y)
    point = _reprojected(x, y, epsg)
    query = (
        f"SELECT min(p.lon), max(p.lon), min(p.lat), max(p.lat) FROM (SELECT {point} AS p "
        f"FROM {quote_identifier(table)})"
    )
    return bounds_within(con, query, LONGITUDES, LATITUDES, empty=False)


def bounds_within(
    con: duckdb.DuckDBPyConnection,
    query: str,
    first_range: tuple[float, float],
    second_range: tuple[float, float],
    *,
    empty: bool,
) -> bool:
    """Whether the bounds `query` returns (min first, max first, min second, max second) lie within the ranges.

    `empty` is the answer when there is no value to bound.
    """
    row = con.execute(query).fetchone()
    if row is None or None in row:
        return empty
    low1, high1, low2, high2 = (float(value) for value in row)
    return first_range[0] <= low1 <= high1 <= first_range[1] and second_range[0] <= low2 <= high2 <= second_range[1]
