"""Energy of municipal buildings: a restricted, BOM-prefixed spreadsheet export with decimal commas."""

from __future__ import annotations

import re
from typing import Any

import pytest

from datapolis.demo import DemoDataset
from tests.demo.conftest import read_csv


@pytest.fixture(scope="module")
def readings(demo: dict[str, DemoDataset]) -> list[dict[str, str]]:
    return read_csv(demo["consommation-energie-batiments"].path, delimiter=";", encoding="utf-8-sig")


def test_dataset_is_restricted(demo: dict[str, DemoDataset]) -> None:
    assert demo["consommation-energie-batiments"].visibility == "restricted"
    assert demo["consommation-energie-batiments"].path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_rows_name_communes_of_the_territory(readings: list[dict[str, str]], communes: list[dict[str, Any]]) -> None:
    known = {(feature["properties"]["nom"], feature["properties"]["code_insee"]) for feature in communes}
    assert readings
    assert {(row["commune"], row["code_insee"]) for row in readings} <= known


def test_quantities_use_decimal_commas(readings: list[dict[str, str]]) -> None:
    read = [row for row in readings if row["consommation_kwh"]]
    assert read
    assert all(re.fullmatch(r"\d+,\d", row["consommation_kwh"]) for row in read)
    assert all(re.fullmatch(r"\d+,\d\d", row["cout_ttc_eur"]) for row in read)
    assert all(re.fullmatch(r"01/(0[1-9]|1[0-2])/\d{4}", row["mois"]) for row in readings)


def test_heating_follows_the_seasons(readings: list[dict[str, str]]) -> None:
    def total(months: tuple[str, ...]) -> float:
        return sum(
            float(row["consommation_kwh"].replace(",", "."))
            for row in readings
            if row["energie"] != "Électricité" and row["consommation_kwh"] and row["mois"][3:5] in months
        )

    winter, summer = total(("01", "02", "12")), total(("06", "07", "08"))
    assert winter > 3 * summer
