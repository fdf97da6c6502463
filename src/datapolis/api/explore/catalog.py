"""The catalog endpoints: datasets queried with ODSQL over their metadata.

The caller's visible datasets (access policy) become an Arrow table registered on this
thread's DuckDB cursor for the duration of the request, queried with the same ODSQL
compiler as records; its result orders and pages dataset ids, and each result is the
Explore dataset object, with fields and counts as this caller may see them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from django.http import HttpRequest

from datapolis.access.policy import DatasetView, dataset_views, visible_datasets_queryset
from datapolis.api.explore.datasets import DatasetAccess, field_specs, principal
from datapolis.api.explore.facets import Facet, FacetRequest, compute_facets
from datapolis.api.explore.params import FacetParams, RecordsParams, page_bounds, query_spec
from datapolis.catalog.explore import FREQUENCY_URIS, explore_dataset
from datapolis.catalog.models import Visibility
from datapolis.catalog.storage import get_store
from datapolis.engine.sql import quote_identifier
from datapolis.odsql import compile_count, compile_query
from datapolis.schema import FieldSpec

MULTI = {"multivalued": [","]}
FACET = {"facet": []}

CATALOG_FIELDS = [
    FieldSpec("dataset_id", "Identifier", "text"),
    FieldSpec("dataset_uid", "Unique identifier", "text"),
    FieldSpec("title", "Title", "text"),
    FieldSpec("description", "Description", "text"),
    FieldSpec("theme", "Themes", "text", annotations={**MULTI, **FACET, "disjunctive": []}),
    FieldSpec("keyword", "Keywords", "text", annotations={**MULTI, **FACET, "disjunctive": []}),
    FieldSpec("license", "Licence", "text", annotations=dict(FACET)),
    FieldSpec("language", "Language", "text", annotations=dict(FACET)),
    FieldSpec("publisher", "Publisher", "text", annotations={**FACET, "disjunctive": []}),
    FieldSpec("territory", "Territory", "text", annotations=dict(MULTI)),
    FieldSpec("modified", "Modified", "datetime", annotations=dict(FACET)),
    FieldSpec("data_processed", "Data processed", "datetime"),
    FieldSpec("metadata_processed", "Metadata processed", "datetime"),
    FieldSpec("records_count", "Records", "int"),
    FieldSpec("features", "Features", "text", annotations={**MULTI, **FACET}),
    FieldSpec("has_records", "Has records", "boolean"),
    FieldSpec("visibility", "Visibility", "text"),
    FieldSpec("dcat.created", "Created", "datetime"),
    FieldSpec("dcat.creator", "Producer", "text"),
    FieldSpec("dcat.accrualperiodicity", "Update frequency", "text"),
]

ARROW_TYPES = {"text": pa.string(), "int": pa.int64(), "datetime": pa.timestamp("us", tz="UTC"), "boolean": pa.bool_()}


def _arrow_type(spec: FieldSpec) -> pa.DataType:
    base = ARROW_TYPES[spec.type]
    return pa.list_(base) if "multivalued" in spec.annotations else base


CATALOG_SCHEMA = pa.schema([pa.field(spec.name, _arrow_type(spec)) for spec in CATALOG_FIELDS])


def filtered_count(view: DatasetView) -> int:
    """The records a caller with row filters sees (catalog counts follow the filters)."""
    access = DatasetAccess(view=view, fields=field_specs(view.dataset))
    if not view.data_visible or not access.has_data:
        return 0
    if not view.row_filters:
        return view.dataset.records_count
    spec = query_spec(RecordsParams(), restrictions=view.row_filters, visible_fields=view.visible_fields)
    compiled = compile_count(spec, access.fields, access.relation())
    return int(get_store().cursor().execute(compiled.sql, compiled.params).fetchone()[0])


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


def _row(view: DatasetView, count: int) -> dict[str, Any]:
    """The metadata a catalog query sees, straight from the (prefetched) models."""
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
    }


class CatalogQuery:
    """The caller's catalog for one request: views by id and the registered metadata table."""

    def __init__(self, request: HttpRequest) -> None:
        queryset = visible_datasets_queryset(principal(request), request.portal).prefetch_related(
            "fields", "themes", "attachments"
        )
        self.views = {
            view.dataset.dataset_id: view for view in dataset_views(principal(request), request.portal, queryset)
        }
        self.counts = {dataset_id: filtered_count(view) for dataset_id, view in self.views.items()}

    def table(self) -> pa.Table:
        rows = [_row(view, self.counts[dataset_id]) for dataset_id, view in self.views.items()]
        return pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA)

    @contextmanager
    def relation(self) -> Iterator[str]:
        cursor = get_store().cursor()
        name = f"catalog_{secrets.token_hex(8)}"
        cursor.register(name, self.table())
        try:
            yield quote_identifier(name)
        finally:
            cursor.unregister(name)

    def run(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        return get_store().cursor().execute(sql, params).fetchall()


def select_metadata(request: HttpRequest, view: DatasetView, select: str) -> dict[str, Any]:
    """`select=title, modified` on one dataset: the selected metadata at the root (§2.2)."""
    table = pa.Table.from_pylist([_row(view, filtered_count(view))], schema=CATALOG_SCHEMA)
    cursor = get_store().cursor()
    name = f"dataset_{secrets.token_hex(8)}"
    cursor.register(name, table)
    try:
        spec = query_spec(RecordsParams(select=select), limit=1)
        compiled = compile_query(spec, CATALOG_FIELDS, quote_identifier(name))
        rows = compiled.decode_rows(cursor.execute(compiled.sql, compiled.params).fetchall())
    finally:
        cursor.unregister(name)
    return rows[0] if rows else {}


def query_datasets(request: HttpRequest, params: RecordsParams) -> tuple[int, list[dict[str, Any]]]:
    limit, offset = page_bounds(params.limit, params.offset, grouped=bool(params.group_by))
    spec = query_spec(params, limit=limit, offset=offset)
    catalog = CatalogQuery(request)
    plain = not params.select and not params.group_by
    if plain:
        spec.select = "dataset_id"
        spec.order_by = params.order_by or "modified desc, dataset_id"
    with catalog.relation() as relation:
        compiled = compile_query(spec, CATALOG_FIELDS, relation)
        rows = compiled.decode_rows(catalog.run(compiled.sql, compiled.params))
        count_sql = compile_count(spec, CATALOG_FIELDS, relation)
        total = int(catalog.run(count_sql.sql, count_sql.params)[0][0])
    if plain:
        rows = [
            dataset_object(catalog.views[row["dataset_id"]], count=catalog.counts[row["dataset_id"]]) for row in rows
        ]
    return total, rows


def catalog_facets(request: HttpRequest, params: FacetParams, facets: list[Facet]) -> list[dict[str, Any]]:
    catalog = CatalogQuery(request)
    if not facets:
        facets = [Facet(name=spec.name) for spec in CATALOG_FIELDS if "facet" in spec.annotations]
    with catalog.relation() as relation:
        return compute_facets(FacetRequest(query_spec(params), CATALOG_FIELDS, relation, catalog.run), facets)


def catalog_rows_for_export(request: HttpRequest) -> list[dict[str, Any]]:
    catalog = CatalogQuery(request)
    return [dataset_object(view, count=catalog.counts[dataset_id]) for dataset_id, view in catalog.views.items()]
