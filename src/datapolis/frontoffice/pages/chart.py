"""A dataset's chart tab: an Explore group_by query and the Vega-Lite spec that draws its results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from datapolis.frontoffice.pages.common import DatasetPage
from datapolis.frontoffice.state import (
    TIMEZONE,
)
from datapolis.odsql import odsql_field, odsql_string
from datapolis.schema import FieldSpec

CHART_TYPES = ("bar", "line", "area", "point", "arc")
AGGREGATIONS = ("count", "sum", "avg", "min", "max")
# The y axis title in the page's language (the same words as the form's choices).
AGGREGATION_TITLES = {
    "count": gettext_lazy("Count of records"),
    "sum": gettext_lazy("Sum"),
    "avg": gettext_lazy("Average"),
    "min": gettext_lazy("Minimum"),
    "max": gettext_lazy("Maximum"),
}
TIME_UNITS = {"year": "yyyy", "month": "yyyy-MM", "day": "yyyy-MM-dd", "hour": "yyyy-MM-dd HH:00"}
CHART_LIMIT = 1000
TOP_CATEGORIES = 30


@dataclass
class ChartOptions:
    type: str = "bar"
    x: str = ""
    unit: str = "month"
    y: str = ""
    agg: str = "count"
    series: str = ""

    @classmethod
    def from_query(cls, query, fields: Sequence[FieldSpec]) -> ChartOptions:
        by_name = {spec.name: spec for spec in fields}
        axes = [spec for spec in fields if spec.type in {"text", "date", "datetime", "int", "boolean"}]
        numbers = [spec for spec in fields if spec.type in {"int", "double"}]
        texts = [spec for spec in fields if spec.type in {"text", "boolean"}]
        options = cls(
            type=query.get("type") if query.get("type") in CHART_TYPES else "bar",
            x=query.get("x", ""),
            unit=query.get("unit") if query.get("unit") in TIME_UNITS else "month",
            y=query.get("y", ""),
            agg=query.get("agg") if query.get("agg") in AGGREGATIONS else "count",
            series=query.get("series", ""),
        )
        if options.x not in by_name or by_name[options.x] not in axes:
            dates = [spec for spec in axes if spec.type in {"date", "datetime"}]
            options.x = (dates or texts or axes or [FieldSpec("", "", "text")])[0].name
        if options.y not in {spec.name for spec in numbers}:
            options.y = ""
        if not options.y:
            options.agg = "count"
        elif options.agg == "count":
            options.agg = "sum"
        if options.series not in {spec.name for spec in texts} or options.series == options.x:
            options.series = ""
        if options.type == "arc":
            options.series = ""
        return options

    def params(self) -> list[tuple[str, str]]:
        items = [("type", self.type), ("x", self.x), ("agg", self.agg)]
        if self.y:
            items.append(("y", self.y))
        if self.series:
            items.append(("series", self.series))
        items.append(("unit", self.unit))
        return items


def chart(page: DatasetPage, options: ChartOptions) -> dict[str, Any]:
    """The chart's Explore query (group_by + aggregation) and its Vega-Lite spec (JSON data)."""
    by_name = {spec.name: spec for spec in page.fields}
    x = by_name.get(options.x)
    if x is None or not page.data_visible:
        return {}
    temporal = x.type in {"date", "datetime"}
    x_expr = (
        f"date_format({odsql_field(x.name)}, {odsql_string(TIME_UNITS[options.unit])})"
        if temporal
        else odsql_field(x.name)
    )
    y_expr = "count(*)" if options.agg == "count" else f"{options.agg}({odsql_field(options.y)})"
    group_by = f"{x_expr} as x" + (f", {odsql_field(options.series)} as series" if options.series else "")
    order_by = "x asc" if temporal or x.type == "int" else "y desc"
    limit = CHART_LIMIT if temporal or options.series or x.type == "int" else TOP_CATEGORIES
    params = [
        ("select", f"{y_expr} as y"),
        ("group_by", group_by),
        ("order_by", order_by),
        ("limit", str(limit)),
        *page.state.filter_params(),
        ("timezone", TIMEZONE),
    ]
    url = page.api_url("records", params)
    y_title = str(AGGREGATION_TITLES[options.agg])
    if options.agg != "count":
        y_title = f"{y_title} · {by_name[options.y].label}"
    spec = vega_lite_spec(options, url, x_title=x.label, y_title=y_title, temporal=temporal, unit=options.unit,
                          series_title=by_name[options.series].label if options.series else "")  # fmt: skip
    # What screen readers announce for the chart and its axes (Vega's own words are English).
    spec = {"description": gettext("Chart of %(title)s") % {"title": page.dataset.title}, **spec}
    for channel in ("x", "y"):
        if channel in spec["encoding"]:
            encoding = spec["encoding"][channel]
            spec["encoding"][channel] = {**encoding, "axis": {"description": encoding["title"]}}
    return {"api_url": url, "spec": spec, "spec_json": json.dumps(spec, ensure_ascii=False, indent=2)}


def vega_lite_spec(
    options: ChartOptions, url: str, *, x_title: str, y_title: str, temporal: bool, unit: str, series_title: str
) -> dict[str, Any]:
    """A Vega-Lite 6 spec reading the Explore API's `results` (a dashboard can store it as is)."""
    data = {"url": url, "format": {"type": "json", "property": "results"}}
    y = {"field": "y", "type": "quantitative", "title": y_title}
    if options.type == "arc":
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "data": data,
            "width": "container",
            "height": 320,
            "mark": {"type": "arc", "tooltip": True},
            "encoding": {"theta": y, "color": {"field": "x", "type": "nominal", "title": x_title}},
        }
    time_formats = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:%M"}
    x: dict[str, Any] = {"field": "x", "title": x_title}
    if temporal:
        x.update(type="temporal", timeUnit={"year": "year", "month": "yearmonth", "day": "yearmonthdate",
                                            "hour": "yearmonthdatehours"}[unit])  # fmt: skip
        data["format"]["parse"] = {"x": f"utc:'{time_formats[unit]}'"}
        x["timeUnit"] = {"utc": True, "unit": x.pop("timeUnit")}
    else:
        x.update(type="nominal", sort=None if options.type != "bar" else "-y")
    encoding: dict[str, Any] = {"x": x, "y": y, "tooltip": [{"field": "x", "title": x_title, **(
        {"type": "temporal", "timeUnit": x["timeUnit"]} if temporal else {})}, y]}  # fmt: skip
    if options.series:
        encoding["color"] = {"field": "series", "type": "nominal", "title": series_title}
        encoding["tooltip"].append({"field": "series", "title": series_title})
    mark: dict[str, Any] = {"type": options.type, "tooltip": True}
    if options.type == "line":
        mark["point"] = True
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": data,
        "width": "container",
        "height": 320,
        "mark": mark,
        "encoding": encoding,
    }
