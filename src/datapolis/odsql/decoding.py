"""How a result column's engine values become API values.

ISO strings for dates (datetimes in the query timezone), {"lon", "lat"} for points, a
GeoJSON Feature for shapes, `[a, b[` labels for range() groups, parsed JSON for
json_format().
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from datapolis.odsql import ast
from datapolis.odsql.checker import Context, Output
from datapolis.odsql.literals import ParsedDate, add_months
from datapolis.odsql.printer import iso_value


def decoder(output: Output, context: Context, is_group: bool) -> tuple[Callable[[Any], Any], str | None]:
    expr = output.expr
    while isinstance(expr, ast.Field) and expr.alias_of is not None:
        expr = expr.alias_of
    if is_group and isinstance(expr, ast.Call) and expr.name == "range":
        return _range_decoder(expr, context), "range"
    if isinstance(expr, ast.Call) and expr.name == "json_format":
        return _json_value, "json"
    decode = _value_decoder(output.value_type.kind, context)
    if output.value_type.multivalued:
        return (lambda values: [decode(v) for v in values]), None
    return decode, None


def _value_decoder(kind: str, context: Context) -> Callable[[Any], Any]:
    if kind in ("date", "datetime"):
        return lambda value: iso_value(value, context.zone)
    if kind == "geo_point_2d":
        return _point
    if kind == "geo_shape":
        return _feature
    if kind == "double":
        return float
    if kind == "int":
        return lambda value: int(value) if isinstance(value, Decimal | float) else value
    return lambda value: value


def _point(value: Any) -> dict[str, float] | None:
    if isinstance(value, str):
        value = json.loads(value)
    if value.get("lon") is None or value.get("lat") is None:
        return None
    return {"lon": float(value["lon"]), "lat": float(value["lat"])}


def _feature(value: Any) -> dict[str, Any]:
    geometry = json.loads(value) if isinstance(value, str) else value
    return {"type": "Feature", "geometry": geometry, "properties": {}}


def _json_value(value: Any) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _label_number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def _range_decoder(node: ast.Call, context: Context) -> Callable[[Any], Any]:
    resolved = node.resolved
    subject_kind = node.args[0].value_type.kind
    if resolved["mode"] == "width":
        width = resolved["width"]
        return lambda low: f"[{_label_number(low)}, {_label_number(low + width)}["
    if resolved["mode"] == "calendar":
        unit, amount = resolved["unit"], resolved["amount"]

        def calendar_label(start: datetime | str) -> str:
            if isinstance(start, str):  # DuckDB hands out a date before year 1 or after 9999 as text
                return f"[{start}, *["
            try:
                end = _bucket_iso(_calendar_end(start, unit, amount), subject_kind, context)
            except (OverflowError, ValueError):
                end = "*"  # after 9999-12-31, which Python dates cannot hold
            return f"[{_bucket_iso(start, subject_kind, context)}, {end}["

        return calendar_label
    labels = _static_labels(resolved, subject_kind, context)
    return lambda index: labels[int(index)]


def _calendar_end(start: datetime, unit: str, amount: int) -> datetime:
    if unit in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[unit] * amount
        return add_months(start, months)
    steps = {
        "millisecond": timedelta(milliseconds=1),
        "second": timedelta(seconds=1),
        "minute": timedelta(minutes=1),
        "hour": timedelta(hours=1),
        "day": timedelta(days=1),
        "week": timedelta(weeks=1),
    }
    return start + steps[unit] * amount


def _bucket_iso(moment: datetime | date, subject_kind: str, context: Context) -> str:
    if isinstance(moment, datetime) and subject_kind == "datetime":
        local = moment.replace(tzinfo=context.zone) if moment.tzinfo is None else moment
        return local.isoformat()
    if isinstance(moment, datetime) and moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.isoformat()


def _static_labels(resolved: dict, subject_kind: str, context: Context) -> list[str]:
    def text(bound: ast.Literal) -> str:
        value = bound.resolved
        if isinstance(value, ParsedDate):
            if subject_kind == "date" and not value.is_instant:
                return value.value.isoformat()
            return value.start(context.zone).isoformat()
        if subject_kind == "double":
            return str(float(value))
        return str(value)

    bounds = [text(b) for b in resolved["bounds"]]
    labels = []
    if resolved["open_low"]:
        labels.append(f"[*, {bounds[0]}[")
    labels.extend(f"[{low}, {high}[" for low, high in itertools.pairwise(bounds))
    if resolved["open_high"]:
        labels.append(f"[{bounds[-1]}, *[")
    if not resolved["open_low"]:
        labels.insert(0, "")  # index 0 is only used with an open lower end
    return labels
