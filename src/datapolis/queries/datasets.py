"""The catalog queried with ODSQL over its metadata: datasets as rows of a table.

The caller's visible datasets, one metadata row each (the access layer builds them),
become an Arrow table registered on this thread's DuckDB cursor for the duration of a
query, queried with the same ODSQL compiler as records.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from datapolis.engine import Store
from datapolis.engine.sql import quote_identifier
from datapolis.odsql import compile_count, compile_query
from datapolis.queries.facets import Facet, FacetRequest, compute_facets
from datapolis.queries.requests import Filters, RecordsRequest, page_bounds, query_spec
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
    FieldSpec("schema", "Table Schema", "text", annotations=dict(FACET)),
]
DEFAULT_ORDER = "modified desc, dataset_id"

ARROW_TYPES = {"text": pa.string(), "int": pa.int64(), "datetime": pa.timestamp("us", tz="UTC"), "boolean": pa.bool_()}


def _arrow_type(spec: FieldSpec) -> pa.DataType:
    base = ARROW_TYPES[spec.type]
    return pa.list_(base) if "multivalued" in spec.annotations else base


CATALOG_SCHEMA = pa.schema([pa.field(spec.name, _arrow_type(spec)) for spec in CATALOG_FIELDS])


class CatalogTable:
    """One caller's catalog for one request: a metadata row (CATALOG_FIELDS) per dataset."""

    def __init__(self, rows: Sequence[dict[str, Any]], store: Store) -> None:
        self.rows = rows
        self.store = store

    def arrow(self) -> pa.Table:
        return pa.Table.from_pylist(list(self.rows), schema=CATALOG_SCHEMA)

    @contextmanager
    def relation(self) -> Iterator[str]:
        """The rows as a table on this thread's cursor, for the duration of the block."""
        cursor = self.store.cursor()
        name = f"catalog_{secrets.token_hex(8)}"
        cursor.register(name, self.arrow())
        try:
            yield quote_identifier(name)
        finally:
            cursor.unregister(name)

    def run(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        return self.store.cursor().execute(sql, params).fetchall()


def query_catalog(
    table: CatalogTable, request: RecordsRequest, *, bounds: tuple[int, int] | None = None
) -> tuple[int, list[dict[str, Any]], bool]:
    """(total, rows, plain) of a catalog query.

    A plain query (no select, no group_by) returns `{"dataset_id"}` rows in the requested
    order (by default the most recently modified first), for the caller to describe.
    `bounds` (limit, offset) replace the Explore API's checks of the request's own, for an
    API whose pages are larger (CKAN's: up to 1,000 datasets).
    """
    grouped = bool(request.group_by)
    limit, offset = bounds or page_bounds(request.limit, request.offset, grouped=grouped)
    spec = query_spec(request, limit=limit, offset=offset)
    plain = not request.select and not request.group_by
    if plain:
        spec.select = "dataset_id"
        spec.order_by = request.order_by or DEFAULT_ORDER
    with table.relation() as relation:
        compiled = compile_query(spec, CATALOG_FIELDS, relation)
        rows = compiled.decode_rows(table.run(compiled.sql, compiled.params))
        counted = compile_count(spec, CATALOG_FIELDS, relation)
        total = int(table.run(counted.sql, counted.params)[0][0])
    return total, rows, plain


def catalog_facets(table: CatalogTable, filters: Filters, facets: Sequence[Facet]) -> list[dict[str, Any]]:
    """Facets of the catalog (by default its fields annotated `facet`) under `filters`."""
    if not facets:
        facets = [Facet(name=spec.name) for spec in CATALOG_FIELDS if "facet" in spec.annotations]
    with table.relation() as relation:
        return compute_facets(FacetRequest(query_spec(filters), CATALOG_FIELDS, relation, table.run), facets)


def select_metadata(row: dict[str, Any], store: Store, select: str) -> dict[str, Any]:
    """`select=title, modified` on one dataset's metadata row."""
    table = CatalogTable([row], store)
    with table.relation() as relation:
        compiled = compile_query(query_spec(RecordsRequest(select=select), limit=1), CATALOG_FIELDS, relation)
        rows = compiled.decode_rows(table.run(compiled.sql, compiled.params))
    return rows[0] if rows else {}
