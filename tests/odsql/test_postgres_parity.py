"""The PostgreSQL printer: the same queries give the same results on PostgreSQL as on DuckDB."""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from datapolis.odsql import QuerySpec, compile_count, compile_query

from .test_generated_queries import ROWS, SCHEMA, conditions

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
NON_GEO = [f for f in SCHEMA if f.type != "geo_point_2d"]


@pytest.fixture(scope="module")
def pg():
    with psycopg.connect(POSTGRES_URL, autocommit=True) as con:
        con.execute(
            "CREATE TEMP TABLE parity (_id text, id bigint, a bigint, b double precision, s text, flag boolean, d date)"
        )
        for row in ROWS:
            con.execute(
                "INSERT INTO parity VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [str(row["id"]), row["id"], row["a"], row["b"], row["s"], row["flag"], row["d"]],
            )
        yield con


@pytest.fixture(scope="module")
def duck_table(duck):
    duck.execute(
        "CREATE OR REPLACE TABLE parity (_id VARCHAR, id BIGINT, a BIGINT, b DOUBLE, s VARCHAR, flag BOOLEAN, d DATE)"
    )
    for row in ROWS:
        duck.execute(
            "INSERT INTO parity VALUES (?, ?, ?, ?, ?, ?, ?)",
            [str(row["id"]), row["id"], row["a"], row["b"], row["s"], row["flag"], row["d"]],
        )
    return "parity"


def both(pg, duck, spec: QuerySpec):
    results = []
    for dialect in ("duckdb", "postgres"):
        compiled = compile_query(spec, NON_GEO, "parity", dialect)
        if dialect == "postgres":
            raw = pg.execute(compiled.sql, compiled.params).fetchall()
        else:
            raw = duck.execute(compiled.sql, compiled.params).fetchall()
        results.append(compiled.decode_rows(raw))
    return results


def counts(pg, duck, spec: QuerySpec):
    values = []
    for dialect, con in (("duckdb", duck), ("postgres", pg)):
        compiled = compile_count(spec, NON_GEO, "parity", dialect)
        values.append(con.execute(compiled.sql, compiled.params).fetchone()[0])
    return values


def normalise(rows):
    return sorted(
        (tuple(sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in r.items())) for r in rows), key=repr
    )


QUERIES = [
    QuerySpec(),
    QuerySpec(select="id, a * 2 + 1 as x, b / a as y, -a as z, length(s) as n, lower(s), upper(s)"),
    QuerySpec(where='s = "alpha" or a in [0..2] and not flag', order_by="id"),
    QuerySpec(where="d >= date'2020' and d < date'2021-01-01'", select="id, year(d), month(d), day(d)"),
    QuerySpec(select="id, date_format(d, \"EEEE d MMMM yyyy 'à' D\") as f", lang="fr"),
    QuerySpec(select="count(*), sum(a), avg(b) as m, min(d), max(a), median(b), percentile(a, 25) as p"),
    QuerySpec(select="s, count(*) as n, count(distinct a) as k", group_by="s", order_by="n desc, s"),
    QuerySpec(select="count(*) as n", group_by="range(a, 3) as r, flag", order_by="r"),
    QuerySpec(select="count(*) as n", group_by="range(a, *, 0, 5, *) as r"),
    QuerySpec(select="count(*) as n", group_by="range(d, 1 M) as m, year(d) as y", order_by="m"),
    QuerySpec(select="count(*) as n", group_by="ifnull(s, 'none') as k", order_by="k"),
    QuerySpec(where='"alpha"'),
    QuerySpec(where='"epee"'),
    QuerySpec(where='s like "gamma"'),
    QuerySpec(where='startswith(s, "al")'),
    QuerySpec(where='suggest(s, "del")'),
    QuerySpec(refine=[("d", "2020")], exclude=[("s", "alpha")]),
    QuerySpec(where="flag is not true and b is not null", order_by="b desc", limit=3, offset=1),
    QuerySpec(order_by="s desc, id", limit=5),
]


@pytest.mark.parametrize("spec", QUERIES, ids=range(len(QUERIES)))
def test_same_results_on_postgres(pg, duck, duck_table, spec):
    on_duck, on_postgres = both(pg, duck, spec)
    if spec.order_by and not spec.group_by:
        assert on_postgres == on_duck
    else:
        assert normalise(on_postgres) == normalise(on_duck)
    assert counts(pg, duck, spec)[0] == counts(pg, duck, spec)[1]


def test_random_order_is_stable_on_postgres(pg, duck, duck_table):
    _, first = both(pg, duck, QuerySpec(select="id", order_by="random(4)"))
    _, again = both(pg, duck, QuerySpec(select="id", order_by="random(4)"))
    assert first == again and len(first) == len(ROWS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(condition=conditions)
def test_generated_filters_agree(pg, duck, duck_table, condition):
    spec = QuerySpec(select="id", where=condition[0], order_by="id")
    on_duck, on_postgres = both(pg, duck, spec)
    assert on_postgres == on_duck, condition[0]
