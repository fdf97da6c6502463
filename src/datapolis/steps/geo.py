"""Geographic steps: points from coordinates, shapes from text, simplify, area, length.

Areas and lengths are geodesic, on the WGS84 ellipsoid (spatial's ST_Area_Spheroid and
ST_Length_Spheroid / ST_Perimeter_Spheroid, GeographicLib), in square metres and metres:
no projection is chosen, so they hold anywhere in the world.
"""

from __future__ import annotations

from typing import Any

import duckdb

from datapolis.engine.extensions import load_extensions
from datapolis.ingest.errors import gettext_noop
from datapolis.steps.convert import number_text, point, shape_from_text, valid_point
from datapolis.steps.frame import Check, Frame, StepSQL, as_text, ident, put

METRES_PER_DEGREE = 111_320.0

NOT_A_NUMBER = gettext_noop("field %(field)r: not a number")


def _number(frame: Frame, name: str, option: str) -> tuple[str, str]:
    """(the value as DOUBLE, the condition of rows whose text is not a number)."""
    spec = frame.typed(name, ("int", "double", "text"), option)
    x = ident(spec.name)
    if spec.type == "text":
        value = f"TRY_CAST({number_text(x, True)} AS DOUBLE)"
        return value, f"(NULLIF(trim({x}), '') IS NOT NULL AND {value} IS NULL)"
    return f"CAST({x} AS DOUBLE)", "false"


def _target(frame: Frame, options: dict[str, Any]) -> str:
    target = options.get("target") or "geo_point_2d"
    return frame.new_name(target, "target")


def _point_columns(frame: Frame, options: dict[str, Any], value: str, sources: list[str], label: str) -> list:
    target = _target(frame, options)
    columns = frame.passthrough()
    if not options.get("keep", True):
        columns = [c for c in columns if c[0].name not in sources]
    from datapolis.schema import FieldSpec

    columns.append((FieldSpec(target, options.get("label") or label, "geo_point_2d"), value))
    return columns


def point_from_latlon(frame: Frame, options: dict[str, Any]) -> StepSQL:
    lat, lat_bad = _number(frame, options["lat"], "lat")
    lon, lon_bad = _number(frame, options["lon"], "lon")
    value = point(lon, lat)
    columns = _point_columns(frame, options, value, [options["lat"], options["lon"]], "Position")
    out = frame.select(columns)
    out.checks += [
        Check(lat_bad, ident(options["lat"]), NOT_A_NUMBER, {"field": options["lat"]}),
        Check(lon_bad, ident(options["lon"]), NOT_A_NUMBER, {"field": options["lon"]}),
        Check(
            f"({lat}) IS NOT NULL AND ({lon}) IS NOT NULL AND NOT {valid_point(value)}",
            f"CAST({lat} AS VARCHAR) || ', ' || CAST({lon} AS VARCHAR)",
            gettext_noop("latitude must be within -90..90 and longitude within -180..180"),
        ),
    ]
    return out


def check_epsg(frame: Frame, epsg: int) -> str:
    crs = f"EPSG:{int(epsg)}"
    con = duckdb.connect()
    try:
        load_extensions(con, ("spatial",))
        con.execute("SELECT ST_Transform(ST_Point(0, 0), ?, 'EPSG:4326', always_xy := true)", [crs])
    except duckdb.Error:
        raise frame.error(gettext_noop("unknown coordinate system %(crs)s"), "epsg", crs=crs) from None
    finally:
        con.close()
    return crs


def point_from_xy(frame: Frame, options: dict[str, Any]) -> StepSQL:
    x, x_bad = _number(frame, options["x"], "x")
    y, y_bad = _number(frame, options["y"], "y")
    crs = frame.param(check_epsg(frame, options["epsg"]))
    projected = f"ST_Transform(ST_Point({x}, {y}), {crs}, 'EPSG:4326', always_xy := true)"
    reprojected = point(f"ST_X({projected})", f"ST_Y({projected})")
    value = f"(CASE WHEN ({x}) IS NOT NULL AND ({y}) IS NOT NULL THEN {reprojected} END)"
    columns = _point_columns(frame, options, value, [options["x"], options["y"]], "Position")
    out = frame.select(columns)
    out.checks += [
        Check(x_bad, ident(options["x"]), NOT_A_NUMBER, {"field": options["x"]}),
        Check(y_bad, ident(options["y"]), NOT_A_NUMBER, {"field": options["y"]}),
        Check(
            f"({value}) IS NOT NULL AND NOT {valid_point(value)}",
            f"CAST({x} AS VARCHAR) || ' ' || CAST({y} AS VARCHAR)",
            gettext_noop("coordinates fall outside the world once reprojected: check the EPSG code"),
        ),
    ]
    return out


def geometry_from_text(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.typed(options["field"], ("text",), "field")
    x = ident(spec.name)
    t = f"NULLIF(trim({x}), '')"
    fmt = options.get("format", "auto")
    value = {
        "auto": shape_from_text(x),
        "wkt": f"TRY(ST_GeomFromText({t}))",
        "geojson": f"TRY(ST_GeomFromGeoJSON({t}))",
    }[fmt]
    columns = frame.passthrough()
    target = options.get("target")
    if target:
        frame.new_name(target, "target", replacing=spec.name)
    put(columns, spec, target, value, "geo_shape")
    out = frame.select(columns)
    out.checks.append(
        Check(
            f"{t} IS NOT NULL AND ({value}) IS NULL",
            f"left({x}, 200)",
            gettext_noop("field %(field)r: not a %(format)s geometry"),
            {"field": spec.name, "format": fmt if fmt != "auto" else "WKT or GeoJSON"},
        )
    )
    return out


def simplify(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.typed(options["field"], ("geo_shape",), "field")
    tolerance = float(options["tolerance"]) / METRES_PER_DEGREE
    x = ident(spec.name)
    value = f"ST_SimplifyPreserveTopology({x}, {frame.param(tolerance)})"
    columns = frame.passthrough()
    put(columns, spec, None, value, "geo_shape")
    out = frame.select(columns)
    out.changed = f"ST_NPoints({x}) <> ST_NPoints({value})"
    return out


def area(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.typed(options["field"], ("geo_shape",), "field")
    target = frame.new_name(options.get("target") or "area_m2", "target")
    value = f"ST_Area_Spheroid(ST_FlipCoordinates({ident(spec.name)}))"
    columns = frame.passthrough()
    put(columns, spec, target, value, "double", label=options.get("label") or "Area (m²)")
    return frame.select(columns)


def length(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.typed(options["field"], ("geo_shape",), "field")
    target = frame.new_name(options.get("target") or "length_m", "target")
    g = f"ST_FlipCoordinates({ident(spec.name)})"
    value = (
        f"(CASE WHEN ST_Dimension({ident(spec.name)}) = 2 THEN ST_Perimeter_Spheroid({g}) "
        f"ELSE ST_Length_Spheroid({g}) END)"
    )
    columns = frame.passthrough()
    put(columns, spec, target, value, "double", label=options.get("label") or "Length (m)")
    return frame.select(columns)


__all__ = ["area", "as_text", "geometry_from_text", "length", "point_from_latlon", "point_from_xy", "simplify"]
