"""Accents survive every encoding French files come in; a wrong declared encoding is located."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from datapolis.ingest import IngestError

from .conftest import read_path, rows

# The velib export (UTF-8 with BOM) plus a row with the characters where Windows-1252 and Latin-1 differ.
EXTRA_ROW = "99999;L’œuvre à 5 € – Pâques;12;48.85, 2.35\n"


def velib_text(shared_datasets: Path) -> str:
    text = (shared_datasets / "velib/velib-emplacement-des-stations.csv").read_text(encoding="utf-8-sig")
    return text + EXTRA_ROW


def names(con, prepared) -> dict[str, str]:
    return dict(rows(con, prepared, "identifiant_station", "nom_de_la_station"))


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-8"])
def test_accents_intact_whatever_the_encoding(con, tmp_path: Path, shared_datasets: Path, encoding: str) -> None:
    path = tmp_path / f"velib-{encoding}.csv"
    path.write_bytes(velib_text(shared_datasets).encode(encoding))

    prepared = read_path(con, path)

    by_id = names(con, prepared)
    assert by_id["20016"] == "Pyrénées - Maraîchers"
    assert by_id["99999"] == "L’œuvre à 5 € – Pâques"
    assert prepared.fields[2].label == "Capacité de la station"
    assert prepared.source["encoding"] == ("windows-1252" if encoding == "cp1252" else "utf-8")


def test_latin1_file_without_windows_characters(con, tmp_path: Path, shared_datasets: Path) -> None:
    text = (shared_datasets / "velib/velib-emplacement-des-stations.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "velib-latin1.csv"
    path.write_bytes(text.encode("latin-1"))

    by_id = names(con, read_path(con, path, encoding="latin-1"))

    assert by_id["20016"] == "Pyrénées - Maraîchers"


def test_declared_latin1_reads_windows_1252_characters(con, tmp_path: Path) -> None:
    """WHATWG: a file labelled ISO-8859-1 is decoded as Windows-1252 (0x92 is ’, 0x80 is €)."""
    path = tmp_path / "declared.csv"
    path.write_bytes("nom;prix\nL’été;5 €\n".encode("cp1252"))

    prepared = read_path(con, path, encoding="iso-8859-1")

    assert rows(con, prepared) == [("L’été", "5 €")]


def test_double_bom_is_not_part_of_the_header(con, tmp_path: Path) -> None:
    path = tmp_path / "double-bom.csv"
    path.write_bytes(codecs.BOM_UTF8 * 2 + "Numéro;Libellé\n1;Été\n".encode())

    prepared = read_path(con, path)

    assert [(s.name, s.label) for s in prepared.fields] == [("numero", "Numéro"), ("libelle", "Libellé")]
    assert rows(con, prepared) == [(1, "Été")]


def test_declared_utf8_with_windows_bytes_names_line_and_byte(con, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    content = "commune;population\nRennes;227830\nSaint-Malo;46000\nPléneuf;3800\n".encode("cp1252")
    path.write_bytes(content)

    with pytest.raises(IngestError) as raised:
        read_path(con, path, encoding="utf-8")

    error = raised.value
    assert (error.code, error.line, error.column) == ("bad_encoding", 4, 3)
    assert error.params["byte"] == 0xE9
    assert error.params["offset"] == content.index(b"\xe9")


def test_unknown_declared_encoding(con, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(IngestError) as raised:
        read_path(con, path, encoding="klingon-8")
    assert raised.value.code == "bad_option"


def test_transcoded_copy_is_removed(con, tmp_path: Path, shared_datasets: Path) -> None:
    path = tmp_path / "velib.csv"
    path.write_bytes(velib_text(shared_datasets).encode("cp1252"))
    temp = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])

    read_path(con, path)

    assert not list(temp.glob("ingest-*"))
