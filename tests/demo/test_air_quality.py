"""Hourly air quality: Lambert-93 station positions, Europe/Paris offsets across DST, plausible series."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

from datapolis.demo import DemoDataset
from datapolis.demo.air_quality import air_stations
from datapolis.demo.territory import build_territory
from tests.demo.conftest import SEED, in_bbox, read_csv

PARIS = ZoneInfo("Europe/Paris")


def last_sunday(year: int, month: int) -> dt.date:
    last_day = calendar.monthrange(year, month)[1]
    day = dt.date(year, month, last_day)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


@pytest.fixture(scope="module")
def measures(demo: dict[str, DemoDataset]) -> list[dict[str, str]]:
    return read_csv(demo["qualite-air-mesures-horaires"].path, delimiter=",")


@pytest.fixture(scope="module")
def series(measures: list[dict[str, str]]) -> dict[tuple[str, str], list[dict[str, str]]]:
    grouped: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for measure in measures:
        grouped[(measure["code_station"], measure["polluant"])].append(measure)
    return grouped


def test_lambert_93_coordinates_convert_back_to_the_station_position(
    measures: list[dict[str, str]], demo: dict[str, DemoDataset]
) -> None:
    assert demo["qualite-air-mesures-horaires"].read_options == {"epsg": 2154}
    to_wgs84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    geod = Geod(ellps="WGS84")
    stations = {station.code: station for station in air_stations(build_territory(SEED), SEED)}
    positions = {(m["code_station"], m["x_l93"], m["y_l93"]) for m in measures}
    assert len(positions) == len({code for code, _, _ in positions}), "one position per station"
    for code, x, y in positions:
        lon, lat = to_wgs84.transform(float(x), float(y))
        distance = geod.inv(lon, lat, stations[code].lon, stations[code].lat)[2]
        assert distance < 1.0, (code, distance)


def test_stations_lie_in_the_commune_they_name(
    measures: list[dict[str, str]], commune_shapes: dict[str, BaseGeometry]
) -> None:
    to_wgs84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    for code_insee, x, y in {(m["code_insee"], m["x_l93"], m["y_l93"]) for m in measures}:
        lon, lat = to_wgs84.transform(float(x), float(y))
        assert in_bbox(lon, lat)
        assert shapely.contains_xy(commune_shapes[code_insee], lon, lat)


def test_every_series_covers_the_year_hour_by_hour(series: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    assert {pollutant for _, pollutant in series} == {"NO2", "PM10", "PM2.5", "O3"}
    for rows in series.values():
        instants = [dt.datetime.fromisoformat(row["date_debut"]) for row in rows]
        year = instants[0].year
        assert instants[0] == dt.datetime(year, 1, 1, tzinfo=PARIS)
        assert len(instants) == (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days * 24
        steps = {(later - earlier).total_seconds() for earlier, later in pairwise(instants)}
        assert steps == {3600.0}


def test_offsets_are_those_of_europe_paris(series: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    for rows in series.values():
        for row in rows:
            moment = dt.datetime.fromisoformat(row["date_debut"])
            local = moment.astimezone(PARIS)
            assert moment.utcoffset() == local.utcoffset()
            assert moment.replace(tzinfo=None) == local.replace(tzinfo=None)


def test_clocks_skip_two_in_march_and_repeat_two_in_october(
    series: dict[tuple[str, str], list[dict[str, str]]],
) -> None:
    labels = [row["date_debut"] for row in next(iter(series.values()))]
    year = int(labels[0][:4])
    spring, autumn = last_sunday(year, 3).isoformat(), last_sunday(year, 10).isoformat()
    spring_at = labels.index(f"{spring}T01:00:00+01:00")
    assert labels[spring_at + 1] == f"{spring}T03:00:00+02:00"
    assert not any(label.startswith(f"{spring}T02:") for label in labels)
    autumn_at = labels.index(f"{autumn}T02:00:00+02:00")
    assert labels[autumn_at + 1] == f"{autumn}T02:00:00+01:00"
    assert len(labels) == len(set(labels))
    assert labels[labels.index(f"{year}-01-15T12:00:00+01:00") + 24 * 181].endswith("+02:00")


def test_values_are_plausible_with_some_missing(series: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    for (_, pollutant), rows in series.items():
        values = [float(row["valeur"]) for row in rows if row["valeur"]]
        assert min(values) > 0 and max(values) < 500, pollutant
        assert 3 < sum(values) / len(values) < 120, pollutant
        missing = [row for row in rows if not row["valeur"]]
        assert 0 < len(missing) < len(rows) * 0.05
        assert all(row["statut_valid"] == "false" for row in missing)
        assert {row["unite"] for row in rows} == {"µg/m³"}


def test_no2_follows_rush_hours_and_ozone_the_summer(series: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    def mean(rows: list[dict[str, str]], keep) -> float:
        values = [
            float(row["valeur"]) for row in rows if row["valeur"] and keep(dt.datetime.fromisoformat(row["date_debut"]))
        ]
        return sum(values) / len(values)

    for (_, pollutant), rows in series.items():
        if pollutant == "NO2":
            rush = mean(rows, lambda moment: moment.weekday() < 5 and moment.hour == 8)
            night = mean(rows, lambda moment: moment.weekday() < 5 and moment.hour == 3)
            assert rush > 1.5 * night
        if pollutant == "O3":
            summer = mean(rows, lambda moment: moment.month in (6, 7, 8))
            assert summer > mean(rows, lambda moment: moment.month in (12, 1, 2))
