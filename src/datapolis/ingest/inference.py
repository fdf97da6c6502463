"""Type inference over text columns, in SQL, so a million rows take a fraction of a second.

Every conversion below is a SQL expression that yields the field's storage value, or
NULL when the text does not fit: it never raises, so the relation handed to the store
never fails when scanned. A column gets the first type, in `_CANDIDATES` order, whose
conversion accepts every non-empty value: first judged on a sample of rows, then
checked on the whole column while the typed rows are written (a column that loses a
value there is judged again on all its rows). See docs/ingest.md for the rules.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.schema import FieldType

# Naive datetimes are local time of the platform's territory.
LOCAL_TIMEZONE = "Europe/Paris"
SAMPLE_HEAD_ROWS = 2000
SAMPLE_SPREAD_ROWS = 10000
MAX_INT_DIGITS = 15  # longer digit strings are identifiers (EAN, IBAN parts...), not quantities

# Cells that mean "no value" in typed columns (text columns keep them as written).
NULL_MARKERS = ("", "-", "--", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "None", "NaN", "nan", "NC", "ND", "NR")

_SEP = "[ \u00a0\u202f]"  # thousands separators: space, no-break space, narrow no-break space
_INT_PART = rf"(0|[1-9][0-9]*|[1-9][0-9]{{0,2}}({_SEP}[0-9]{{3}})+)"
_INT_RE = rf"[+-]?(0|[1-9][0-9]{{0,{MAX_INT_DIGITS - 1}}}|[1-9][0-9]{{0,2}}({_SEP}[0-9]{{3}}){{1,4}})"
_POINT_RE = rf"[+-]?({_INT_PART}(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_COMMA_RE = rf"[+-]?({_INT_PART}|[1-9][0-9]{{0,2}}(\.[0-9]{{3}})+)(,[0-9]+)?([eE][+-]?[0-9]+)?"
_TRUE_WORDS = ("oui", "vrai", "true", "yes")
_FALSE_WORDS = ("non", "faux", "false", "no")
_OFFSET_RE = r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)"
_TIME_RE = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
_ISO_DATETIME_RE = rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}([T ]{_TIME_RE}( ?{_OFFSET_RE})?)?"
_HAS_OFFSET_RE = rf"{_TIME_RE} ?{_OFFSET_RE}$"
_DMY_DATETIME_RE = r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?"
_LATLON_RE = r"[+-]?[0-9]{1,2}\.[0-9]+ *, *[+-]?[0-9]{1,3}\.[0-9]+"
_WKT_RE = r"(?i)((MULTI)?(POINT|LINESTRING|POLYGON)|GEOMETRYCOLLECTION) ?(Z|M|ZM)? ?(\(.*\)|EMPTY)"

# Header words that make a numeric-looking column an identifier (kept as text).
_IDENTIFIER_WORDS = {
    "code", "insee", "siret", "siren", "postal", "zip", "id", "identifiant", "ident",
    "telephone", "tel", "phone", "fax", "mobile", "portable", "uai", "rna", "naf", "ape", "iban", "nir", "ean",
    "isbn", "finess", "cedex", "codepostal", "codeinsee", "dep",
}  # fmt: skip
_DATE_WORDS = {
    "date", "dates", "jour", "day", "debut", "fin", "start", "end", "naissance", "creation", "maj", "modification",
    "update", "updated", "created", "echeance", "ouverture", "fermeture", "publication", "dt",
}  # fmt: skip
_BOOLEAN_PREFIXES = {"is", "has", "est", "flag", "bool"}
_BOOLEAN_SUFFIXES = {"flag", "bool", "booleen"}


def sql_list(values: Iterable[str]) -> str:
    """A list literal; list_contains over it plans in microseconds where IN (...) takes milliseconds."""
    return "[" + ", ".join(quote_literal(value) for value in values) + "]"


def value_expression(column: str) -> str:
    """The trimmed cell, NULL when empty or a no-value marker."""
    trimmed = f"trim({quote_identifier(column)})"
    return f"(CASE WHEN list_contains({sql_list(NULL_MARKERS)}, {trimmed}) THEN NULL ELSE {trimmed} END)"


def _match(value: str, pattern: str) -> str:
    return f"regexp_full_match({value}, {quote_literal(pattern)})"


def _strptime_date(value: str, pattern: str, fmt: str) -> str:
    return f"(CASE WHEN {_match(value, pattern)} THEN CAST(try_strptime({value}, {quote_literal(fmt)}) AS DATE) END)"


def _local(timestamp: str) -> str:
    return f"timezone({quote_literal(LOCAL_TIMEZONE)}, {timestamp})"


@dataclass(frozen=True)
class Conversion:
    """One way to read text as a field type; `sql(v)` never raises."""

    key: str
    type: FieldType
    needs: str = ""  # "boolean_name", "date_name": only for columns whose header says so

    def sql(self, v: str) -> str:
        return _SQL[self.key](v)

    def verified_sql(self, v: str) -> str:
        """The same values, faster, for a column whose every value `sql` was checked to accept.

        A plain cast is tried first and the guarded conversion only where it fails: on
        values that passed the guard, both give the same result.
        """
        fast = _FAST.get(self.key)
        return fast(v, self.sql(v)) if fast else self.sql(v)


def _int(v: str) -> str:
    cleaned = f"regexp_replace({v}, {quote_literal(_SEP)}, '', 'g')"
    return f"(CASE WHEN {_match(v, _INT_RE)} THEN TRY_CAST({cleaned} AS BIGINT) END)"


def _double_point(v: str) -> str:
    cleaned = f"regexp_replace({v}, {quote_literal(_SEP)}, '', 'g')"
    return f"(CASE WHEN {_match(v, _POINT_RE)} THEN TRY_CAST({cleaned} AS DOUBLE) END)"


def _double_comma(v: str) -> str:
    cleaned = f"replace(regexp_replace({v}, '[ \u00a0\u202f.]', '', 'g'), ',', '.')"
    return f"(CASE WHEN {_match(v, _COMMA_RE)} THEN TRY_CAST({cleaned} AS DOUBLE) END)"


def _boolean_words(v: str) -> str:
    return (
        f"(CASE WHEN list_contains({sql_list(_TRUE_WORDS)}, lower({v})) THEN true "
        f"WHEN list_contains({sql_list(_FALSE_WORDS)}, lower({v})) THEN false END)"
    )


def _boolean_digits(v: str) -> str:
    return f"(CASE WHEN {v} = '1' THEN true WHEN {v} = '0' THEN false END)"


def _datetime_iso(v: str) -> str:
    has_offset = f"regexp_matches({v}, {quote_literal(_HAS_OFFSET_RE)})"
    return (
        f"(CASE WHEN {_match(v, _ISO_DATETIME_RE)} THEN (CASE WHEN {has_offset} "
        f"THEN TRY_CAST({v} AS TIMESTAMPTZ) ELSE {_local(f'TRY_CAST({v} AS TIMESTAMP)')} END) END)"
    )


def _datetime_dmy(v: str) -> str:
    parsed = f"try_strptime(replace({v}, 'T', ' '), ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M'])"
    return f"(CASE WHEN {_match(v, _DMY_DATETIME_RE)} THEN {_local(parsed)} END)"


def _latlon_text(v: str) -> str:
    lat = f"TRY_CAST(trim(split_part({v}, ',', 1)) AS DOUBLE)"
    lon = f"TRY_CAST(trim(split_part({v}, ',', 2)) AS DOUBLE)"
    return (
        f"(CASE WHEN {_match(v, _LATLON_RE)} AND {lat} BETWEEN -90 AND 90 AND {lon} BETWEEN -180 AND 180 "
        f"THEN {point_struct(lon, lat)} END)"
    )


def _geojson_text(v: str) -> str:
    return f"(CASE WHEN {v} LIKE '{{%}}' THEN try(ST_Force2D(ST_GeomFromGeoJSON({v}))) END)"


def _wkt_text(v: str) -> str:
    return f"(CASE WHEN {_match(v, _WKT_RE)} THEN try(ST_Force2D(ST_GeomFromText({v}))) END)"


def point_struct(lon: str, lat: str) -> str:
    return f"CAST(struct_pack(lon := {lon}, lat := {lat}) AS STRUCT(lon DOUBLE, lat DOUBLE))"


_SQL = {
    "boolean_words": _boolean_words,
    "boolean_digits": _boolean_digits,
    "date_compact": lambda v: _strptime_date(v, "(18|19|20|21)[0-9]{6}", "%Y%m%d"),
    "int": _int,
    "double_point": _double_point,
    "double_comma": _double_comma,
    "date_iso": lambda v: _strptime_date(v, "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", "%Y-%m-%d"),
    "date_dmy_slash": lambda v: _strptime_date(v, "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", "%d/%m/%Y"),
    "date_dmy_dash": lambda v: _strptime_date(v, "[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}", "%d-%m-%Y"),
    "date_dmy_dot": lambda v: _strptime_date(v, r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}", "%d.%m.%Y"),
    "date_ymd_slash": lambda v: _strptime_date(v, "[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}", "%Y/%m/%d"),
    "datetime_iso": _datetime_iso,
    "datetime_dmy": _datetime_dmy,
    "geo_point_text": _latlon_text,
    "geojson_text": _geojson_text,
    "wkt_text": _wkt_text,
}

_FAST = {
    "int": lambda v, full: f"coalesce(TRY_CAST({v} AS BIGINT), {full})",
    "double_point": lambda v, full: f"coalesce(TRY_CAST({v} AS DOUBLE), {full})",
    # a dot is a thousands separator in this style: only dot-free values take the short way
    "double_comma": lambda v, full: (
        f"(CASE WHEN contains({v}, '.') THEN {full} "
        f"ELSE coalesce(TRY_CAST(replace({v}, ',', '.') AS DOUBLE), {full}) END)"
    ),
    "date_iso": lambda v, full: f"coalesce(TRY_CAST({v} AS DATE), {full})",
}

# In priority order: the first conversion that accepts every value wins.
_CANDIDATES = (
    Conversion("boolean_words", "boolean"),
    Conversion("boolean_digits", "boolean", needs="boolean_name"),
    Conversion("date_compact", "date", needs="date_name"),
    Conversion("int", "int", needs="not_identifier"),
    Conversion("double_point", "double", needs="not_identifier"),
    Conversion("double_comma", "double", needs="not_identifier"),
    Conversion("date_iso", "date"),
    Conversion("date_dmy_slash", "date"),
    Conversion("date_dmy_dash", "date"),
    Conversion("date_dmy_dot", "date"),
    Conversion("date_ymd_slash", "date"),
    Conversion("datetime_iso", "datetime"),
    Conversion("datetime_dmy", "datetime"),
    Conversion("geo_point_text", "geo_point_2d"),
    Conversion("geojson_text", "geo_shape"),
    Conversion("wkt_text", "geo_shape"),
)
CONVERSIONS = {conversion.key: conversion for conversion in _CANDIDATES}
# What a publisher's forced type tries, in order, when the column is text.
FORCED = {
    "int": ("int", "int_lenient"),
    "double": ("double_point", "double_comma"),
    "boolean": ("boolean_words", "boolean_digits"),
    "date": ("date_iso", "date_dmy_slash", "date_dmy_dash", "date_dmy_dot", "date_ymd_slash", "date_compact"),
    "datetime": ("datetime_iso", "datetime_dmy"),
    "geo_point_2d": ("geo_point_text",),
    "geo_shape": ("geojson_text", "wkt_text"),
}
_SQL["int_lenient"] = lambda v: (
    f"(CASE WHEN {_match(v, f'[+-]?[0-9]+|{_INT_RE}')} THEN "
    f"TRY_CAST(regexp_replace({v}, {quote_literal(_SEP)}, '', 'g') AS BIGINT) END)"
)
CONVERSIONS["int_lenient"] = Conversion("int_lenient", "int")


def header_words(label: str) -> list[str]:
    """Lower-case words of a header, camelCase split: "idBeneficiaire" -> ["id", "beneficiaire"]."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", label)
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii").lower()
    return [word for word in re.split(r"[^a-z0-9]+", ascii_text) if word]


