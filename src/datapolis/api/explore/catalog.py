"""The catalog endpoints: datasets queried with ODSQL over their metadata.

The caller's visible datasets (`access.querying.VisibleCatalog`) are queried as a table
(`queries.datasets`); each result of a plain query is the Explore dataset object, with
fields and counts as this caller may see them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from datapolis.access.policy import DatasetView
from datapolis.access.querying import VisibleCatalog, catalog_row, filtered_count
from datapolis.catalog.dataset_objects import explore_dataset
from datapolis.catalog.storage import get_store
from datapolis.queries import datasets
from datapolis.queries.facets import Facet
from datapolis.queries.requests import Filters, RecordsRequest


def dataset_object(view: DatasetView, *, count: int | None = None) -> dict[str, Any]:
    """The Explore dataset object as this caller sees it: visible fields, filtered counts."""
    data = explore_dataset(view.dataset)
    data["fields"] = [field for field in data["fields"] if view.field_visible(field["name"])]
    data["data_visible"] = view.data_visible
    if not view.data_visible:
        data["attachments"] = []
    records = filtered_count(view) if count is None else count
    data["metas"]["default"]["records_count"] = records
    data["has_records"] = records > 0
    return data


def select_metadata(view: DatasetView, select: str) -> dict[str, Any]:
    """`select=title, modified` on one dataset: the selected metadata at the root (§2.2)."""
    return datasets.select_metadata(catalog_row(view, filtered_count(view)), get_store(), select)


def query_datasets(request: HttpRequest, params: RecordsRequest) -> tuple[int, list[dict[str, Any]]]:
    catalog = VisibleCatalog.of_request(request)
    total, rows, plain = datasets.query_catalog(catalog.table(), params)
    if plain:
        rows = [
            dataset_object(catalog.views[row["dataset_id"]], count=catalog.counts[row["dataset_id"]]) for row in rows
        ]
    return total, rows


def catalog_facets(request: HttpRequest, params: Filters, facets: list[Facet]) -> list[dict[str, Any]]:
    return datasets.catalog_facets(VisibleCatalog.of_request(request).table(), params, facets)


def catalog_rows_for_export(request: HttpRequest) -> list[dict[str, Any]]:
    catalog = VisibleCatalog.of_request(request)
    return [dataset_object(view, count=catalog.counts[dataset_id]) for dataset_id, view in catalog.views.items()]
