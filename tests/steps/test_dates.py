"""Date steps on the DVF sample (dd/mm/yyyy dates) and the schools file."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from datapolis.steps import StepError
from tests.steps.conftest import column, read_path, run, spec

DVF = "dvf-sample/valeursfoncieres-2020.txt"


@pytest.fixture
def dvf(con, shared_datasets):
    return read_path(con, shared_datasets / DVF, field_types={"date_mutation": "text", "valeur_fonciere": "text"})


def test_parse_dd_mm_yyyy(con, dvf):
    applied = run(con, dvf, [{"kind": "parse_date", "options": {"field": "date_mutation", "format": "dd/mm/yyyy"}}])
    expected = [datetime.strptime(v, "%d/%m/%Y").date() for v in column(con, dvf, "date_mutation")]
    assert column(con, applied.prepared, "date_mutation") == expected
    assert spec(applied.prepared, "date_mutation").type == "date"
    assert spec(applied.prepared, "date_mutation").label == "Date mutation"


def test_parse_datetime_in_a_timezone(con, dvf):
    applied = run(
        con,
        dvf,
        [
            {"kind": "compute", "options": {"field": "when_text", "expression": "date_mutation"}},
            {"kind": "replace", "options": {"fields": ["when_text"], "find": "$", "replace": " 14:30", "regex": True}},
            {
                "kind": "parse_date",
                "options": {
                    "field": "when_text",
                    "format": "%d/%m/%Y %H:%M",
                    "timezone": "Europe/Paris",
                    "target": "quand",
                },
            },
        ],
    )
    paris = ZoneInfo("Europe/Paris")
    expected = [
        datetime.strptime(v + " 14:30", "%d/%m/%Y %H:%M").replace(tzinfo=paris)
        for v in column(con, dvf, "date_mutation")
    ]
    got = column(con, applied.prepared, "quand")
    assert [g.timestamp() for g in got] == [e.timestamp() for e in expected]
    assert spec(applied.prepared, "quand").type == "datetime"


def test_parse_failure_names_the_row(con, dvf):
    with pytest.raises(StepError) as caught:
        run(con, dvf, [{"kind": "parse_date", "options": {"field": "date_mutation", "format": "%Y-%m-%d"}}])
    assert caught.value.row == 1 and caught.value.value == column(con, dvf, "date_mutation")[0]
    assert "%Y-%m-%d" in caught.value.message


@pytest.mark.parametrize("part", ["year", "month", "day", "weekday"])
def test_date_parts(con, schools, part):
    applied = run(con, schools, [{"kind": "date_part", "options": {"field": "date_ouverture", "part": part}}])
    python = {"year": lambda d: d.year, "month": lambda d: d.month, "day": lambda d: d.day, "weekday": date.isoweekday}
    expected = [python[part](d) if d else None for d in column(con, schools, "date_ouverture")]
    assert column(con, applied.prepared, f"date_ouverture_{part}") == expected


def test_anonymise_dates_to_month_and_year(con, schools):
    applied = run(
        con,
        schools,
        [
            {"kind": "compute", "options": {"field": "copie", "expression": "date_ouverture"}},
            {"kind": "anonymise", "options": {"fields": ["date_ouverture"], "method": "month"}},
            {"kind": "anonymise", "options": {"fields": ["copie"], "method": "year"}},
        ],
    )
    source = column(con, schools, "date_ouverture")
    assert column(con, applied.prepared, "date_ouverture") == [d.replace(day=1) if d else None for d in source]
    assert column(con, applied.prepared, "copie") == [d.replace(month=1, day=1) if d else None for d in source]
