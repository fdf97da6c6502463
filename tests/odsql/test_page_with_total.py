"""A sorted, filtered page and its total in one query equal the page query and the count query."""

from __future__ import annotations

import pytest

from datapolis.engine import search_index
from datapolis.odsql import QuerySpec, compile_count, compile_page_with_total, compile_query
from datapolis.schema import Relation


@pytest.fixture(scope="module")
def stations(velib):
    """The Vélib' stations in their own database with a word index, as a serving copy is."""
    velib.con.execute("ATTACH ':memory:' AS paged")
    velib.con.execute(f"CREATE TABLE paged.data AS SELECT * FROM {velib.relation}")
    index = search_index.build(velib.con, "paged", "data")
    return velib, Relation("paged.data", index, "rowid")


SPECS = [
    {"where": "capacity > 30", "order_by": "capacity desc, name, id"},
    {"where": "capacity > 30", "order_by": "capacity desc, name, id", "offset": 20},
    {"where": "capacity > 30", "order_by": "capacity desc", "offset": 5000},  # past the end: empty page
    {"where": '"gare" and capacity > 20', "order_by": "name, id"},
    {"where": "capacity < 20", "order_by": "random(7)", "select": "id, name"},
    {"where": "capacity >= 0", "order_by": "-capacity, id", "select": "id, capacity * 2 as double"},
    {"where": "capacity > 10", "order_by": "double desc, id", "select": "id, capacity * 2 as double"},
    {"restrictions": ["capacity > 40"], "order_by": "name desc, id", "select": "id, name, geo"},
    {"where": "capacity > 25", "order_by": "name, id", "visible_fields": ["id", "name", "capacity"]},
]


@pytest.mark.parametrize("options", SPECS)
def test_one_query_gives_the_page_and_the_total(stations, options):
    velib, relation = stations
    spec = QuerySpec(limit=10, **options)
    together = compile_page_with_total(spec, velib.schema, relation)
    assert together is not None
    rows = velib.con.execute(together.sql, together.params).fetchall()
    page = compile_query(spec, velib.schema, relation)
    count = compile_count(spec, velib.schema, relation)
    expected_rows = page.decode_rows(velib.con.execute(page.sql, page.params).fetchall())
    expected_total = velib.con.execute(count.sql, count.params).fetchone()[0]
    assert together.decode_rows(rows) == expected_rows
    if rows:
        assert rows[0][-1] == expected_total
    else:
        assert options.get("offset", 0) >= expected_total


def test_it_does_not_apply_where_two_queries_are_cheaper(stations):
    velib, relation = stations
    schema = velib.schema
    assert compile_page_with_total(QuerySpec(where="capacity > 3", limit=10), schema, relation) is None  # no sort
    assert compile_page_with_total(QuerySpec(order_by="name", limit=10), schema, relation) is None  # no filter
    searched = QuerySpec(where='"gare"', order_by="name", limit=10)
    assert compile_page_with_total(searched, schema, relation) is None  # counted from the index alone
    grouped = QuerySpec(select="count(*) as n", where="capacity > 3", group_by="capacity", order_by="n", limit=10)
    assert compile_page_with_total(grouped, schema, relation) is None
    plain = QuerySpec(where="capacity > 3", order_by="name", limit=10)
    assert compile_page_with_total(plain, schema, "paged.data") is None  # a relation without row ids
