"""A dataset's table tab: a page of records, sortable columns, column filters and the facet sidebar."""

from __future__ import annotations

import threading
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from datapolis.frontoffice.pages.common import GEO_TYPES, DatasetPage, query_error_text, value_matches
from datapolis.frontoffice.state import (
    FACET_LIMIT,
    MAX_FACET_LIMIT,
    MAX_PAGE,
    PAGE_SIZE,
    TIMEZONE,
    PageState,
)
from datapolis.odsql import ODSQLError, odsql_field, odsql_string
from datapolis.queries.errors import QueryError
from datapolis.queries.facets import Facet, dataset_facets
from datapolis.queries.records import approximate_distinct_counts, query_records
from datapolis.queries.requests import Filters, RecordsRequest
from datapolis.schema import FieldSpec

MAX_AUTO_FACETS = 6
AUTO_FACET_MAX_VALUES = 60


def table(page: DatasetPage) -> dict[str, Any]:
    """The table's page of records, its total, and the facet sidebar, all from the API's services."""
    state = page.state
    params = RecordsRequest(
        where=state.where_clauses(),
        refine=state.refine,
        exclude=state.exclude,
        order_by=state.order_by,
        limit=PAGE_SIZE,
        offset=state.offset,
        timezone=TIMEZONE,
    )
    error = None
    total, rows = 0, []
    facets: list[dict[str, Any]] = []
    try:
        total, rows = query_records(page.access.target, params)
        facets = table_facets(page)
    except ODSQLError as problem:
        error = query_error_text(problem)
    except QueryError as problem:
        error = query_error_text(problem)
    columns = page.fields
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return {
        "columns": table_columns(page),
        "rows": [[_cell(spec, row.get(spec.name)) for spec in columns] for row in rows],
        "total": total,
        "pages": min(pages, MAX_PAGE),
        # Pages stop at MAX_PAGE (the API's offset + limit cap of 10,000): the rest is in the exports.
        "limited": total > MAX_PAGE * PAGE_SIZE,
        "shown_max": MAX_PAGE * PAGE_SIZE,
        "export_url": reverse("portal:export", args=[page.dataset.dataset_id])
        + (f"?{state.querystring(drop=('page', 'sort'))}" if state.is_filtered else ""),
        "facets": facets,
        "error": error,
        "api_url": page.api_url("records", state.records_params()),
        "first": state.offset + 1 if rows else 0,
        "last": state.offset + len(rows),
    }


def _cell(spec: FieldSpec, value: Any) -> dict[str, Any]:
    """A table cell ready to print: its text and CSS class (no logic left to the template)."""
    from django.utils.translation import gettext

    from datapolis.frontoffice.templatetags.portal import format_temporal, number

    if value is None:
        return {"text": "", "css": ""}
    if spec.type == "geo_point_2d" and isinstance(value, dict):
        return {"text": f"{value.get('lat')}, {value.get('lon')}", "css": ""}
    if spec.type == "geo_shape":
        kind = (value.get("geometry") or {}).get("type", "") if isinstance(value, dict) else ""
        return {"text": kind or "shape", "css": ""}
    if spec.type == "boolean":
        return {"text": gettext("yes") if value else gettext("no"), "css": ""}
    if spec.type in {"int", "double"}:
        return {"text": number(value), "css": "number"}
    if spec.type in {"date", "datetime"}:
        return {"text": format_temporal(value, spec.type), "css": ""}
    if isinstance(value, list):
        return {"text": ", ".join(str(item) for item in value), "css": ""}
    return {"text": str(value), "css": ""}


def table_columns(page: DatasetPage) -> list[dict[str, Any]]:
    """The table's headers: label, sort link and state, and the kind of column filter."""
    state = page.state
    columns = []
    for spec in page.fields:
        sortable = spec.type not in GEO_TYPES
        ascending, descending = state.sort == spec.name, state.sort == f"-{spec.name}"
        columns.append(
            {
                "name": spec.name,
                "label": spec.label,
                "css": "number" if spec.type in {"int", "double"} else "",
                "sort_url": "?" + state.querystring(sort=f"-{spec.name}" if ascending else spec.name, page=1)
                if sortable
                else "",
                "aria_sort": "ascending" if ascending else "descending" if descending else "",
                "arrow": "▲" if ascending else "▼" if descending else "",
                "filter": "text"
                if spec.type == "text"
                else "range"
                if spec.type in {"int", "double", "date", "datetime"}
                else "",
                "input": "date" if spec.type in {"date", "datetime"} else "text",
                "text_value": state.text_filters.get(spec.name, ""),
                "min_value": state.min_filters.get(spec.name, ""),
                "max_value": state.max_filters.get(spec.name, ""),
            }
        )
    return columns


_facet_cache: dict[tuple[str, int], list[str]] = {}
_facet_lock = threading.Lock()


