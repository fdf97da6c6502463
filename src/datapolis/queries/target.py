"""A dataset as one caller may query it: the input of every query service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from datapolis.engine import Store
from datapolis.odsql import QuerySpec
from datapolis.queries.requests import Filters, query_spec
from datapolis.schema import FieldSpec, Relation


@dataclass(frozen=True)
class QueryTarget:
    """A dataset's current version, with what the access policy lets one caller see.

    `fields` is the whole schema (row filters may name fields the caller cannot see);
    `visible_fields` is what the caller's own clauses and the results may use (None: all);
    `row_filters` are ODSQL conditions ANDed to every query; `snapshot` is None before the
    first version is published.
    """

    dataset_id: str
    fields: Sequence[FieldSpec]
    store: Store
    snapshot: int | None
    records_count: int
    visible_fields: frozenset[str] | None = None
    row_filters: tuple[str, ...] = ()

    @property
    def has_data(self) -> bool:
        return self.snapshot is not None

    @property
    def visible_specs(self) -> list[FieldSpec]:
        visible = self.visible_fields
        return [spec for spec in self.fields if visible is None or spec.name in visible]

    def relation(self) -> Relation:
        """Where the current version is queried from (its serving copy when built)."""
        assert self.snapshot is not None, "a dataset without a version has no relation"
        return self.store.serving_relation_sql(self.dataset_id, self.snapshot)

    def query_spec(self, request: Filters, **bounds: Any) -> QuerySpec:
        """The ODSQL request of `request` under what this caller may see (row filters, fields)."""
        return query_spec(request, restrictions=self.row_filters, visible_fields=self.visible_fields, **bounds)

    def run(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        """Rows of a compiled query, on this thread's cursor (interrupted past the query deadline)."""
        return self.store.cursor().execute(sql, params).fetchall()
