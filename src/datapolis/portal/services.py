"""What the pages show, computed through the access policy and the Explore API's services.

Views stay thin: they read the request, call one function here, and render. Every dataset
read goes through `access.policy` (via `api.explore.datasets.open_dataset`) and the Explore
API's own query functions, so a page shows exactly what the API would return for the same
parameters, with the caller's row filters and visible fields applied by the query layer.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, F
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from datapolis.access.policy import (
    DatasetView,
    dataset_view,
    dataset_views,
    principal_from_request,
    visible_datasets_queryset,
)
from datapolis.api.explore import catalog as catalog_api
from datapolis.api.explore.datasets import DatasetAccess, open_dataset
from datapolis.api.explore.errors import ApiError
from datapolis.api.explore.facets import Facet, FacetRequest, compute_facets
from datapolis.api.explore.params import FacetParams, RecordsParams, query_spec
from datapolis.api.explore.records import query_records, run_rows
from datapolis.catalog import services as catalog_services
from datapolis.catalog.models import Dataset, Theme
from datapolis.catalog.storage import get_store
from datapolis.engine.exports import FORMATS
from datapolis.odsql import ODSQLError, compile_query
from datapolis.portal.state import (
    FACET_LIMIT,
    MAX_FACET_LIMIT,
    MAX_PAGE,
    PAGE_SIZE,
    TIMEZONE,
    PageState,
    odsql_field,
    odsql_string,
)
from datapolis.schema import FieldSpec

API_BASE = "/api/explore/v2.1"
GEO_TYPES = {"geo_point_2d", "geo_shape"}
CATALOG_PAGE_SIZE = 12
CATALOG_FACETS = ("theme", "keyword", "publisher", "license", "features")
CATALOG_FACET_LIMITS = {"theme": 20, "keyword": 12, "publisher": 20, "license": 20, "features": 20}
CATALOG_SEARCHABLE = ("theme", "keyword", "publisher")
MAX_AUTO_FACETS = 6
AUTO_FACET_MAX_VALUES = 60


# -- home ------------------------------------------------------------------------------


def _cards(request: HttpRequest, datasets: Sequence[Dataset]) -> list[dict[str, Any]]:
    views = dataset_views(principal_from_request(request), request.portal, datasets)
    return [dataset_card(view) for view in views]


def dataset_card(view: DatasetView, count: int | None = None) -> dict[str, Any]:
    dataset = view.dataset
    return {
        "dataset_id": dataset.dataset_id,
        "title": dataset.title,
        "description": dataset.description,
        "themes": [theme.name for theme in dataset.themes.all()],
        "publisher": dataset.publisher,
        "records_count": catalog_api.filtered_count(view) if count is None else count,
        "modified": dataset.modified,
        "internal": dataset.visibility == "restricted",
        "features": dataset.features,
        "url": reverse("portal:dataset", args=[dataset.dataset_id]),
    }


def home(request: HttpRequest) -> dict[str, Any]:
    visible = visible_datasets_queryset(principal_from_request(request), request.portal)
    themes = (
        Theme.objects.filter(datasets__in=visible)
        .annotate(count=Count("datasets", distinct=True))
        .order_by("-count", "name")
    )
    prefetch = ("themes", "fields")
    latest = list(visible.prefetch_related(*prefetch).order_by(F("data_modified").desc(nulls_last=True), "-pk")[:6])
    popular = list(visible.filter(views__gt=0).prefetch_related(*prefetch).order_by("-views", "-pk")[:6])
    return {
        "themes": list(themes),
        "latest": _cards(request, latest),
        "popular": _cards(request, popular),
        "total": visible.count(),
    }


# -- catalog ---------------------------------------------------------------------------


@dataclass
class CatalogState:
    q: str = ""
    refine: list[str] = field(default_factory=list)
    sort: str = "modified"
    page: int = 1
    facet_limits: dict[str, int] = field(default_factory=dict)  # `flimit.<facet>`
    facet_search: dict[str, str] = field(default_factory=dict)  # `fq.<facet>`

    SORTS = {"modified": "modified desc, dataset_id", "title": "title asc", "records": "records_count desc, title"}

    @classmethod
    def from_query(cls, query) -> CatalogState:
        sort = query.get("sort", "modified")
        try:
            page = min(max(int(query.get("page", "1")), 1), 500)
        except ValueError:
            page = 1
        refine = [text for text in query.getlist("refine") if text.split(":", 1)[0] in CATALOG_FACETS][:20]
        limits = {name: min(max(int(query[f"flimit.{name}"]), CATALOG_FACET_LIMITS[name]), MAX_FACET_LIMIT)
                  for name in CATALOG_FACETS if query.get(f"flimit.{name}", "").isdigit()}  # fmt: skip
        search = {name: query[f"fq.{name}"].strip()[:100] for name in CATALOG_FACETS
                  if query.get(f"fq.{name}", "").strip()}  # fmt: skip
        return cls(q=query.get("q", "").strip()[:300], refine=refine, sort=sort if sort in cls.SORTS else "modified",
                   page=page, facet_limits=limits, facet_search=search)  # fmt: skip

    def limit(self, name: str) -> int:
        return self.facet_limits.get(name, CATALOG_FACET_LIMITS[name])

    def where(self) -> list[str]:
        return [odsql_string(self.q)] if self.q else []

    def params(self, **changes: Any) -> str:
        values = {"q": self.q, "sort": self.sort if self.sort != "modified" else "", "page": self.page}
        values.update(changes)
        items: list[tuple[str, Any]] = [(k, v) for k, v in values.items() if k != "refine" and v not in ("", None, 1)]
        refine = changes.get("refine", self.refine)
        items += [("refine", value) for value in refine]
        return urlencode(items)

    def toggled(self, name: str, value: str) -> str:
        pair = f"{name}:{value}"
        refine = [item for item in self.refine if item != pair]
        if pair not in self.refine:
            refine.append(pair)
        return self.params(refine=refine, page=1)


def catalog(request: HttpRequest, state: CatalogState) -> dict[str, Any]:
    """One page of the catalog under the search and facets, with facet counts."""
    query = catalog_api.CatalogQuery(request)
    params = RecordsParams(where=state.where(), refine=state.refine)
    spec = query_spec(params, limit=CATALOG_PAGE_SIZE, offset=(state.page - 1) * CATALOG_PAGE_SIZE)
    spec.select = "dataset_id"
    spec.order_by = CatalogState.SORTS[state.sort]
    with query.relation() as relation:
        compiled = compile_query(spec, catalog_api.CATALOG_FIELDS, relation)
        ids = [row["dataset_id"] for row in compiled.decode_rows(query.run(compiled.sql, compiled.params))]
        from datapolis.odsql import compile_count

        count = compile_count(spec, catalog_api.CATALOG_FIELDS, relation)
        total = int(query.run(count.sql, count.params)[0][0])
        facets = _catalog_facets(state, relation, query.run)
    results = [dataset_card(query.views[dataset_id], query.counts[dataset_id]) for dataset_id in ids]
    pages = max((total + CATALOG_PAGE_SIZE - 1) // CATALOG_PAGE_SIZE, 1)
    api_params = [("where", clause) for clause in state.where()] + [("refine", r) for r in state.refine]
    return {
        "results": results,
        "total": total,
        "facets": [_catalog_facet(state, facet) for facet in facets],
        "pages": pages,
        "api_url": f"{API_BASE}/catalog/datasets?{urlencode(api_params)}",
    }


def _catalog_facets(state: CatalogState, relation: str, run: Any) -> list[dict[str, Any]]:
    """The catalog's facets, one value more than shown (to offer "more"); a searched facet on its own."""

    def compute(names: list[str], extra: list[str]) -> dict[str, dict[str, Any]]:
        if not names:
            return {}
        spec = query_spec(FacetParams(where=state.where() + extra, refine=state.refine))
        request = FacetRequest(spec, catalog_api.CATALOG_FIELDS, relation, run)
        limits = {name: MAX_FACET_LIMIT if name in state.facet_search else state.limit(name) + 1 for name in names}
        return {facet["name"]: facet for facet in compute_facets(request, [Facet(n, limit=limits[n]) for n in names])}

    searched = [name for name in CATALOG_FACETS if name in state.facet_search]
    computed = compute([name for name in CATALOG_FACETS if name not in searched], [])
    for name in searched:
        text = state.facet_search[name]
        facet = compute([name], [f"suggest({odsql_field(name)}, {odsql_string(text)})"])[name]
        facet["facets"] = [entry for entry in facet["facets"] if value_matches(entry["value"], text)]
        computed[name] = facet
    return [computed[name] for name in CATALOG_FACETS if name in computed]