def name_allows(conversion: Conversion, label: str) -> bool:
    """Some conversions depend on what the header says the column holds."""
    words = header_words(label)
    if conversion.needs == "not_identifier":
        # "cp" alone or first is a postal code; inside a header it is a school year ("élèves en CP")
        return not set(words) & _IDENTIFIER_WORDS and words[:1] != ["cp"]
    if conversion.needs == "date_name":
        return bool(set(words) & _DATE_WORDS)
    if conversion.needs == "boolean_name":
        return bool(words) and (words[0] in _BOOLEAN_PREFIXES or words[-1] in _BOOLEAN_SUFFIXES)
    return True


@dataclass
class TextColumn:
    """A VARCHAR column of the staging table whose type is to be inferred."""

    column: str
    label: str
    textual: bool = False  # typed formats' strings: only dates, datetimes and geometries are read from them


_NOT_FROM_STRINGS = {"boolean_words", "boolean_digits", "date_compact", "int", "double_point", "double_comma"}


def sample_conversions(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[TextColumn], row_count: int | None
) -> dict[str, Conversion | None]:
    """The conversion of each text column (None: stays text), judged on a sample of the rows.

    The caller checks the choice on every row while converting (see relation.build) and
    asks full_conversions() again for the columns where a value did not fit.
    """
    if not columns:
        return {}
    return _choose(con, _sample_relation(table, row_count), columns)


