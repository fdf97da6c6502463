"""Delimiter and header detection; declared options override detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.ingest import IngestError

from .conftest import read_path, rows

TABLE = [
    ["Code INSEE", "Commune", "Surface (km², décimale)"],
    ["35238", "Rennes", "50,39"],
    ["35288", "Saint-Malo", "36,58"],
]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_is_detected(con, tmp_path: Path, delimiter: str) -> None:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value else value

    path = tmp_path / "communes.csv"
    path.write_text("\n".join(delimiter.join(cell(c) for c in row) for row in TABLE) + "\n")

    prepared = read_path(con, path)

    assert prepared.source["delimiter"] == delimiter
    assert [s.name for s in prepared.fields] == ["code_insee", "commune", "surface_km2_decimale"]
    assert rows(con, prepared) == [("35238", "Rennes", 50.39), ("35288", "Saint-Malo", 36.58)]


def test_declared_delimiter_wins(con, tmp_path: Path) -> None:
    path = tmp_path / "one-column.csv"
    path.write_text("libelle\nRennes; Ille-et-Vilaine\nBrest; Finistère\n")

    prepared = read_path(con, path, delimiter=",")

    assert [s.name for s in prepared.fields] == ["libelle"]
    assert rows(con, prepared) == [("Rennes; Ille-et-Vilaine",), ("Brest; Finistère",)]


def test_title_lines_above_the_header_are_skipped(con, tmp_path: Path) -> None:
    path = tmp_path / "titled.csv"
    path.write_text(
        "Populations légales 2021\n"
        "Source : Insee;;\n"
        "\n"
        "Code commune;Commune;Population\n"
        "35238;Rennes;227830\n"
        "35288;Saint-Malo;46803\n"
    )

    prepared = read_path(con, path)

    assert prepared.source["header_line"] == 4
    assert [s.label for s in prepared.fields] == ["Code commune", "Commune", "Population"]
    assert rows(con, prepared) == [("35238", "Rennes", 227830), ("35288", "Saint-Malo", 46803)]


def test_decimal_comma_with_thousands_separators(con, tmp_path: Path) -> None:
    path = tmp_path / "montants.csv"
    path.write_text("libelle;montant;autre\nA;1 234,5;1.234,5\nB;12,25;12,25\nC;-3;1.000.000\nD;;\n")

    prepared = read_path(con, path)

    assert [s.type for s in prepared.fields] == ["text", "double", "double"]
    assert rows(con, prepared, "montant", "autre") == [
        (1234.5, 1234.5),
        (12.25, 12.25),
        (-3.0, 1000000.0),
        (None, None),
    ]


def test_decimal_point_with_space_thousands(con, tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("population,ratio\n1 234 567,0.5\n12,1.25e3\n")

    prepared = read_path(con, path)

    assert rows(con, prepared) == [(1234567, 0.5), (12, 1250.0)]


def test_decimal_commas_and_a_ragged_row_do_not_fool_the_delimiter(con, tmp_path: Path) -> None:
    """`,` splits such rows evenly if it takes the header for a title line; it must not win."""
    lines = ["identifiant;nom;surface_km2;latitude;longitude"]
    lines += [f"C{n:03d};Commune {n};{n},5;47,{n:03d};-0,{n:03d}" for n in range(200)]
    lines[150] += ";x"
    path = tmp_path / "communes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(IngestError) as raised:
        read_path(con, path)

    assert raised.value.code == "ragged_row"
    assert raised.value.line == 151
