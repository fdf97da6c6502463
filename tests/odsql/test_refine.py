"""refine/exclude (§3.8): equality, date periods in the query timezone, multivalued, disjunctive."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from datapolis.odsql import ODSQLError, parse_refine
from datapolis.schema import FieldSpec

from .conftest import Dataset


def test_parse_refine_unquotes_values():
    assert parse_refine('station:"Beaux Arts"') == ("station", "Beaux Arts")
    assert parse_refine("day:2020/05") == ("day", "2020/05")
    assert parse_refine("name:'Don\\'t'") == ("name", "Don't")
    with pytest.raises(ValueError):
        parse_refine("no separator")


def test_refine_text_and_number(no2):
    assert no2.count(refine=[("station", "Blum")]) == sum(r["station"] == "Blum" for r in no2.rows)
    assert no2.count(refine=[("niveau", "12")]) == sum(r["niveau"] == 12 for r in no2.rows)


@pytest.mark.parametrize(("value", "match"), [("2020", (2020,)), ("2020/02", (2020, 2)), ("2020/02/29", (2020, 2, 29))])
def test_refine_date_periods(no2, value, match):
    def inside(day):
        return (day.year, day.month, day.day)[: len(match)] == match

    assert no2.count(refine=[("day", value)]) == sum(inside(r["day"]) for r in no2.rows)


def test_refine_datetime_periods_use_the_timezone(no2_yearly):
    for zone in ("UTC", "America/Los_Angeles"):
        expected = sum(r["start"].astimezone(ZoneInfo(zone)).year == 2020 for r in no2_yearly.rows)
        assert no2_yearly.count(refine=[("start", "2020")], timezone=zone) == expected
    assert no2_yearly.count(refine=[("start", "2020")], timezone="UTC") != no2_yearly.count(
        refine=[("start", "2020")], timezone="America/Los_Angeles"
    )


def test_exclude_keeps_nulls(no2):
    assert no2.count(exclude=[("etat", "V")]) == sum(r["etat"] != "V" for r in no2.rows)


def test_several_refines_on_one_field_are_anded_unless_disjunctive(duck):
    duck.execute(
        "CREATE OR REPLACE TABLE kw AS SELECT * FROM (VALUES ('1', 'a', ['x', 'y']), ('2', 'b', ['y']),"
        " ('3', 'c', NULL)) v(_id, letter, tag)"
    )
    plain = [FieldSpec("letter", "L", "text"), FieldSpec("tag", "T", "text", annotations={"multivalued": [","]})]
    data = Dataset(duck, "kw", plain, [])
    assert data.count(refine=[("tag", "y")]) == 2
    assert data.count(refine=[("tag", "x"), ("tag", "y")]) == 1
    assert data.count(refine=[("letter", "a"), ("letter", "b")]) == 0
    disjunctive = [FieldSpec("letter", "L", "text", annotations={"disjunctive": []}), plain[1]]
    data = Dataset(duck, "kw", disjunctive, [])
    assert data.count(refine=[("letter", "a"), ("letter", "b")]) == 2
    assert data.count(exclude=[("tag", "x")]) == 2


def test_hierarchical_refine_selects_the_subtree(duck):
    duck.execute(
        "CREATE OR REPLACE TABLE places AS SELECT * FROM (VALUES ('1', 'France/Bretagne/Rennes'),"
        " ('2', 'France/Bretagne'), ('3', 'France/Normandie')) v(_id, path)"
    )
    data = Dataset(duck, "places", [FieldSpec("path", "P", "text", annotations={"hierarchical": ["/"]})], [])
    assert data.count(refine=[("path", "France/Bretagne")]) == 2


def test_refine_errors_name_the_clause(no2):
    with pytest.raises(ODSQLError) as error:
        no2.count(refine=[("niveau", "twelve")])
    assert error.value.clause == "refine"
    with pytest.raises(ODSQLError) as error:
        no2.count(exclude=[("unknown_field", "x")])
    assert error.value.clause == "exclude" and "unknown_field" in error.value.message
