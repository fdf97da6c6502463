"""Converting a value from one field type to another, without failing: NULL where it cannot.

`convert` returns the SQL of the converted value and the condition of the rows where a
value was there but could not be converted (a check reports the first of them).
"""

from __future__ import annotations

from datapolis.schema import STORAGE_TYPES, FieldSpec
from datapolis.steps.frame import as_text, ident

TRUE_WORDS = ("true", "t", "1", "yes", "y", "oui", "o", "vrai", "v")
FALSE_WORDS = ("false", "f", "0", "no", "n", "non", "faux")


def point(lon: str, lat: str) -> str:
    return (
        f"(CASE WHEN ({lon}) IS NOT NULL AND ({lat}) IS NOT NULL THEN "
        f"CAST(struct_pack(lon := CAST({lon} AS DOUBLE), lat := CAST({lat} AS DOUBLE)) "
        f"AS STRUCT(lon DOUBLE, lat DOUBLE)) END)"
    )


def valid_point(value: str) -> str:
    return f"({value}.lat BETWEEN -90 AND 90 AND {value}.lon BETWEEN -180 AND 180)"


def text_value(expr: str) -> str:
    """A text with surrounding spaces removed, NULL when empty."""
    return f"NULLIF(trim({expr}), '')"


def number_text(expr: str, decimal_comma: bool) -> str:
    """Numeric text as DuckDB reads it: spaces (thousands) removed, a decimal comma made a point."""
    cleaned = f"replace(replace(replace({text_value(expr)}, ' ', ''), chr(160), ''), chr(8239), '')"
    return f"replace({cleaned}, ',', '.')" if decimal_comma else cleaned


def shape_from_text(expr: str) -> str:
    t = text_value(expr)
    return (
        f"(CASE WHEN starts_with(ltrim({t}), '{{') THEN TRY(ST_GeomFromGeoJSON({t})) "
        f"ELSE TRY(ST_GeomFromText({t})) END)"
    )


def point_from_text(expr: str) -> str:
    """'lat, lon' (the Opendatasoft form), or a WKT/GeoJSON point."""
    t = text_value(expr)
    lat = f"TRY_CAST(trim(split_part({t}, ',', 1)) AS DOUBLE)"
    lon = f"TRY_CAST(trim(split_part({t}, ',', 2)) AS DOUBLE)"
    shape = shape_from_text(expr)
    pair = point(lon, lat)
    from_shape = point(f"ST_X({shape})", f"ST_Y({shape})")
    parsed = (
        f"(CASE WHEN regexp_full_match({t}, '\\s*-?[0-9.]+\\s*,\\s*-?[0-9.]+\\s*') THEN {pair} "
        f"WHEN ST_GeometryType({shape}) = 'POINT' THEN {from_shape} END)"
    )
    return f"(CASE WHEN {valid_point(parsed)} THEN {parsed} END)"


def convert(spec: FieldSpec, target: str, *, decimal_comma: bool = False) -> tuple[str, str | None]:
    """(SQL of the value as `target`, condition of the rows where conversion failed)."""
    x = ident(spec.name)
    source = spec.type
    if source == target:
        return x, None
    if target == "text":
        return as_text(spec), None
    if spec.annotations.get("multivalued"):
        return f"TRY_CAST(NULL AS {STORAGE_TYPES[target]})", f"{x} IS NOT NULL AND len({x}) > 0"
    present = f"{text_value(x)} IS NOT NULL" if source == "text" else f"{x} IS NOT NULL"
    value = _converted(spec, target, decimal_comma)
    return value, f"({present} AND ({value}) IS NULL)"


def _converted(spec: FieldSpec, target: str, decimal_comma: bool) -> str:
    x = ident(spec.name)
    source = spec.type
    if source == "text":
        return _from_text(x, target, decimal_comma)
    if target == "int" and source == "double":
        return f"(CASE WHEN {x} = trunc({x}) AND abs({x}) < 9.2e18 THEN CAST({x} AS BIGINT) END)"
    if target == "geo_shape" and source == "geo_point_2d":
        return f"ST_Point({x}.lon, {x}.lat)"
    if target == "geo_point_2d" and source == "geo_shape":
        return point(f"ST_X(ST_Centroid({x}))", f"ST_Y(ST_Centroid({x}))")
    if "geo" in source or "geo" in target:
        return f"CAST(NULL AS {STORAGE_TYPES[target]})"
    return f"TRY_CAST({x} AS {STORAGE_TYPES[target]})"


def _from_text(x: str, target: str, decimal_comma: bool) -> str:
    t = text_value(x)
    if target == "int":
        return f"TRY_CAST({number_text(x, decimal_comma)} AS BIGINT)"
    if target == "double":
        return f"TRY_CAST({number_text(x, decimal_comma)} AS DOUBLE)"
    if target == "boolean":
        true = ", ".join(f"'{w}'" for w in TRUE_WORDS)
        false = ", ".join(f"'{w}'" for w in FALSE_WORDS)
        return f"(CASE WHEN lower({t}) IN ({true}) THEN true WHEN lower({t}) IN ({false}) THEN false END)"
    if target == "date":
        return f"TRY_CAST({t} AS DATE)"
    if target == "datetime":
        return f"TRY_CAST({t} AS TIMESTAMPTZ)"
    if target == "geo_point_2d":
        return point_from_text(x)
    if target == "geo_shape":
        return shape_from_text(x)
    return f"TRY_CAST({t} AS {STORAGE_TYPES[target]})"