def full_conversions(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[TextColumn]
) -> dict[str, Conversion | None]:
    """The conversion of each column, judged on all its rows."""
    return _choose(con, quote_identifier(table), columns) if columns else {}


def _sample_relation(table: str, row_count: int | None) -> str:
    """The first rows and a reservoir sample of the rest (not a rowid filter: spatial's optimizer rejects those).

    A view over a file (row_count None) gives its first rows only: a reservoir would
    read the whole file once more.
    """
    quoted = quote_identifier(table)
    if row_count is None:
        return f"(SELECT * FROM {quoted} LIMIT {SAMPLE_HEAD_ROWS + SAMPLE_SPREAD_ROWS})"
    if row_count <= SAMPLE_HEAD_ROWS + SAMPLE_SPREAD_ROWS:
        return quoted
    return (
        f"((SELECT * FROM {quoted} LIMIT {SAMPLE_HEAD_ROWS}) UNION ALL "
        f"(SELECT * FROM {quoted} USING SAMPLE reservoir({SAMPLE_SPREAD_ROWS} ROWS) REPEATABLE (42)))"
    )


def _normalised(relation: str, columns: Iterable[str]) -> str:
    """The relation with each column replaced by its trimmed value, NULL for no-value markers."""
    select = ", ".join(f"{value_expression(column)} AS {quote_identifier(column)}" for column in columns)
    return f"(SELECT {select} FROM {relation})"


