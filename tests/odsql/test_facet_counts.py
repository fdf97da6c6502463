"""Several fields' values and counts in one scan equal one group_by per field."""

from __future__ import annotations

import pytest

from datapolis.odsql import ODSQLError, QuerySpec, compile_query
from datapolis.odsql.facets import FACET_ORDERS, FacetCount, compile_facet_counts, facet_order_by
from datapolis.schema import FieldSpec


def one_by_one(dataset, spec: QuerySpec, facet: FacetCount) -> list[tuple]:
    grouped = QuerySpec(
        select=f"{facet.field} as value, count(*) as count",
        where=[*spec.where_clauses, f"{facet.field} is not null"],
        restrictions=spec.restrictions,
        visible_fields=spec.visible_fields,
        group_by=facet.field,
        order_by=facet_order_by(facet.order),
        limit=facet.limit,
    )
    compiled = compile_query(grouped, dataset.schema, dataset.relation)
    rows = compiled.decode_rows(dataset.con.execute(compiled.sql, compiled.params).fetchall())
    return [(row["value"], row["count"]) for row in rows]


def together(dataset, spec: QuerySpec, facets: list[FacetCount]) -> list[list[tuple]]:
    compiled = compile_facet_counts(spec, dataset.schema, dataset.relation, facets)
    found: list[list[tuple]] = [[] for _ in facets]
    for row in dataset.con.execute(compiled.sql, compiled.params).fetchall():
        index = row[0]
        found[index].append((row[1 + index], row[-1]))
    return found


@pytest.mark.parametrize("order", sorted(FACET_ORDERS))
def test_every_order_and_limit_matches_one_query_per_field(no2_yearly, order):
    names = [spec.name for spec in no2_yearly.schema if spec.type in ("text", "int", "boolean")]
    facets = [FacetCount(name, order, limit) for name, limit in zip(names, [3, 100, 7, 2, 50], strict=False)]
    spec = QuerySpec()
    assert together(no2_yearly, spec, facets) == [one_by_one(no2_yearly, spec, facet) for facet in facets]


def test_filters_and_restrictions_apply(velib):
    spec = QuerySpec(where='"gare" or capacity > 40', restrictions=["capacity > 20"])
    facets = [FacetCount("capacity", "-count", 5), FacetCount("name", "alphanum", 10)]
    found = together(velib, spec, facets)
    assert found == [one_by_one(velib, spec, facet) for facet in facets]
    assert found[0] and all(capacity > 20 for capacity, _ in found[0])


def test_hidden_and_multivalued_fields_are_refused(velib):
    with pytest.raises(ODSQLError):
        compile_facet_counts(QuerySpec(visible_fields=["name"]), velib.schema, velib.relation, [FacetCount("capacity")])
    tags = [*velib.schema, FieldSpec("tags", "Tags", "text", annotations={"multivalued": [","]})]
    with pytest.raises(ODSQLError):
        compile_facet_counts(QuerySpec(), tags, velib.relation, [FacetCount("tags"), FacetCount("name")])
