"""The IRVE file: one row per charging point, each inside its commune, with French formatting quirks."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from datapolis.demo import DemoDataset
from tests.demo.conftest import in_bbox, read_csv


@pytest.fixture(scope="module")
def points(demo: dict[str, DemoDataset]) -> list[dict[str, str]]:
    return read_csv(demo["bornes-irve"].path, delimiter=";")


def test_every_point_lies_inside_the_polygon_of_its_commune(
    points: list[dict[str, str]], commune_shapes: dict[str, BaseGeometry]
) -> None:
    assert points
    for point in points:
        lon, lat = float(point["longitude"]), float(point["latitude"])
        assert in_bbox(lon, lat)
        assert shapely.contains_xy(commune_shapes[point["code_insee_commune"]], lon, lat), point["id_pdc_itinerance"]


def test_powers_use_decimal_commas(points: list[dict[str, str]]) -> None:
    assert all(re.fullmatch(r"\d{1,3},\d", point["puissance_nominale"]) for point in points)
    powers = {float(point["puissance_nominale"].replace(",", ".")) for point in points}
    assert powers <= {3.7, 7.4, 11.0, 22.0, 50.0, 150.0, 300.0}


def test_dates_are_valid_day_month_year(points: list[dict[str, str]]) -> None:
    for point in points:
        assert dt.datetime.strptime(point["date_maj"], "%d/%m/%Y")
        if point["date_mise_en_service"]:
            opened = dt.datetime.strptime(point["date_mise_en_service"], "%d/%m/%Y")
            assert 2015 <= opened.year <= 2025
    assert any(int(point["date_mise_en_service"][:2]) > 12 for point in points if point["date_mise_en_service"])


def test_identifiers_follow_the_itinerance_format(points: list[dict[str, str]]) -> None:
    for point in points:
        assert re.fullmatch(r"FR[A-Z0-9]{3}E\d{8}", point["id_station_itinerance"])
        assert re.fullmatch(r"FR[A-Z0-9]{3}P\d{10}", point["id_pdc_itinerance"])
    identifiers = [point["id_pdc_itinerance"] for point in points]
    assert len(set(identifiers)) == len(identifiers)


def test_station_point_count_matches_its_rows(points: list[dict[str, str]]) -> None:
    rows_per_station = Counter(point["id_station_itinerance"] for point in points)
    for point in points:
        assert int(point["nbre_pdc"]) == rows_per_station[point["id_station_itinerance"]]


def test_booleans_are_written_as_publishers_write_them(points: list[dict[str, str]]) -> None:
    for column in ("prise_type_ef", "prise_type_2", "prise_type_combo_ccs", "prise_type_chademo", "paiement_cb"):
        assert {point[column] for point in points} <= {"true", "false"}
    assert {point["gratuit"] for point in points} <= {"oui", "non"}
    assert all("true" in (point["prise_type_2"], point["prise_type_combo_ccs"]) for point in points)


def test_address_ends_with_postal_code_and_commune(points: list[dict[str, str]], communes: list[dict]) -> None:
    by_code = {feature["properties"]["code_insee"]: feature["properties"] for feature in communes}
    for point in points:
        commune = by_code[point["code_insee_commune"]]
        assert point["adresse_station"].endswith(f" {commune['code_postal']} {commune['nom']}")