def value_matches(value: Any, text: str) -> bool:
    """A facet value one of whose words starts with `text` (case and accents ignored), as suggest() does."""
    import unicodedata

    def fold(words: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", words.casefold()) if not unicodedata.combining(c))

    needle = fold(text.strip())
    return any(word.startswith(needle) for word in re.split(r"[\W_]+", fold(str(value)))) or fold(str(
        value)).startswith(needle)  # fmt: skip


def _catalog_facet(state: CatalogState, facet: dict[str, Any]) -> dict[str, Any]:
    name = facet["name"]
    limit = state.limit(name)
    more = len(facet["facets"]) > limit and limit < MAX_FACET_LIMIT and name not in state.facet_search
    keep = [(f"fq.{name}", state.facet_search[name])] if name in state.facet_search else []
    return {
        "name": name,
        "values": _catalog_values(state, facet, limit if name not in state.facet_search else MAX_FACET_LIMIT),
        "searchable": name in CATALOG_SEARCHABLE,
        "search": state.facet_search.get(name, ""),
        "more_url": "?" + _with_extra(state.params(), [*keep, (f"flimit.{name}", str(min(limit * 5, MAX_FACET_LIMIT)))])
        if more else "",
        "hidden_params": _query_pairs(state.params(page=1)),
    }  # fmt: skip


def _with_extra(query: str, extra: list[tuple[str, str]]) -> str:
    return "&".join(part for part in (query, urlencode(extra)) if part)


def _query_pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query)


