"""The subsidies workbook: a notice sheet, a title line above the SCDL header, typed cells."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from datapolis.demo import DemoDataset

# The columns of the SCDL "subventions" schema, in order: written out from the standard rather
# than taken from the generator, so that the test checks the generator against it.
SCDL_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
]


def luhn_valid(number: str) -> bool:
    digits = [int(char) for char in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * digit, 10)) for digit in digits[1::2])
    return total % 10 == 0


@pytest.fixture(scope="module")
def sheet(demo: dict[str, DemoDataset]) -> list[list[Any]]:
    workbook = CalamineWorkbook.from_path(str(demo["subventions-associations"].path))
    assert workbook.sheet_names == ["Notice", demo["subventions-associations"].read_options["sheet"]]
    return workbook.get_sheet_by_name("Subventions").to_python()


@pytest.fixture(scope="module")
def grants(sheet: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(sheet[1], row, strict=True)) for row in sheet[2:]]


def test_a_title_line_stands_above_the_header(sheet: list[list[Any]]) -> None:
    assert sheet[0][0].startswith("Subventions attribuées aux associations")
    assert all(cell == "" for cell in sheet[0][1:])
    assert sheet[1] == SCDL_COLUMNS


def test_siret_numbers_are_fourteen_digit_texts_passing_luhn(grants: list[dict[str, Any]]) -> None:
    assert grants
    for grant in grants:
        assert isinstance(grant["idAttribuant"], str) and re.fullmatch(r"\d{14}", grant["idAttribuant"])
        assert luhn_valid(grant["idAttribuant"])
        if grant["idBeneficiaire"]:
            assert re.fullmatch(r"\d{14}", grant["idBeneficiaire"]) and luhn_valid(grant["idBeneficiaire"])
        assert grant["rnaBeneficiaire"] == "" or re.fullmatch(r"W\d{9}", grant["rnaBeneficiaire"])


def test_dates_are_date_cells_and_amounts_numbers_with_cents(grants: list[dict[str, Any]]) -> None:
    for grant in grants:
        assert isinstance(grant["dateConvention"], dt.date)
        assert 2021 <= grant["dateConvention"].year <= 2026
        assert isinstance(grant["montant"], float) and grant["montant"] >= 100
        assert round(grant["montant"], 2) == grant["montant"]
        assert 0 < grant["pourcentageSubvention"] <= 1


def test_values_follow_the_scdl_vocabulary(grants: list[dict[str, Any]]) -> None:
    natures = {"aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"}
    period = re.compile(r"\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?")
    for grant in grants:
        assert grant["nature"] in natures
        assert grant["conditionsVersement"] in ("unique", "échelonné")
        assert period.fullmatch(grant["datesPeriodeVersement"])
        assert grant["notificationUE"] == "non"
        first_payment = dt.date.fromisoformat(grant["datesPeriodeVersement"][:10])
        assert first_payment > grant["dateConvention"]


def test_beneficiaries_are_associations(grants: list[dict[str, Any]]) -> None:
    kinds = ("Association", "Comité", "Amicale", "Union", "Club", "Football", "Tennis", "Judo", "Les Amis")
    local = [grant["nomBeneficiaire"] for grant in grants if grant["nomBeneficiaire"].startswith(kinds)]
    assert len(local) >= len(grants) / 3
