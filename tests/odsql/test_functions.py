"""Golden tests of the scalar functions, one or more per function; expectations from raw rows."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest


def test_length(velib):
    rows = velib.query(select="id, length(name) as n", where="length(name) > 30")
    assert {r["id"]: r["n"] for r in rows} == {r["id"]: len(r["name"]) for r in velib.rows if len(r["name"]) > 30}


def test_lower_and_upper(velib):
    rows = velib.query(select="lower(name) as low, upper(name) as up, name", limit=50)
    assert all(r["low"] == r["name"].lower() and r["up"] == r["name"].upper() for r in rows)
    assert velib.count(where='lower(name) = "sabot - rennes"') == 1


def test_date_parts_of_dates(no2):
    rows = no2.query(select="day, year(day) as y, month(day) as m, day(day) as d", limit=100, order_by="day desc")
    for row in rows:
        assert (row["y"], row["m"], row["d"]) == tuple(int(p) for p in row["day"].split("-"))
    assert no2.count(where="month(day) = 2 and day(day) = 29") == sum(
        1 for r in no2.rows if (r["day"].month, r["day"].day) == (2, 29)
    )


def test_date_parts_of_datetimes_follow_the_timezone(no2_yearly):
    # date_debut is "2020-01-01 01:00:00+00:00" and similar: hour 1 in UTC, 2 in Paris.
    for zone in ("UTC", "Europe/Paris", "America/New_York"):
        rows = no2_yearly.query(select="station, hour(start) as h, day(start) as d, year(start) as y", timezone=zone)
        expected = [r["start"].astimezone(ZoneInfo(zone)) for r in no2_yearly.rows]
        assert sorted((r["h"], r["d"], r["y"]) for r in rows) == sorted((e.hour, e.day, e.year) for e in expected)
    minute_second = no2_yearly.query(select="minute(start) as mi, second(start) as s", limit=1)[0]
    assert minute_second == {"mi": 0, "s": 0}


def test_datetimes_are_returned_in_the_request_timezone(no2_yearly):
    row = no2_yearly.query(select="start", timezone="Europe/Paris", limit=1)[0]
    parsed = datetime.fromisoformat(row["start"])
    assert parsed.utcoffset().total_seconds() == 3600
    assert parsed in {r["start"] for r in no2_yearly.rows}


def test_date_format_patterns(no2):
    rows = no2.query(
        select="day, date_format(day, 'dd/MM/yyyy') as a, date_format(day, \"'le 'EEEE d MMMM yy\") as b, "
        "date_format(day, 'D DDD e w ww xxxx') as c",
        where="day in [date'2020-02-27'..date'2020-03-02']",
        lang="fr",
    )
    assert rows
    months = [
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ]  # fmt: skip
    days = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    for row in rows:
        day = datetime.fromisoformat(row["day"]).date()
        assert row["a"] == day.strftime("%d/%m/%Y")
        assert row["b"] == f"le {days[day.weekday()]} {day.day} {months[day.month - 1]} {day.strftime('%y')}"
        iso_year, iso_week, iso_day = day.isocalendar()
        assert (
            row["c"]
            == f"{day.timetuple().tm_yday} {day.timetuple().tm_yday:03d} {iso_day} {iso_week} {iso_week:02d} {iso_year}"
        )


def test_date_format_names_follow_lang(no2):
    row = no2.query(select="date_format(day, 'EEEE MMMM E') as f", where="day = date'2020-03-03'", lang="en", limit=1)[
        0
    ]
    assert row["f"] == "Tuesday March Tue"
    row = no2.query(select="date_format(day, 'EEEE MMMM') as f", where="day = date'2020-03-03'", lang="de", limit=1)[0]
    assert row["f"] == "Dienstag März"


def test_date_format_of_datetimes_uses_the_timezone_and_quotes(no2_yearly):
    row = no2_yearly.query(
        select="start, date_format(start, \"HH:mm 'o''clock' yyyy-MM-dd\") as f", timezone="Asia/Tokyo", limit=1
    )[0]
    local = datetime.fromisoformat(row["start"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert row["f"] == local.strftime("%H:%M o'clock %Y-%m-%d")


def test_date_format_in_where_compares_with_strings(no2):
    assert no2.count(where="date_format(day, 'yyyy-MM') = '2020-02'") == sum(
        1 for r in no2.rows if (r["day"].year, r["day"].month) == (2020, 2)
    )


def test_ifnull(no2):
    rows = no2.query(select="ifnull(etat, 'absent') as e", group_by="ifnull(etat, 'absent') as e")
    assert {r["e"] for r in rows} == {r["etat"] or "absent" for r in no2.rows}
    assert no2.count(where="ifnull(niveau, -100) = -100") == sum(r["niveau"] is None for r in no2.rows)


def test_json_format(duck):
    from datapolis.schema import FieldSpec

    from .conftest import Dataset

    duck.execute(
        "CREATE OR REPLACE TABLE blobs AS SELECT * FROM (VALUES ('1', '{\"a\": [1, 2]}'), ('2', 'not json'))"
        " v(_id, payload)"
    )
    data = Dataset(duck, "blobs", [FieldSpec("payload", "Payload", "text")], [])
    rows = data.query(select="json_format(payload) as j, json_format(payload, 'bad') as k", order_by="payload desc")
    assert rows == [{"j": {"a": [1, 2]}, "k": {"a": [1, 2]}}, {"j": "not json", "k": "bad"}]


def test_now_with_set_and_shift_arguments(no2_yearly):
    clock = datetime(2021, 5, 6, 12, 34, 55, 450500, tzinfo=UTC)  # a Thursday, as in the reference
    cases = {
        "now()": "2021-05-06T12:34:55.450500+00:00",
        "now(year=2000)": "2000-05-06T12:34:55.450500+00:00",
        "now(years=-1)": "2020-05-06T12:34:55.450500+00:00",
        "now(year=2001, months=-1)": "2001-04-06T12:34:55.450500+00:00",
        "now(day=31, month=2)": "2021-02-28T12:34:55.450500+00:00",
        "now(weekday=0)": "2021-05-10T12:34:55.450500+00:00",
        "now(mondays=+1)": "2021-05-10T12:34:55.450500+00:00",
        "now(mondays=-1)": "2021-05-03T12:34:55.450500+00:00",
        "now(days=1, hours=-2, minutes=1, seconds=5, microseconds=1)": "2021-05-07T10:36:00.450501+00:00",
    }
    for expression, expected in cases.items():
        row = no2_yearly.query(select=f"{expression} as n", now=clock, limit=1)[0]
        assert row["n"] == expected, expression


def test_now_in_where(no2_yearly):
    clock = datetime(2021, 1, 1, 0, 30, tzinfo=UTC)
    assert no2_yearly.count(where="start < now(years=-1)", now=clock) == sum(
        r["start"] < clock.replace(year=2020) for r in no2_yearly.rows
    )


def test_arithmetic_and_division_by_zero(velib):
    rows = velib.query(select="id, capacity * 2 + 1 as a, capacity / 2 as h, capacity - capacity / 0 as z", limit=20)
    by_id = {r["id"]: r for r in velib.rows}
    for row in rows:
        capacity = by_id[row["id"]]["capacity"]
        assert row["a"] == capacity * 2 + 1
        assert row["h"] == pytest.approx(capacity / 2)
        assert row["z"] is None


def test_random_order_is_stable_per_seed(velib):
    first = [r["id"] for r in velib.query(select="id", order_by="random(1)", limit=20)]
    again = [r["id"] for r in velib.query(select="id", order_by="random(1)", limit=20)]
    other = [r["id"] for r in velib.query(select="id", order_by="random(2)", limit=20)]
    assert first == again
    assert first != other
    assert sorted(first) != first