# Character classes that each family of conversions needs: a cheap first filter.
_FAMILIES = (
    ("numeric", "[0-9 .,+eE  -]+", {"boolean_digits", "date_compact", "int", "double_point", "double_comma"}),
    ("temporal", "[0-9/.: TZ+-]+", {"date_iso", "date_dmy_slash", "date_dmy_dash", "date_dmy_dot", "date_ymd_slash",
                                    "datetime_iso", "datetime_dmy"}),
    ("point", _LATLON_RE, {"geo_point_text"}),
    ("shape", r"(?s)(\{|[A-Za-z]+ ?(Z|M|ZM)? ?\().*", {"geojson_text", "wkt_text"}),
)  # fmt: skip


def _choose(con: duckdb.DuckDBPyConnection, relation: str, columns: list[TextColumn]) -> dict[str, Conversion | None]:
    """Keep, per column, the first allowed conversion that accepts every value of `relation`."""
    table = f"ingest_values_{uuid.uuid4().hex[:12]}"
    normalised = _normalised(relation, [c.column for c in columns])
    con.execute(f"CREATE TEMP TABLE {quote_identifier(table)} AS SELECT * FROM {normalised}")
    try:
        families = _families(con, quote_identifier(table), columns)
        plan: list[tuple[TextColumn, list[Conversion]]] = []
        for column in columns:
            allowed = [
                c
                for c in _CANDIDATES
                if name_allows(c, column.label)
                and (c.key == "boolean_words" or c.key in families[column.column])
                and not (column.textual and c.key in _NOT_FROM_STRINGS)
            ]
            plan.append((column, allowed))
        return {column.column: _first_accepting(con, table, column, allowed) for column, allowed in plan}
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")


def _first_accepting(
    con: duckdb.DuckDBPyConnection, table: str, column: TextColumn, allowed: list[Conversion]
) -> Conversion | None:
    v = quote_identifier(column.column)
    aggregates = [f"count({v})", *(f"count({conversion.sql(v)})" for conversion in allowed)]
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM {quote_identifier(table)}").fetchone()
    assert row is not None
    present, *counts = row
    return next((c for c, count in zip(allowed, counts, strict=True) if present and count == present), None)


def _families(con: duckdb.DuckDBPyConnection, normalised: str, columns: list[TextColumn]) -> dict[str, set[str]]:
    """The conversions worth trying on each column, from the characters its values are made of."""
    aggregates = []
    for column in columns:
        v = quote_identifier(column.column)
        aggregates.append(f"count({v})")
        aggregates.extend(f"count(*) FILTER (WHERE {_match(v, pattern)})" for _, pattern, _ in _FAMILIES)
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM {normalised}").fetchone()
    assert row is not None
    families: dict[str, set[str]] = {}
    width = 1 + len(_FAMILIES)
    for index, column in enumerate(columns):
        present, *counts = row[index * width : (index + 1) * width]
        keys: set[str] = set()
        for (_, _, members), count in zip(_FAMILIES, counts, strict=True):
            if present and count == present:
                keys |= members
        families[column.column] = keys
    return families


def first_rejected(
    con: duckdb.DuckDBPyConnection, table: str, column: str, conversion: Conversion
) -> tuple[int, str] | None:
    """The row number (0-based) and text of the first value a conversion rejects."""
    v = value_expression(column)
    row = con.execute(
        f"SELECT rowid, {quote_identifier(column)} FROM {quote_identifier(table)} "
        f"WHERE {v} IS NOT NULL AND {conversion.sql(v)} IS NULL ORDER BY rowid LIMIT 1"
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def rejected_count(con: duckdb.DuckDBPyConnection, table: str, column: str, conversion: Conversion) -> int:
    v = value_expression(column)
    row = con.execute(f"SELECT count({v}) - count({conversion.sql(v)}) FROM {quote_identifier(table)}").fetchone()
    return int(row[0]) if row else 0
