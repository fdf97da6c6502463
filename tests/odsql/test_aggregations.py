"""Golden tests of aggregates and group_by on real data; expectations from the raw rows."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest


def by(rows, key):
    groups = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def test_aggregates_without_group_by_give_one_row(no2):
    values = [r["niveau"] for r in no2.rows if r["niveau"] is not None]
    rows = no2.query(
        select="count(*), count(niveau) as counted, count(distinct station) as stations, sum(niveau) as total, "
        "avg(niveau) as mean, min(niveau) as low, max(day) as last, median(niveau) as med,"
        " percentile(niveau, 90) as p90"
    )
    assert rows == [
        {
            "count(*)": len(no2.rows),
            "counted": len(values),
            "stations": len({r["station"] for r in no2.rows}),
            "total": sum(values),
            "mean": pytest.approx(statistics.fmean(values)),
            "low": min(values),
            "last": max(r["day"] for r in no2.rows).isoformat(),
            "med": pytest.approx(statistics.median(values)),
            "p90": pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[-1]),
        }
    ]
    assert no2.count(select="count(*)") == 1


def test_group_by_field_with_count_and_avg(no2):
    rows = no2.query(select="station, count(*) as n, avg(niveau) as mean", group_by="station")
    expected = by(no2.rows, lambda r: r["station"])
    assert {r["station"]: r["n"] for r in rows} == {k: len(v) for k, v in expected.items()}
    for row in rows:
        values = [r["niveau"] for r in expected[row["station"]] if r["niveau"] is not None]
        assert row["mean"] == pytest.approx(statistics.fmean(values))
    assert no2.count(group_by="station") == len(expected)


def test_group_keys_follow_the_selected_aggregates(no2):
    rows = no2.query(select="count(*) as count", group_by="zone")
    assert list(rows[0]) == ["count", "zone"]


def test_group_by_without_aggregate_returns_the_keys(no2):
    rows = no2.query(group_by="departement")
    assert {r["departement"] for r in rows} == {r["departement"] for r in no2.rows}
    assert all(list(r) == ["departement"] for r in rows)


def test_null_group_exists(no2):
    rows = no2.query(select="count(*) as n", group_by="etat")
    assert {r["etat"]: r["n"] for r in rows} == {k: len(v) for k, v in by(no2.rows, lambda r: r["etat"]).items()}


def test_order_by_aggregate_and_alias_with_limit(no2):
    rows = no2.query(select="station, max(niveau) as peak", group_by="station", order_by="peak desc, station", limit=3)
    peaks = {
        k: max(r["niveau"] for r in v if r["niveau"] is not None)
        for k, v in by(no2.rows, lambda r: r["station"]).items()
    }
    expected = sorted(peaks.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(r["station"], r["peak"]) for r in rows] == expected
    rows = no2.query(group_by="station", order_by="count(*) desc, station", limit=2)
    counts = {k: len(v) for k, v in by(no2.rows, lambda r: r["station"]).items()}
    assert [r["station"] for r in rows] == [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]


def test_group_by_date_functions_and_alias(no2):
    rows = no2.query(select="y, count(*) as n", group_by="year(day) as y", order_by="y")
    assert [(r["y"], r["n"]) for r in rows] == sorted(
        (k, len(v)) for k, v in by(no2.rows, lambda r: r["day"].year).items()
    )
    rows = no2.query(select="count(*) as n", group_by="date_format(day, 'yyyy-MM') as month", order_by="month", limit=3)
    expected = sorted((k, len(v)) for k, v in by(no2.rows, lambda r: r["day"].strftime("%Y-%m")).items())[:3]
    assert [(r["month"], r["n"]) for r in rows] == expected


def test_group_by_lower(velib):
    rows = velib.query(select="count(*) as n", group_by="lower(name) as key")
    assert sum(r["n"] for r in rows) == len(velib.rows)
    assert len(rows) == len({r["name"].lower() for r in velib.rows})


def test_equal_width_numeric_ranges(velib):
    rows = velib.query(select="count(*) as n", group_by="range(capacity, 10) as bucket")
    expected = by(velib.rows, lambda r: r["capacity"] // 10 * 10)
    assert {r["bucket"]: r["n"] for r in rows} == {f"[{k}, {k + 10}[": len(v) for k, v in expected.items()}


def test_static_ranges_with_open_ends(velib):
    rows = velib.query(select="count(*) as n", group_by="range(capacity, *, 20, 40, *)")
    key = "range(capacity, *, 20, 40, *)"
    counts = {r[key]: r["n"] for r in rows}
    caps = [r["capacity"] for r in velib.rows]
    assert counts == {
        "[*, 20[": sum(c < 20 for c in caps),
        "[20, 40[": sum(20 <= c < 40 for c in caps),
        "[40, *[": sum(c >= 40 for c in caps),
    }


def test_static_ranges_drop_values_outside(velib):
    rows = velib.query(select="count(*) as n", group_by="range(capacity, 20, 30, 40) as r")
    caps = [r["capacity"] for r in velib.rows]
    assert {r["r"]: r["n"] for r in rows} == {
        "[20, 30[": sum(20 <= c < 30 for c in caps),
        "[30, 40[": sum(30 <= c < 40 for c in caps),
    }
    assert velib.count(group_by="range(capacity, 20, 30, 40)") == 2


def test_date_histogram_by_month_and_static_date_ranges(no2):
    rows = no2.query(select="count(*) as n", group_by="range(day, 1 M) as m", order_by="m", limit=2)
    expected = sorted(by(no2.rows, lambda r: (r["day"].year, r["day"].month)).items())[:2]
    assert [r["n"] for r in rows] == [len(v) for _, v in expected]
    assert rows[0]["m"] == "[2019-01-01, 2019-02-01["
    rows = no2.query(select="count(*) as n", group_by="range(day, *, date'2020-01-01', *) as half")
    assert {r["half"]: r["n"] for r in rows} == {
        "[*, 2020-01-01[": sum(r["day"].year < 2020 for r in no2.rows),
        "[2020-01-01, *[": sum(r["day"].year >= 2020 for r in no2.rows),
    }


def test_datetime_histogram_in_the_request_timezone(no2_yearly):
    zone = ZoneInfo("Europe/Paris")
    rows = no2_yearly.query(select="count(*) as n", group_by="range(start, 1 d) as day", timezone="Europe/Paris")
    expected = by(no2_yearly.rows, lambda r: r["start"].astimezone(zone).date())
    labels = {}
    for day, items in expected.items():
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        end = (start.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=zone)
        labels[f"[{start.isoformat()}, {end.isoformat()}["] = len(items)
    assert {r["day"]: r["n"] for r in rows} == labels
    hourly = no2_yearly.query(select="count(*) as n", group_by="range(start, 6 h)", timezone="UTC")
    assert sum(r["n"] for r in hourly) == len(no2_yearly.rows)
    assert datetime.fromisoformat(hourly[0]["range(start, 6 h)"][1:26]).tzinfo is not None


def test_order_by_mixing_rule(no2):
    from datapolis.odsql import ODSQLError

    no2.query(group_by="station", order_by="avg(niveau), station")
    with pytest.raises(ODSQLError) as error:
        no2.query(group_by="station", order_by="station, avg(niveau)")
    assert error.value.clause == "order_by"


def test_select_field_outside_group_by_is_an_error(no2):
    from datapolis.odsql import ODSQLError

    with pytest.raises(ODSQLError) as error:
        no2.query(select="zone, count(*)", group_by="station")
    assert "zone" in error.value.message and error.value.clause == "select"
    with pytest.raises(ODSQLError):
        no2.query(select="zone, count(*)")
