"""The catalog page: datasets searched and refined with ODSQL over their metadata, facets, as-you-type suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from datapolis.access.querying import VisibleCatalog
from datapolis.frontoffice.pages.common import API_BASE, dataset_card, value_matches
from datapolis.frontoffice.state import (
    MAX_FACET_LIMIT,
)
from datapolis.odsql import ODSQLError, odsql_field, odsql_string
from datapolis.queries import datasets
from datapolis.queries.facets import Facet
from datapolis.queries.requests import Filters, RecordsRequest

CATALOG_PAGE_SIZE = 12
CATALOG_FACETS = ("theme", "keyword", "publisher", "license", "schema", "features")
CATALOG_FACET_LIMITS = {"theme": 20, "keyword": 12, "publisher": 20, "license": 20, "schema": 20, "features": 20}
CATALOG_SEARCHABLE = ("theme", "keyword", "publisher")


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
    catalog = VisibleCatalog.of_request(request)
    table = catalog.table()
    request_ = RecordsRequest(
        where=state.where(),
        refine=state.refine,
        order_by=CatalogState.SORTS[state.sort],
        limit=CATALOG_PAGE_SIZE,
        offset=(state.page - 1) * CATALOG_PAGE_SIZE,
    )
    total, rows, _ = datasets.query_catalog(table, request_)
    facets = _catalog_facets(state, table)
    results = [dataset_card(catalog.views[row["dataset_id"]], catalog.counts[row["dataset_id"]]) for row in rows]
    pages = max((total + CATALOG_PAGE_SIZE - 1) // CATALOG_PAGE_SIZE, 1)
    api_params = [("where", clause) for clause in state.where()] + [("refine", r) for r in state.refine]
    return {
        "results": results,
        "total": total,
        "facets": [_catalog_facet(state, facet) for facet in facets],
        "pages": pages,
        "api_url": f"{API_BASE}/catalog/datasets?{urlencode(api_params)}",
    }


def _catalog_facets(state: CatalogState, table: datasets.CatalogTable) -> list[dict[str, Any]]:
    """The catalog's facets, one value more than shown (to offer "more"); a searched facet on its own."""

    def compute(names: list[str], extra: list[str]) -> dict[str, dict[str, Any]]:
        if not names:
            return {}
        filters = Filters(where=state.where() + extra, refine=state.refine)
        limits = {name: MAX_FACET_LIMIT if name in state.facet_search else state.limit(name) + 1 for name in names}
        facets = datasets.catalog_facets(table, filters, [Facet(n, limit=limits[n]) for n in names])
        return {facet["name"]: facet for facet in facets}

    searched = [name for name in CATALOG_FACETS if name in state.facet_search]
    computed = compute([name for name in CATALOG_FACETS if name not in searched], [])
    for name in searched:
        text = state.facet_search[name]
        facet = compute([name], [f"suggest({odsql_field(name)}, {odsql_string(text)})"])[name]
        facet["facets"] = [entry for entry in facet["facets"] if value_matches(entry["value"], text)]
        computed[name] = facet
    return [computed[name] for name in CATALOG_FACETS if name in computed]


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
    table = VisibleCatalog.of_request(request).table()
    where = [f"suggest(title, {odsql_string(text)})"]
    try:
        _, rows, _ = datasets.query_catalog(
            table, RecordsRequest(where=where, select="dataset_id, title", order_by="title asc", limit=limit)
        )
    except ODSQLError:
        return []
    return [{"title": row["title"], "url": reverse("portal:dataset", args=[row["dataset_id"]])} for row in rows]
