"""Compiled queries are cached by everything they depend on, and never served stale."""

from __future__ import annotations

from datetime import UTC, datetime

from datapolis.odsql import QuerySpec, compile_count, compile_query
from datapolis.odsql.cache import COMPILED as _COMPILED
from datapolis.schema import FieldSpec

SCHEMA = [FieldSpec("name", "Name", "text"), FieldSpec("n", "N", "int"), FieldSpec("day", "Day", "date")]


def test_a_repeated_query_is_served_from_the_cache_as_a_copy():
    spec = QuerySpec(where='name = "a" and n > 3', order_by="n desc", limit=10)
    first = compile_query(spec, SCHEMA, "t")
    size = len(_COMPILED._entries)
    second = compile_query(QuerySpec(where='name = "a" and n > 3', order_by="n desc", limit=10), SCHEMA, "t")
    assert len(_COMPILED._entries) == size  # a hit, not a new entry
    assert second.sql == first.sql and second.params == first.params
    second.params["p1"] = "changed"
    assert compile_query(spec, SCHEMA, "t").params == first.params


def test_everything_the_sql_depends_on_is_in_the_key():
    spec = QuerySpec(where='"velo"', limit=10)
    base = compile_query(spec, SCHEMA, "t")
    assert compile_query(spec, SCHEMA, "other").sql != base.sql
    assert compile_query(QuerySpec(where='"velo"', limit=20), SCHEMA, "t").sql != base.sql
    assert compile_query(QuerySpec(where='"velo"', limit=10), SCHEMA, "t", dialect="postgres").sql != base.sql
    multivalued = [FieldSpec("name", "Name", "text", annotations={"multivalued": [","]}), *SCHEMA[1:]]
    assert compile_query(spec, multivalued, "t").sql != base.sql
    hidden = compile_query(QuerySpec(where='"velo"', limit=10, visible_fields=["n"]), SCHEMA, "t")
    assert hidden.sql != base.sql
    restricted = compile_query(QuerySpec(where='"velo"', limit=10, restrictions=["n > 1"]), SCHEMA, "t")
    assert restricted.sql != base.sql
    assert compile_count(spec, SCHEMA, "t").sql != base.sql


def test_queries_reading_the_clock_are_compiled_each_time():
    _COMPILED.clear()
    spec = QuerySpec(where="day >= now(days=-1)")
    first = compile_query(spec, SCHEMA, "t")
    assert len(_COMPILED._entries) == 0
    fixed = QuerySpec(where="day >= now(days=-1)", now=datetime(2024, 5, 1, tzinfo=UTC))
    assert "2024-04-30" in compile_query(fixed, SCHEMA, "t").sql
    assert "2024-04-30" not in first.sql