def _catalog_values(state: CatalogState, facet: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    values = []
    for entry in facet["facets"][:limit]:
        values.append(
            {
                "value": entry["value"],
                "count": entry.get("count"),
                "refined": entry["state"] == "refined",
                "url": "?" + state.toggled(facet["name"], entry["value"]),
            }
        )
    return values


def suggestions(request: HttpRequest, text: str, limit: int = 6) -> list[dict[str, str]]:
    """Datasets whose title words start with what was typed (as-you-type search)."""
    text = text.strip()[:100]
    if len(text) < 2:
        return []
    query = catalog_api.CatalogQuery(request)
    spec = query_spec(RecordsParams(where=[f"suggest(title, {odsql_string(text)})"]), limit=limit)
    spec.select = "dataset_id, title"
    spec.order_by = "title asc"
    with query.relation() as relation:
        try:
            compiled = compile_query(spec, catalog_api.CATALOG_FIELDS, relation)
        except ODSQLError:
            return []
        rows = compiled.decode_rows(query.run(compiled.sql, compiled.params))
    return [{"title": row["title"], "url": reverse("portal:dataset", args=[row["dataset_id"]])} for row in rows]


# -- dataset pages ---------------------------------------------------------------------


@dataclass
class DatasetPage:
    """A dataset as the caller sees it, with the page's state."""

    access: DatasetAccess
    state: PageState

    @property
    def dataset(self) -> Dataset:
        return self.access.dataset

    @property
    def fields(self) -> list[FieldSpec]:
        return self.access.visible_specs

    @property
    def labels(self) -> dict[str, str]:
        return {spec.name: spec.label for spec in self.fields}

    @property
    def geo_fields(self) -> list[FieldSpec]:
        return [spec for spec in self.fields if spec.type in GEO_TYPES]

    @property
    def data_visible(self) -> bool:
        return self.access.view.data_visible and self.access.has_data

    def api_url(self, path: str, params: Sequence[tuple[str, str]]) -> str:
        query = urlencode(list(params))
        return f"{API_BASE}/catalog/datasets/{self.dataset.dataset_id}/{path}" + (f"?{query}" if query else "")


def open_page(request: HttpRequest, dataset_id: str) -> DatasetPage:
    """The dataset's page for this caller; raises the API's NotFound (a 404) when hidden."""
    access = open_dataset(request, dataset_id, data=False)
    state = PageState.from_query(request.GET, access.visible_specs)
    return DatasetPage(access=access, state=state)


def count_view(dataset: Dataset) -> None:
    Dataset.objects.filter(pk=dataset.pk).update(views=F("views") + 1)


def information(page: DatasetPage) -> dict[str, Any]:
    dataset = page.dataset
    try:
        versions = list(reversed(catalog_services.versions(dataset)))[:20] if dataset.has_records else []
    except Exception:  # a dataset whose data is gone still shows its metadata
        versions = []
    from datapolis.catalog.explore import LICENSE_URLS

    return {
        "themes": [theme.name for theme in dataset.themes.all()],
        "license_url": dataset.license_url or LICENSE_URLS.get((dataset.license or "").lower(), ""),
        "attachments": [
            {
                "title": item.title,
                "mimetype": item.mimetype,
                "url": f"{API_BASE}/catalog/datasets/{dataset.dataset_id}/attachments/{item.attachment_id}",
            }
            for item in (dataset.attachments.all() if page.access.view.data_visible else ())
        ],
        "versions": versions,
        "records_count": catalog_api.filtered_count(page.access.view),
    }


def table(page: DatasetPage) -> dict[str, Any]:
    """The table's page of records, its total, and the facet sidebar, all from the API's services."""
    state = page.state
    params = RecordsParams(
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
        total, rows = query_records(page.access, params)
        facets = table_facets(page)
    except ODSQLError as problem:
        error = query_error_text(problem)
    except ApiError as problem:
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

    from datapolis.portal.templatetags.portal import format_temporal, number

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
        select = ", ".join(f"approx_count_distinct({_quote(name)})" for name in text)
        relation = page.access.relation()
        counts = get_store().cursor().execute(f"SELECT {select} FROM {relation}").fetchone()  # noqa: S608
        chosen += [name for name, count in zip(text, counts, strict=True) if 1 < count <= AUTO_FACET_MAX_VALUES]
    # Calendar dates give a year/month/day hierarchy; datetimes (often hourly series) would
    # cost a time-zone conversion of every row on every page view, so they are left out.
    chosen += [spec.name for spec in schema if spec.type == "date"]
    order = {spec.name: index for index, spec in enumerate(schema)}
    return sorted(chosen, key=order.__getitem__)[:MAX_AUTO_FACETS]


def _quote(name: str) -> str:
    from datapolis.engine.sql import quote_identifier

    return quote_identifier(name)


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
    params = FacetParams(where=where, refine=state.refine, exclude=state.exclude, timezone=TIMEZONE)
    spec = query_spec(params, restrictions=page.access.row_filters, visible_fields=page.access.visible_fields)
    request = FacetRequest(spec, page.access.fields, page.access.relation(), run_rows)
    # One value more than shown tells whether there are more.
    return compute_facets(request, [Facet(name, limit=limits[name] + 1) for name in names])


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
QUERY_ERRORS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"unknown field(?: in facet)?: `?(?P<name>[^`\s]+)`?"),
     gettext_lazy("This filter names a field that does not exist (or that you cannot see): %(name)s.")),
    (re.compile(r"incompatible types in comparison"),
     gettext_lazy("This filter compares values of different kinds (for example a text with a number).")),
    (re.compile(r"unknown function (?P<name>\w+)\(\)"),
     gettext_lazy("This filter uses an unknown function: %(name)s().")),
    (re.compile(r"expected a number for (?P<name>\S+)"), gettext_lazy("A number is expected for %(name)s.")),
)  # fmt: skip


