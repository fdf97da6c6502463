"""What the engine fuzz (test_engine_fuzz.py) found, each pinned by a plain golden test.

Each of these queries was accepted by the checker and then failed (a 500): in the engine,
in the compiler or while decoding. The table is the fuzz's own (every field type, extreme
values), built here in the session's DuckDB connection.
"""

from __future__ import annotations

import pytest

from datapolis.odsql import ODSQLError, QuerySpec, compile_query
from tests.odsql.engine_child import SCHEMA, build_table


@pytest.fixture(scope="module")
def fuzzed(duck):
    return build_table(duck)


def run(duck, relation, **spec):
    compiled = compile_query(QuerySpec(**spec), SCHEMA, relation)
    return compiled.decode_rows(duck.execute(compiled.sql, compiled.params).fetchall())


def test_integer_ranges_hold_the_largest_integers(duck, fuzzed):
    """Through a double, 2^63 - 1 became 2^63, whose cast back to BIGINT failed."""
    rows = run(duck, fuzzed, select="r, count(*) as n", group_by="range(i, 3) as r", order_by="r", limit=100)
    labels = [row["r"] for row in rows]
    assert "[9223372036854775806, 9223372036854775809[" in labels
    assert "[-9223372036854775809, -9223372036854775806[" in labels
    assert "[42, 45[" in labels and "[-3, 0[" in labels


def test_a_range_alias_can_be_selected(duck, fuzzed):
    """`select r ... group_by range(x, 10) as r` reached the printer's range() as a plain call."""
    rows = run(duck, fuzzed, select="r", group_by="range(x, 10) as r", order_by="r", limit=20)
    assert [row["r"] for row in rows][1:4] == ["[-10.0, 0.0[", "[0.0, 10.0[", "[123450.0, 123460.0["]


def test_an_aggregation_ordered_randomly_is_one_row(duck, fuzzed):
    """random() ordered by the record id, which an aggregation without groups cannot read."""
    assert run(duck, fuzzed, select="count(*) as n", order_by="random(3)") == [{"n": 240}]


@pytest.mark.parametrize("select", ["bbox(geom'POINT(2 48)')", "envelope(ifnull(p, p))", "bbox(t)"])
def test_envelope_and_bbox_take_a_geo_field_only(select):
    """Any geo-typed expression passed the checker, then failed the printer's assertion."""
    with pytest.raises(ODSQLError, match=r"(bbox|envelope)\(\) expects"):
        compile_query(QuerySpec(select=select), SCHEMA, "fuzzed_data")


def test_a_calendar_range_ending_after_year_9999_is_open(duck, fuzzed):
    """The end of the last quarter of 9999 is in year 10000, which Python dates cannot hold."""
    rows = run(duck, fuzzed, select="q, count(*) as n", group_by="range(d, 1 q) as q", order_by="q", limit=100)
    assert {"q": "[9999-10-01, *[", "n": 40} in rows


def test_random_order_of_groups_keyed_by_a_formatted_date(duck, fuzzed):
    """The ORDER BY printed the key again with new parameter names: no longer the GROUP BY's
    expression for DuckDB (a Binder Error)."""
    spec = {"select": "f, count(*) as n", "group_by": "date_format(dt, 'EEEE d MMMM') as f", "limit": 10}
    first = run(duck, fuzzed, **spec, order_by="random(3)")
    assert first == run(duck, fuzzed, **spec, order_by="random(3)")  # a stable order per seed
    assert sorted(first, key=str) == sorted(run(duck, fuzzed, **spec), key=str)
    assert {"f": "samedi 29 février", "n": 40} in first


def test_a_date_histogram_bucket_before_year_1_is_labelled(duck, fuzzed):
    """DuckDB hands out a timestamp before year 1 as text, which the label added a timedelta to."""
    rows = run(duck, fuzzed, select="r, count(*) as n", group_by="range(d, 1000000 s) as r", order_by="r", limit=10)
    assert rows[0] == {"r": "[0001-12-25 (BC) 16:26:40, *[", "n": 40}
    assert {"r": "[2020-02-28T02:40:00, 2020-03-10T16:26:40[", "n": 40} in rows


def test_null_in_a_list_of_values_of_different_kinds_is_refused(duck, fuzzed):
    """`null in (date'2020-02', x)`: the items were left unchecked, and DuckDB could not cast x to a date."""
    with pytest.raises(ODSQLError, match="expected a date value"):
        compile_query(QuerySpec(where=["null in (date'2020-02', x)"]), SCHEMA, "fuzzed_data")
    assert run(duck, fuzzed, select="count(*) as n", where=["null in (1, x)"]) == [{"n": 0}]


def test_an_aggregation_ordered_by_a_field_outside_its_aggregates_is_refused():
    """`order_by=(i + x) / avg(i)` with `select=sum(2.5)`: DuckDB's binder failed and invalidated the database."""
    with pytest.raises(ODSQLError, match="order_by on an aggregated query takes group_by fields and aggregations"):
        compile_query(QuerySpec(select="sum(2.5)", order_by="((i + x) / avg(i))", limit=100), SCHEMA, "fuzzed_data")
