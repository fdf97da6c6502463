"""Records: a page of a dataset's rows or groups, one record by id, filtered counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from datapolis.engine.sql import quote_identifier
from datapolis.odsql import compile_count, compile_page_with_total, compile_query
from datapolis.odsql.query import QuerySpec
from datapolis.queries.errors import NotFound
from datapolis.queries.requests import Filters, RecordsRequest, page_bounds
from datapolis.queries.target import QueryTarget
from datapolis.schema import RECORD_ID_COLUMN, RECORD_TIMESTAMP_COLUMN, FieldSpec, Relation

# Exposed as fields when a caller asks for links (the record's self link needs its id).
TECHNICAL_FIELDS = [
    FieldSpec(RECORD_ID_COLUMN, "Record id", "text"),
    FieldSpec(RECORD_TIMESTAMP_COLUMN, "Record timestamp", "datetime"),
]


def query_records(
    target: QueryTarget, request: RecordsRequest, *, with_ids: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    """(total_count, results) of a records request; `with_ids` adds `_id` and `_timestamp`."""
    limit, offset = page_bounds(request.limit, request.offset, grouped=bool(request.group_by))
    return query_page(target, request, limit, offset, with_ids=with_ids)


def query_page(
    target: QueryTarget, request: RecordsRequest, limit: int, offset: int, *, with_ids: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    """`query_records` with bounds the caller checked (the v1 API's pages are larger)."""
    spec = target.query_spec(request, limit=limit, offset=offset)
    schema = list(target.fields)
    if with_ids and not request.group_by and (request.select or "*").strip() == "*":
        schema, spec = _with_technical_fields(schema, spec)
    if not target.has_data:
        compile_query(spec, schema, "empty")  # still reject a malformed query
        return 0, []
    relation = target.relation()
    results: list[dict[str, Any]] = []
    together = compile_page_with_total(spec, schema, relation) if limit > 0 else None
    if together is not None:
        rows = target.run(together.sql, together.params)
        if rows:  # an empty page has no row to carry the total
            return int(rows[0][-1]), together.decode_rows(rows)
    if limit > 0:
        compiled = compile_query(spec, schema, relation)
        results = compiled.decode_rows(target.run(compiled.sql, compiled.params))
        if offset == 0 and len(results) < limit and not compiled.is_aggregation:
            return len(results), results
        if not compiled.is_aggregation and _unfiltered(spec):
            return target.records_count, results  # the version's row count, mirrored with it
    return _count(target, spec, schema, relation), results


def _unfiltered(spec: QuerySpec) -> bool:
    return not (spec.where_clauses or spec.refine or spec.exclude or spec.restrictions)


def _with_technical_fields(schema: list[FieldSpec], spec: QuerySpec) -> tuple[list[FieldSpec], QuerySpec]:
    """`select=*` then also returns the technical fields (ids are needed for record links)."""
    if spec.visible_fields is not None:
        spec.visible_fields = frozenset(spec.visible_fields) | {field.name for field in TECHNICAL_FIELDS}
    return [*schema, *TECHNICAL_FIELDS], spec


def _count(target: QueryTarget, spec: QuerySpec, schema: list[FieldSpec], relation: Relation) -> int:
    compiled = compile_count(spec, schema, relation)
    (count,) = target.run(compiled.sql, compiled.params)[0]
    return int(count)


def filtered_count(target: QueryTarget) -> int:
    """The records the caller sees: the version's count, or the count under its row filters."""
    if not target.has_data:
        return 0
    if not target.row_filters:
        return target.records_count
    spec = target.query_spec(Filters())
    return _count(target, spec, list(target.fields), target.relation())


def aggregate(target: QueryTarget, select: str, filters: Filters | None = None) -> dict[str, Any]:
    """One row of aggregations (`count(*) as n, min(x) as low`) over the caller's records."""
    filters = filters or Filters()
    request = RecordsRequest(**{field.name: getattr(filters, field.name) for field in fields(Filters)}, select=select)
    spec = target.query_spec(request, limit=1)
    if not target.has_data:
        return {}
    compiled = compile_query(spec, target.fields, target.relation())
    rows = compiled.decode_rows(target.run(compiled.sql, compiled.params))
    return rows[0] if rows else {}


def record_by_id(
    target: QueryTarget, record_id: str, *, select: str | None = None, timezone: str = "UTC", lang: str | None = None
) -> dict[str, Any]:
    """One record, if the caller's row filters let them see it."""
    if not target.has_data:
        raise NotFound(f"Unknown record: {record_id}")
    spec = target.query_spec(RecordsRequest(select=select, timezone=timezone, lang=lang), limit=1)
    # The id is a bound parameter of a sub-select; the row filters still apply around it.
    relation = f'(SELECT * FROM {target.relation()} WHERE "{RECORD_ID_COLUMN}" = $record_id)'  # noqa: S608
    compiled = compile_query(spec, target.fields, relation)
    rows = target.run(compiled.sql, {**compiled.params, "record_id": record_id})
    if not rows:
        raise NotFound(f"Unknown record: {record_id}")
    return compiled.decode_row(rows[0])


def approximate_distinct_counts(target: QueryTarget, names: Sequence[str]) -> list[int]:
    """Roughly how many distinct values each of `names` takes in the whole version (no filter).

    The portal picks a table's default facets with it; the result depends on the version
    only, so callers cache it by dataset and snapshot.
    """
    if not names or not target.has_data:
        return [0] * len(names)
    select = ", ".join(f"approx_count_distinct({quote_identifier(name)})" for name in names)
    row = target.run(f"SELECT {select} FROM {target.relation()}", {})[0]  # noqa: S608
    return [int(count) for count in row]