def query_error_text(problem: ODSQLError | ApiError) -> str:
    """The query layer's error, said in the page's language (the API keeps the reference's English)."""
    for pattern, text in QUERY_ERRORS:
        found = pattern.search(problem.message)
        if found:
            return str(text) % found.groupdict()
    clause = getattr(problem, "clause", "")
    if clause:
        return gettext("This filter cannot be applied: it is not a valid query (clause %(clause)s).") % {
            "clause": clause
        }
    return gettext("This filter cannot be applied: it is not a valid query.")


def _boolean_label(value: str) -> str:
    return {"true": gettext("yes"), "false": gettext("no")}.get(str(value).lower(), str(value))


# -- map -------------------------------------------------------------------------------


def map_config(page: DatasetPage, request: HttpRequest, params) -> dict[str, Any]:
    """What the map script needs: the tile URL with the filters, the layer kind, bounds, colours."""
    geo_fields = page.geo_fields
    if not geo_fields or not page.data_visible:
        return {}
    chosen = params.get("geo")
    geo = next((spec for spec in geo_fields if spec.name == chosen), geo_fields[0])
    numeric = [spec for spec in page.fields if spec.type in {"int", "double"}]
    color_name = params.get("color", "")
    color = next((spec for spec in numeric if spec.name == color_name), None)
    tooltip = [spec for spec in page.fields if spec.type not in GEO_TYPES][:6]
    attributes = list(dict.fromkeys([spec.name for spec in tooltip] + ([color.name] if color else [])))
    filters = page.state.filter_params()
    query = urlencode([*filters, ("field", geo.name), ("attributes", ",".join(attributes)), ("timezone", TIMEZONE)])
    tiles = f"/api/tiles/{page.dataset.dataset_id}/{{z}}/{{x}}/{{y}}.pbf?{query}"
    config: dict[str, Any] = {
        "tiles": request.build_absolute_uri("/")[:-1] + tiles,
        "kind": "points" if geo.type == "geo_point_2d" else "shapes",
        "geo_field": geo.name,
        "tooltip": [{"name": spec.name, "label": spec.label, "type": spec.type} for spec in tooltip],
        "bounds": _bounds(page, geo),
        "basemap": basemap_style_url(),
        "background": None if basemap_style_url() else background_layer(request, exclude=page.dataset.dataset_id),
        "color": None,
        "primary": request.portal.primary_color,
    }
    if color is not None:
        config["color"] = {"field": color.name, "label": color.label, "breaks": _breaks(page, color)}
    return {"config": config, "geo": geo, "geo_fields": geo_fields, "numeric": numeric, "color": color}


