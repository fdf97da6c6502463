"""group_by on a multivalued field: one group per value, each record counted once per value.

Expectations are computed in plain Python from the rows; PostgreSQL must agree with DuckDB.
"""

from __future__ import annotations

from collections import defaultdict

import psycopg
import pytest

from datapolis.odsql import ODSQLError, QuerySpec, compile_count, compile_query
from datapolis.schema import FieldSpec

MULTI = {"multivalued": [","]}
SCHEMA = [
    FieldSpec("n", "N", "int"),
    FieldSpec("tags", "Tags", "text", annotations=MULTI),
    FieldSpec("kinds", "Kinds", "text", annotations=MULTI),
    FieldSpec("amount", "Amount", "double"),
]
ROWS = [
    (1, ["vélo", "gare"], ["a"], 10.0),
    (2, ["vélo", "vélo"], ["a", "b"], 20.0),  # a repeated value counts once
    (3, None, None, 30.0),  # no value: the null group, as for a plain field
    (4, [], ["b"], 40.0),
    (5, ["gare", None], None, 50.0),
    (6, ["Écoles"], ["a"], None),
]


def expected_groups(rows=ROWS, where=lambda row: True) -> dict:
    groups: dict = defaultdict(list)
    for row in rows:
        if not where(row):
            continue
        values = {value for value in (row[1] or []) if value is not None} or {None}
        for value in values:
            groups[value].append(row)
    return groups


@pytest.fixture(scope="module")
def table(duck) -> str:
    duck.execute("CREATE OR REPLACE TABLE tagged (n BIGINT, tags VARCHAR[], kinds VARCHAR[], amount DOUBLE)")
    duck.executemany("INSERT INTO tagged VALUES (?, ?, ?, ?)", ROWS)
    return "tagged"


def run(duck, spec: QuerySpec, relation: str = "tagged") -> list[dict]:
    compiled = compile_query(spec, SCHEMA, relation)
    return compiled.decode_rows(duck.execute(compiled.sql, compiled.params).fetchall())


def test_one_group_per_value_with_count_and_avg(duck, table):
    rows = run(duck, QuerySpec(select="tags, count(*) as n, avg(amount) as mean", group_by="tags", order_by="tags"))
    groups = expected_groups()
    expected = []
    for value in sorted(groups, key=lambda v: (v is None, v or "")):
        amounts = [row[3] for row in groups[value] if row[3] is not None]
        expected.append(
            {"tags": value, "n": len(groups[value]), "mean": sum(amounts) / len(amounts) if amounts else None}
        )
    assert rows == expected
    assert {row["tags"] for row in rows} == {"vélo", "gare", "Écoles", None}


def test_the_key_is_a_value_not_a_list(duck, table):
    compiled = compile_query(QuerySpec(group_by="tags"), SCHEMA, "tagged")
    (column,) = compiled.columns
    assert column.name == "tags" and column.type == "text" and not column.multivalued


def test_filters_apply_to_records_before_their_values_are_grouped(duck, table):
    rows = run(duck, QuerySpec(select="tags, count(*) as n", where='tags = "gare"', group_by="tags", order_by="tags"))
    groups = expected_groups(where=lambda row: "gare" in (row[1] or []))
    assert {row["tags"]: row["n"] for row in rows} == {value: len(items) for value, items in groups.items()}


def test_total_count_is_the_number_of_groups(duck, table):
    compiled = compile_count(QuerySpec(group_by="tags"), SCHEMA, "tagged")
    assert duck.execute(compiled.sql, compiled.params).fetchone()[0] == len(expected_groups())


def test_sorting_by_count_and_limiting_like_a_facet(duck, table):
    rows = run(
        duck,
        QuerySpec(
            select="tags as value, count(*) as count",
            where="tags is not null",
            group_by="tags",
            order_by="count desc, value asc",
            limit=2,
        ),
    )
    assert rows == [{"value": "gare", "count": 2}, {"value": "vélo", "count": 2}]


def test_two_multivalued_fields_give_every_pair(duck, table):
    rows = run(duck, QuerySpec(select="count(*) as n", group_by="tags, kinds", order_by="tags, kinds"))
    pairs = defaultdict(int)
    for row in ROWS:
        for tag in {v for v in (row[1] or []) if v is not None} or {None}:
            for kind in {v for v in (row[2] or []) if v is not None} or {None}:
                pairs[(tag, kind)] += 1
    assert {(row["tags"], row["kinds"]): row["n"] for row in rows} == pairs


def test_a_multivalued_field_is_grouped_by_alone(table):
    with pytest.raises(ODSQLError, match="multivalued field can only be grouped by alone"):
        compile_query(QuerySpec(group_by="ifnull(tags, kinds)"), SCHEMA, "tagged")
    with pytest.raises(ODSQLError, match="expects text, found multivalued text"):
        compile_query(QuerySpec(group_by="lower(tags)"), SCHEMA, "tagged")


def test_postgres_gives_the_same_groups(duck, table):
    spec = QuerySpec(select="tags, count(*) as n, avg(amount) as mean", group_by="tags", order_by="tags")
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as pg:
        pg.execute("CREATE TEMP TABLE tagged (n bigint, tags text[], kinds text[], amount double precision)")
        for row in ROWS:
            pg.execute("INSERT INTO tagged VALUES (%s, %s, %s, %s)", list(row))
        compiled = compile_query(spec, SCHEMA, "tagged", "postgres")
        on_postgres = compiled.decode_rows(pg.execute(compiled.sql, compiled.params).fetchall())
        count = compile_count(spec, SCHEMA, "tagged", "postgres")
        groups = pg.execute(count.sql, count.params).fetchone()[0]
    assert on_postgres == run(duck, spec)
    assert groups == len(expected_groups())