def facet_fields(page: DatasetPage) -> list[str]:
    """The fields of the facet sidebar: those annotated `facet`, else chosen from the data.

    Chosen fields are booleans, dates (years, months, days) and text fields with few
    distinct values, measured once per version with approx_count_distinct.
    """
    annotated = [spec.name for spec in page.fields if "facet" in spec.annotations]
    if annotated:
        return annotated
    dataset = page.dataset
    key = (dataset.dataset_id, int(dataset.current_snapshot or 0))
    with _facet_lock:
        cached = _facet_cache.get(key)
    if cached is None:
        cached = _measure_facets(page)
        with _facet_lock:
            if len(_facet_cache) > 1000:
                _facet_cache.clear()
            _facet_cache[key] = cached
    return [name for name in cached if page.access.view.field_visible(name)]


def _measure_facets(page: DatasetPage) -> list[str]:
    schema = page.access.fields
    text = [spec.name for spec in schema if spec.type == "text"]
    chosen = [spec.name for spec in schema if spec.type == "boolean"]
    if text:
        counts = approximate_distinct_counts(page.access.target, text)
        chosen += [name for name, count in zip(text, counts, strict=True) if 1 < count <= AUTO_FACET_MAX_VALUES]
    # Calendar dates give a year/month/day hierarchy; datetimes (often hourly series) would
    # cost a time-zone conversion of every row on every page view, so they are left out.
    chosen += [spec.name for spec in schema if spec.type == "date"]
    order = {spec.name: index for index, spec in enumerate(schema)}
    return sorted(chosen, key=order.__getitem__)[:MAX_AUTO_FACETS]


def table_facets(page: DatasetPage) -> list[dict[str, Any]]:
    """The facet sidebar: each facet's first values (more on demand), or those matching its search box.

    A facet's search is one more ODSQL condition, `suggest(<field>, "<text>")`, given to the
    Explore API's facet machinery for that facet only: the values listed are those of records
    where a word of the field starts with the text, with their counts under the page's filters.
    """
    names = facet_fields(page)
    if not names or not page.access.has_data:
        return []
    state = page.state
    limits = {name: state.facet_limits.get(name, FACET_LIMIT) for name in names}
    searched = [name for name in names if state.facet_search.get(name)]
    computed = {facet["name"]: facet for facet in _compute_table_facets(page, [n for n in names if n not in searched],
                                                                       limits)}  # fmt: skip
    for name in searched:
        clause = f"suggest({odsql_field(name)}, {odsql_string(state.facet_search[name])})"
        for facet in _compute_table_facets(page, [name], limits, clause):
            # A multivalued field's records also carry values that do not match: keep those that do.
            facet["facets"] = [
                entry for entry in facet["facets"] if value_matches(entry["value"], state.facet_search[name])
            ]
            computed[facet["name"]] = facet
    labels = page.labels
    types = {spec.name: spec.type for spec in page.fields}
    result = []
    for name in names:
        facet = computed.get(name)
        if facet is None or not (facet["facets"] or name in searched):
            continue
        entries, limit = facet["facets"], limits[name]
        more = len(entries) > limit and limit < MAX_FACET_LIMIT
        result.append({
            "name": name,
            "label": labels.get(name, name),
            "values": _facet_entries(state, name, entries[:limit], types.get(name, "")),
            "searchable": types.get(name) == "text",
            "search": state.facet_search.get(name, ""),
            "more_query": state.querystring(extra=[*_facet_ui_params(state, name),
                                                   (f"flimit.{name}", str(min(limit * 5, MAX_FACET_LIMIT)))])
            if more else "",
            "hidden_params": [(k, v) for k, v in state.url_params() if k != "page"],
        })  # fmt: skip
    return result


def _facet_ui_params(state: PageState, name: str) -> list[tuple[str, str]]:
    return [(f"fq.{name}", state.facet_search[name])] if state.facet_search.get(name) else []


def _compute_table_facets(
    page: DatasetPage, names: list[str], limits: dict[str, int], search: str | None = None
) -> list[dict[str, Any]]:
    if not names:
        return []
    state = page.state
    where = state.where_clauses() + ([search] if search else [])
    filters = Filters(where=where, refine=state.refine, exclude=state.exclude, timezone=TIMEZONE)
    # One value more than shown tells whether there are more.
    return dataset_facets(page.access.target, filters, [Facet(name, limit=limits[name] + 1) for name in names])


def _facet_entries(state: PageState, name: str, entries: list[dict[str, Any]], kind: str = "") -> list[dict[str, Any]]:
    result = []
    for entry in entries:
        if entry["state"] == "excluded":
            continue
        item = {
            "label": entry["name"] if kind != "boolean" else _boolean_label(entry["name"]),
            "count": entry.get("count"),
            "refined": entry["state"] == "refined",
            "query": state.toggled_refine(name, entry["value"]),
        }
        if entry.get("facets"):
            item["children"] = _facet_entries(state, name, entry["facets"], kind)
        result.append(item)
    return result


# The query layer's messages are the Explore API's (English, as in the reference); a page
# says the common ones in its own language and the others with a translated sentence.


def _boolean_label(value: str) -> str:
    return {"true": gettext("yes"), "false": gettext("no")}.get(str(value).lower(), str(value))