def basemap_style_url() -> str | None:
    """A MapLibre style URL for a real basemap (DATAPOLIS_BASEMAP_STYLE_URL); None: offline style."""
    return (
        getattr(settings, "DATAPOLIS_BASEMAP_STYLE_URL", None) or os.environ.get("DATAPOLIS_BASEMAP_STYLE_URL") or None
    )


BACKGROUND_LABEL_FIELDS = ("nom", "nom_commune", "libelle", "libelle_commune", "name", "nom_com", "lib_com")


def background_dataset_id() -> str:
    """The dataset named for the offline background (DATAPOLIS_BASEMAP_DATASET); "" picks one, "none" disables."""
    return (
        getattr(settings, "DATAPOLIS_BASEMAP_DATASET", None) or os.environ.get("DATAPOLIS_BASEMAP_DATASET") or ""
    ).strip()


def background_layer(request: HttpRequest, exclude: str = "") -> dict[str, Any] | None:
    """The offline basemap: a polygons dataset (the territory's communes) drawn under the data with its names.

    The named dataset, else the first visible published dataset with a geo_shape field whose id,
    title or keywords speak of communes. It is read through the tile endpoint, so the caller's
    access rules apply to it as to any dataset.
    """
    chosen = background_dataset_id()
    if chosen.lower() == "none":
        return None
    principal = principal_from_request(request)
    candidates = visible_datasets_queryset(principal, request.portal).filter(fields__type="geo_shape").distinct()
    if chosen:
        candidates = candidates.filter(dataset_id=chosen)
    for dataset in candidates.prefetch_related("fields").order_by("dataset_id"):
        words = " ".join([dataset.dataset_id, dataset.title, *map(str, dataset.keywords or [])]).lower()
        if not chosen and ("commune" not in words or dataset.dataset_id == exclude):
            continue
        view = dataset_view(principal, request.portal, dataset.dataset_id)
        if view is None or not view.data_visible or dataset.current_snapshot is None:
            continue
        fields = [spec for spec in dataset.fields.all() if view.field_visible(spec.name)]
        shape = next((spec.name for spec in fields if spec.type == "geo_shape"), None)
        texts = [spec.name for spec in fields if spec.type == "text"]
        label = next((name for name in BACKGROUND_LABEL_FIELDS if name in texts), texts[0] if texts else "")
        if shape is None:
            continue
        query = urlencode([("field", shape), ("attributes", label), ("cluster", "false")])
        tiles = f"/api/tiles/{dataset.dataset_id}/{{z}}/{{x}}/{{y}}.pbf?{query}"
        return {
            "dataset_id": dataset.dataset_id,
            "title": dataset.title,
            "tiles": request.build_absolute_uri("/")[:-1] + tiles,
            "label": label,
        }
    return None


def _aggregate(page: DatasetPage, select: str) -> dict[str, Any]:
    spec = query_spec(
        RecordsParams(
            select=select,
            where=page.state.where_clauses(),
            refine=page.state.refine,
            exclude=page.state.exclude,
            timezone=TIMEZONE,
        ),
        restrictions=page.access.row_filters,
        visible_fields=page.access.visible_fields,
        limit=1,
    )
    compiled = compile_query(spec, page.access.fields, page.access.relation())
    rows = compiled.decode_rows(run_rows(compiled.sql, compiled.params))
    return rows[0] if rows else {}


