"""What a caller may query: the access policy's answer, as the query services' targets.

The faces (API, portal pages, tiles, dashboards) open a dataset here, then call the query
services (`datapolis.queries`) with its `QueryTarget`; the catalog they query is the
`VisibleCatalog` of the caller on the request's portal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.http import HttpRequest

from datapolis.access.policy import (
    DatasetView,
    Principal,
    dataset_view,
    dataset_views,
    principal_from_request,
    visible_datasets_queryset,
)
from datapolis.catalog import services as catalog_services
from datapolis.catalog.dataset_objects import FREQUENCY_URIS
from datapolis.catalog.fields import field_specs
from datapolis.catalog.models import Dataset, Visibility
from datapolis.catalog.storage import get_store
from datapolis.queries import records
from datapolis.queries.datasets import CatalogTable
from datapolis.queries.errors import NotFound
from datapolis.queries.target import QueryTarget
from datapolis.schema import FieldSpec


@dataclass(frozen=True)
class DatasetAccess:
    """A dataset as one caller may see it: the policy's view and the target to query."""

    view: DatasetView
    target: QueryTarget

    @property
    def dataset(self) -> Dataset:
        return self.view.dataset

    @property
    def fields(self) -> list[FieldSpec]:
        return list(self.target.fields)

    @property
    def visible_specs(self) -> list[FieldSpec]:
        return self.target.visible_specs

    @property
    def has_data(self) -> bool:
        return self.target.has_data

    def pinned(self, *, version: int | None = None, at: datetime | None = None, timezone: str = "UTC") -> DatasetAccess:
        """The same access to a past version (`QueryTarget.pinned`), among those the catalog recorded.

        A version the lake holds but the catalog never recorded (its publication was killed
        in between) was never published: it cannot be read, as it cannot be restored.
        """
        if version is None and at is None:
            return self
        readable = catalog_services.versions(self.dataset)
        return replace(self, target=self.target.pinned(readable, version=version, at=at, timezone=timezone))


def query_target(view: DatasetView) -> QueryTarget:
    dataset = view.dataset
    return QueryTarget(
        dataset_id=dataset.dataset_id,
        fields=field_specs(dataset),
        store=get_store(),
        snapshot=dataset.current_snapshot,
        records_count=dataset.records_count,
        visible_fields=view.visible_fields,
        row_filters=view.row_filters,
    )


def dataset_access(principal: Principal, portal: Any, dataset_id: str, *, data: bool = True) -> DatasetAccess:
    """The caller's view of a dataset, or `NotFound` when it may not see it (or its data)."""
    view = dataset_view(principal, portal, dataset_id)
    if view is None or (data and not view.data_visible):
        raise NotFound(f"Unknown dataset: {dataset_id}")
    return DatasetAccess(view=view, target=query_target(view))


def open_dataset(request: HttpRequest, dataset_id: str, *, data: bool = True) -> DatasetAccess:
    """`dataset_access` for the request's principal on the request's portal."""
    return dataset_access(principal_from_request(request), request.portal, dataset_id, data=data)


def filtered_count(view: DatasetView) -> int:
    """The records a caller with row filters sees (catalog counts follow the filters)."""
    if not view.data_visible:
        return 0
    return records.filtered_count(query_target(view))


def catalog_row(view: DatasetView, count: int) -> dict[str, Any]:
    """The metadata a catalog query sees (queries.datasets.CATALOG_FIELDS), from prefetched models."""
    dataset = view.dataset
    return {
        "dataset_id": dataset.dataset_id,
        "dataset_uid": dataset.uid,
        "title": dataset.title,
        "description": dataset.description,
        "theme": [theme.name for theme in dataset.themes.all()],
        "keyword": list(dataset.keywords or []),
        "license": dataset.license or None,
        "language": dataset.language,
        "publisher": dataset.publisher or None,
        "territory": list(dataset.territory or []),
        "modified": dataset.modified,
        "data_processed": dataset.data_modified,
        "metadata_processed": dataset.metadata_modified,
        "records_count": count,
        "features": dataset.features,
        "has_records": count > 0,
        "visibility": "restricted" if dataset.visibility == Visibility.RESTRICTED else "domain",
        "dcat.created": dataset.created,
        "dcat.creator": dataset.producer or None,
        "dcat.accrualperiodicity": FREQUENCY_URIS.get(dataset.update_frequency),
        "schema": schema_title(dataset),
    }


def schema_title(dataset: Dataset) -> str | None:
    """The Table Schema a dataset declares, as the catalog's facet names it (its title, else its name)."""
    schema = dataset.table_schema or {}
    return schema.get("title") or schema.get("name") or None


class VisibleCatalog:
    """The datasets one caller sees on one portal, with their filtered counts, as a table."""

    def __init__(self, principal: Principal, portal: Any) -> None:
        queryset = visible_datasets_queryset(principal, portal).prefetch_related("fields", "themes", "attachments")
        self.views = {view.dataset.dataset_id: view for view in dataset_views(principal, portal, queryset)}
        self.counts = {dataset_id: filtered_count(view) for dataset_id, view in self.views.items()}

    @classmethod
    def of_request(cls, request: HttpRequest) -> VisibleCatalog:
        return cls(principal_from_request(request), request.portal)

    def table(self) -> CatalogTable:
        rows = [catalog_row(view, self.counts[dataset_id]) for dataset_id, view in self.views.items()]
        return CatalogTable(rows, get_store())
