"""Records: a page of a dataset's rows or groups, and one record by id."""

from __future__ import annotations

from typing import Any

from datapolis.api.explore.datasets import DatasetAccess
from datapolis.api.explore.errors import NotFound
from datapolis.api.explore.params import RecordParams, RecordsParams, page_bounds, query_spec
from datapolis.catalog.storage import get_store
from datapolis.odsql import CompiledQuery, compile_count, compile_page_with_total, compile_query
from datapolis.odsql.query import QuerySpec
from datapolis.schema import RECORD_ID_COLUMN, RECORD_TIMESTAMP_COLUMN, FieldSpec

# Exposed as fields when a caller asks for links (the record's self link needs its id).
TECHNICAL_FIELDS = [
    FieldSpec(RECORD_ID_COLUMN, "Record id", "text"),
    FieldSpec(RECORD_TIMESTAMP_COLUMN, "Record timestamp", "datetime"),
]


def run_rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    return get_store().cursor().execute(sql, params).fetchall()


def run(compiled: CompiledQuery) -> list[tuple]:
    return run_rows(compiled.sql, compiled.params)


def query_records(
    access: DatasetAccess, params: RecordsParams, *, with_ids: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    """(total_count, results) of a records request; `with_ids` adds `_id` and `_timestamp`."""
    limit, offset = page_bounds(params.limit, params.offset, grouped=bool(params.group_by))
    spec = query_spec(
        params,
        restrictions=access.row_filters,
        visible_fields=access.visible_fields,
        limit=limit,
        offset=offset,
    )
    schema = access.fields
    if with_ids and not params.group_by and (params.select or "*").strip() == "*":
        schema, spec = _with_technical_fields(access, spec)
    if not access.has_data:
        compile_query(spec, schema, "empty")  # still reject a malformed query
        return 0, []
    relation = access.relation()
    results: list[dict[str, Any]] = []
    together = compile_page_with_total(spec, schema, relation) if limit > 0 else None
    if together is not None:
        rows = run(together)
        if rows:  # an empty page has no row to carry the total
            return int(rows[0][-1]), together.decode_rows(rows)
    if limit > 0:
        compiled = compile_query(spec, schema, relation)
        results = compiled.decode_rows(run(compiled))
        if offset == 0 and len(results) < limit and not compiled.is_aggregation:
            return len(results), results
        if not compiled.is_aggregation and _unfiltered(spec):
            return access.dataset.records_count, results  # the version's row count, mirrored with it
    return _count(spec, schema, relation), results


def _unfiltered(spec: QuerySpec) -> bool:
    return not (spec.where_clauses or spec.refine or spec.exclude or spec.restrictions)


def _with_technical_fields(access: DatasetAccess, spec: QuerySpec) -> tuple[list[FieldSpec], QuerySpec]:
    """`select=*` then also returns the technical fields (ids are needed for record links)."""
    if spec.visible_fields is not None:
        spec.visible_fields = frozenset(spec.visible_fields) | {field.name for field in TECHNICAL_FIELDS}
    return [*access.fields, *TECHNICAL_FIELDS], spec


def _count(spec: QuerySpec, schema: list[FieldSpec], relation: str) -> int:
    compiled = compile_count(spec, schema, relation)
    (count,) = run(compiled)[0]
    return int(count)


def record_by_id(access: DatasetAccess, record_id: str, params: RecordParams) -> dict[str, Any]:
    """One record, if the caller's row filters let them see it."""
    spec = QuerySpec(
        select=params.select,
        limit=1,
        timezone=params.timezone or "UTC",
        lang=params.lang or "fr",
        restrictions=access.row_filters,
        visible_fields=access.visible_fields,
    )
    if not access.has_data:
        raise NotFound(f"Unknown record: {record_id}")
    # The id is a bound parameter of a sub-select; the row filters still apply around it.
    relation = f'(SELECT * FROM {access.relation()} WHERE "{RECORD_ID_COLUMN}" = $record_id)'  # noqa: S608
    compiled = compile_query(spec, access.fields, relation)
    rows = get_store().cursor().execute(compiled.sql, {**compiled.params, "record_id": record_id}).fetchall()
    if not rows:
        raise NotFound(f"Unknown record: {record_id}")
    return compiled.decode_row(rows[0])