def _bounds(page: DatasetPage, geo: FieldSpec) -> list[float] | None:
    try:
        box = _aggregate(page, f"bbox({odsql_field(geo.name)}) as box").get("box")
    except ODSQLError:
        return None
    if not box:
        return None
    ring = box["geometry"]["coordinates"][0] if box["geometry"]["type"] == "Polygon" else None
    if ring is None:
        lon, lat = box["geometry"]["coordinates"]
        return [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01]
    lons = [point[0] for point in ring]
    lats = [point[1] for point in ring]
    return [min(lons), min(lats), max(lons), max(lats)]


def _breaks(page: DatasetPage, spec: FieldSpec) -> list[float]:
    """Quintile breaks of a numeric field under the filters (a choropleth's classes)."""
    name = odsql_field(spec.name)
    select = ", ".join(f"percentile({name}, {p}) as p{p}" for p in (0, 20, 40, 60, 80, 100))
    try:
        row = _aggregate(page, select)
    except ODSQLError:
        return []
    values = [row.get(f"p{p}") for p in (0, 20, 40, 60, 80, 100)]
    return sorted({float(value) for value in values if value is not None})


# -- chart -----------------------------------------------------------------------------

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


# -- API and exports -------------------------------------------------------------------


def api_urls(page: DatasetPage, request: HttpRequest) -> dict[str, Any]:
    origin = request.build_absolute_uri("/")[:-1]
    state = page.state
    records = origin + page.api_url("records", state.records_params(with_page=True))
    facets = origin + page.api_url("facets", [*state.filter_params(), ("timezone", TIMEZONE)])
    export = origin + page.api_url("exports/csv", [*state.filter_params(), ("timezone", TIMEZONE)])
    dataset = origin + f"{API_BASE}/catalog/datasets/{page.dataset.dataset_id}"
    params = dict(state.records_params(with_page=True))
    python_params = ",\n".join(f"    ({json.dumps(k)}, {json.dumps(v, ensure_ascii=False)})"
                               for k, v in state.records_params(with_page=True))  # fmt: skip
    base = origin + page.api_url("records", [])
    js_params = json.dumps([list(pair) for pair in state.records_params(with_page=True)], ensure_ascii=False)
    return {
        "records": records,
        "facets": facets,
        "export_csv": export,
        "dataset": dataset,
        "console": origin + f"{API_BASE}/console",
        "curl": f"curl -G '{base}' \\\n"
        + " \\\n".join(
            f"  --data-urlencode {_shell_quote(f'{k}={v}')}" for k, v in state.records_params(with_page=True)
        ),
        "python": (
            "import requests\n\n"
            f"response = requests.get(\n    {json.dumps(base)},\n    params=[\n{python_params},\n    ],\n)\n"
            'for record in response.json()["results"]:\n    print(record)\n'
        ),
        "javascript": (
            f"const url = new URL({json.dumps(base)});\n"
            f"for (const [key, value] of {js_params}) {{\n"
            "  url.searchParams.append(key, value);\n}\n"
            "const response = await fetch(url);\n"
            "const { total_count, results } = await response.json();\n"
            "console.log(total_count, results);\n"
        ),
        "params": params,
    }


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


EXPORT_LABELS = {
    "csv": "CSV",
    "json": "JSON",
    "jsonl": "JSON Lines",
    "geojson": "GeoJSON",
    "parquet": "Parquet",
    "xlsx": "Excel (xlsx)",
    "shp": "Shapefile",
    "fgb": "FlatGeobuf",
    "kml": "KML",
    "gpx": "GPX",
    "ov2": "TomTom OV2",
    "jsonld": "JSON-LD",
    "turtle": "RDF Turtle",
    "n3": "RDF N3",
    "rdfxml": "RDF/XML",
}


def exports(page: DatasetPage) -> list[dict[str, Any]]:
    params = [*page.state.filter_params(), ("timezone", TIMEZONE)]
    has_geo = bool(page.geo_fields)
    items = []
    for name, spec in FORMATS.items():
        geographic = spec.geographic
        if geographic and not has_geo:
            continue
        items.append(
            {"format": name, "label": EXPORT_LABELS.get(name, name.upper()), "geographic": geographic,
             "url": page.api_url(f"exports/{name}", params)}
        )  # fmt: skip
    return items
