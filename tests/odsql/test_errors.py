"""Malformed and invalid queries: one ODSQLError naming the clause, the position and what was expected."""

from __future__ import annotations

import pytest

from datapolis.odsql import ODSQLError, QuerySpec, compile_query


@pytest.fixture
def compile_with(no2):
    def run(**spec):
        return compile_query(QuerySpec(**spec), no2.schema, "no2")

    return run


@pytest.mark.parametrize(
    ("clause", "text", "column", "expected"),
    [
        ("where", "niveau > ", 10, "a number"),
        ("where", "niveau >> 3", 9, "a number"),
        ("where", "niveau = 3 and", 15, "a field name"),
        ("where", 'station = "open', 11, None),
        ("where", "niveau in [1..", 15, "a number"),
        ("select", "count(*", 8, '")"'),
        ("select", "station as", 11, "a field name"),
        ("group_by", "station,", 9, "a field name"),
        ("order_by", "niveau desc desc", 13, "the end of the clause"),
        ("order_by", "niveau;", 7, None),
    ],
)
def test_syntax_errors_name_clause_position_and_expectation(compile_with, clause, text, column, expected):
    with pytest.raises(ODSQLError) as caught:
        compile_with(**{clause: text})
    error = caught.value
    assert error.clause == clause
    assert error.position is not None and (error.position.line, error.position.column) == (1, column)
    if expected:
        assert expected in error.message
    assert str(error).startswith("ODSQL query is malformed: ")
    assert str(error).endswith(f"Clause(s) containing the error(s): {clause}.")
    assert error.to_dict() == {"message": str(error), "error_code": "ODSQLError"}


def test_positions_count_lines(compile_with):
    with pytest.raises(ODSQLError) as caught:
        compile_with(where="niveau > 3\nand niveau <")
    assert (caught.value.position.line, caught.value.position.column) == (2, 13)


@pytest.mark.parametrize(
    ("clause", "text", "message", "column"),
    [
        ("select", "invalid_function()", "unknown function invalid_function()", 1),
        ("where", "station = 3 and nope > 2", "unknown field: nope", 17),
        ("where", "niveau", "expected a condition", 1),
        ("where", 'niveau = "abc"', "expected a int value", 10),
        ("where", "station > date'2020'", "expected a text value, found a date literal", 11),
        ("where", "year(day) > station", "cannot compare int with text", 1),
        ("where", "count(*) > 2", "count() cannot be used in where", 1),
        ("select", "search(station, 'x')", "search() cannot be used in select", 1),
        ("select", "niveau > 3", "a condition cannot be used in select", 1),
        ("select", "envelope(station)", "envelope() expects a geo_point_2d field", 10),
        ("select", "sum(station)", "sum() expects a number", 5),
        ("select", "sum(max(niveau))", "aggregations cannot be nested", 5),
        ("order_by", "count(*)", "sorting by an aggregation needs an aggregation", 1),
        ("order_by", "random(x)", "random() expects an integer seed", 1),
        ("order_by", "station, 0", "order_by expects a field, an alias, an aggregation or random()", 10),
        ("group_by", "range(station, 10)", "range() expects a number or date field", 7),
        ("group_by", "range(day, 2 M)", "ranges of months only support a width of 1", 12),
        ("group_by", "range(day, 1 lightyear)", "unknown range unit", 12),
        ("group_by", "niveau + 1", "group_by expects fields", 1),
        ("where", "date_format(day, 'QQ') = '1'", "unsupported date_format symbol", 18),
        ("where", "now(fortnights=1) > day", "unknown now() argument", 5),
        ("where", "within_distance(station, geom'POINT(1 2)', 1km)", "expects a geo_point_2d or geo_shape field", 17),
        ("where", "day = date'2020-13-45'", "month must be in 1..12", 7),
    ],
)
def test_checker_errors(compile_with, clause, text, message, column):
    with pytest.raises(ODSQLError) as caught:
        compile_with(**{clause: text})
    assert caught.value.clause == clause
    assert message in caught.value.message
    assert caught.value.position is not None and caught.value.position.column == column


def test_request_parameters_are_checked(compile_with):
    with pytest.raises(ODSQLError) as caught:
        compile_with(timezone="Mars/Olympus_Mons")
    assert caught.value.clause == "timezone"
    with pytest.raises(ODSQLError) as caught:
        compile_with(lang="tlh")
    assert caught.value.clause == "lang"


def test_geometry_literals_are_validated(velib):
    with pytest.raises(ODSQLError) as caught:
        compile_query(QuerySpec(where="intersects(geo, geom'POLYGON((1 2, 3')"), velib.schema, "velib")
    assert "invalid geometry" in caught.value.message and caught.value.clause == "where"


def test_nesting_depth_is_bounded(compile_with):
    with pytest.raises(ODSQLError) as caught:
        compile_with(where="niveau > " + "+".join(["1"] * 200))
    assert "nested" in caught.value.message
