"""Anonymising steps: drop, hash with the instance's secret, coarsen dates and places.

`hash` writes hex(sha256(secret || 0x1f || value)): equal values stay equal (counts and
joins still work) but cannot be recomputed without the secret.
"""

from __future__ import annotations

from typing import Any

from datapolis.ingest.errors import gettext_noop
from datapolis.steps.dates import truncate_date
from datapolis.steps.frame import Frame, StepSQL, as_text, ident, put
from datapolis.steps.geo import METRES_PER_DEGREE

METHODS = ("drop", "hash", "month", "year", "round", "grid")


def anonymise(frame: Frame, options: dict[str, Any]) -> StepSQL:
    specs = frame.specs(options["fields"], "fields")
    method = options["method"]
    if method == "drop":
        names = {s.name for s in specs}
        return frame.select([c for c in frame.passthrough() if c[0].name not in names])
    columns = frame.passthrough()
    for spec in specs:
        x = ident(spec.name)
        if method == "hash":
            if not frame.context.secret:
                raise frame.error(gettext_noop("hashing needs the instance's secret"), "method")
            salted = f"{frame.param(frame.context.secret)} || chr(31) || {as_text(spec)}"
            value = f"(CASE WHEN {x} IS NOT NULL THEN sha256({salted}) END)"
            put(columns, spec, None, value, "text", annotations={})
        elif method in ("month", "year"):
            if spec.type not in ("date", "datetime"):
                raise frame.error(gettext_noop("field %(field)r is %(type)s; expected date or datetime"), "fields",
                                  field=spec.name, type=spec.type)  # fmt: skip
            put(columns, spec, None, truncate_date(spec.type, x, method), spec.type)
        else:
            put(columns, spec, None, _coarse_place(frame, spec.type, spec.name, method, options), spec.type)
    return frame.select(columns)


def _coarse_place(frame: Frame, type_: str, name: str, method: str, options: dict[str, Any]) -> str:
    x = ident(name)
    if type_ not in ("geo_point_2d", "geo_shape"):
        raise frame.error(gettext_noop("field %(field)r is %(type)s; expected geo_point_2d or geo_shape"), "fields",
                          field=name, type=type_)  # fmt: skip
    if method == "round":
        digits = int(options.get("decimals", 2))
        if type_ == "geo_shape":
            return f"ST_ReducePrecision({x}, {frame.param(10.0**-digits)})"
        return _point_of(x, f"round({x}.lon, {digits})", f"round({x}.lat, {digits})")
    size = float(options.get("grid_m", 1000)) / METRES_PER_DEGREE
    if type_ == "geo_shape":
        return f"ST_ReducePrecision({x}, {frame.param(size)})"
    cell = frame.param(size)
    lat = f"(floor({x}.lat / {cell}) + 0.5) * {cell}"
    lon_cell = f"({cell} / greatest(cos(radians({lat})), 0.01))"
    lon = f"(floor({x}.lon / {lon_cell}) + 0.5) * {lon_cell}"
    return _point_of(x, lon, lat)


def _point_of(x: str, lon: str, lat: str) -> str:
    """A geo_point_2d from `lon` and `lat`, NULL where the point `x` is NULL."""
    point = f"CAST(struct_pack(lon := {lon}, lat := {lat}) AS STRUCT(lon DOUBLE, lat DOUBLE))"
    return f"(CASE WHEN {x} IS NOT NULL THEN {point} END)"
