"""Bike counts: a cp1252, semicolon-separated export with accented labels and a "lat, lon" column."""

from __future__ import annotations

import datetime as dt
import re
from itertools import pairwise

import pytest

from datapolis.demo import DemoDataset
from tests.demo.conftest import in_bbox, read_csv


@pytest.fixture(scope="module")
def counts(demo: dict[str, DemoDataset]) -> list[dict[str, str]]:
    return read_csv(demo["comptages-velo"].path, delimiter=";", encoding="cp1252")


def test_file_is_cp1252_not_utf8(demo: dict[str, DemoDataset]) -> None:
    content = demo["comptages-velo"].path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    text = content.decode("cp1252")
    assert "Coordonnées géographiques" in text.splitlines()[0]
    assert "\r\n" in text
    assert "encoding" not in demo["comptages-velo"].read_options, "left for the reader to detect"


def test_counter_names_carry_accents(counts: list[dict[str, str]]) -> None:
    names = {row["Nom du compteur"] for row in counts}
    assert names
    assert any(re.search(r"[àâçéèêëîïôûùœ]", name) for name in names), names


def test_positions_are_lat_lon_text_inside_the_territory(counts: list[dict[str, str]]) -> None:
    for position in {row["Coordonnées géographiques"] for row in counts}:
        match = re.fullmatch(r"(-?\d+\.\d+), (-?\d+\.\d+)", position)
        assert match, position
        lat, lon = float(match[1]), float(match[2])
        assert in_bbox(lon, lat)


def test_counts_are_hourly_non_negative_integers_with_outages_left_empty(counts: list[dict[str, str]]) -> None:
    for row in counts:
        assert row["Comptage horaire"] == "" or int(row["Comptage horaire"]) >= 0
    per_counter: dict[str, list[dt.datetime]] = {}
    for row in counts:
        per_counter.setdefault(row["Identifiant du compteur"], []).append(
            dt.datetime.fromisoformat(row["Date et heure de comptage"])
        )
    for instants in per_counter.values():
        steps = {(later - earlier).total_seconds() for earlier, later in pairwise(instants)}
        assert steps == {3600.0}
        assert {moment.utcoffset() for moment in instants} == {dt.timedelta(hours=1), dt.timedelta(hours=2)}


def test_commuters_ride_at_eight_on_working_days(counts: list[dict[str, str]]) -> None:
    def mean(keep) -> float:
        values = [
            int(row["Comptage horaire"])
            for row in counts
            if row["Comptage horaire"] and keep(dt.datetime.fromisoformat(row["Date et heure de comptage"]))
        ]
        return sum(values) / len(values)

    eight_on_weekdays = mean(lambda moment: moment.weekday() < 5 and moment.hour == 8)
    assert eight_on_weekdays > 10 * mean(lambda moment: moment.hour == 3)
    assert eight_on_weekdays > 1.5 * mean(lambda moment: moment.weekday() == 6 and moment.hour == 8)
