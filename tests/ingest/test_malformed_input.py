"""Each malformed input gets its precise error: code, line and column."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from datapolis.ingest import IngestError

from .conftest import count, read_path, rows


def error_of(con, path: Path, **options) -> IngestError:
    with pytest.raises(IngestError) as raised:
        read_path(con, path, **options)
    return raised.value


def test_row_with_too_many_cells(con, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        'code;nom;pop\n35238;Rennes;227830\n"35047";"Bain\nde Bretagne";7000\n35288;Saint-Malo;46000;extra\n'
    )

    error = error_of(con, path)

    assert (error.code, error.line, error.column) == ("ragged_row", 5, 4)
    assert error.params == {"found": 4, "expected": 3}


def test_row_with_too_few_cells(con, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("code,nom,pop\r\n35238,Rennes,227830\r\n35288,Saint-Malo\r\n")

    error = error_of(con, path)

    assert (error.code, error.line, error.column) == ("ragged_row", 3, 3)


def test_unterminated_quote_at_end_of_file_is_a_truncated_file(con, tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text('id,texte,n\n1,"complet",2\n2,"coupé au milieu\nde la phrase')

    error = error_of(con, path)

    assert (error.code, error.line, error.column, error.field) == ("truncated", 3, 2, "texte")


def test_empty_file(con, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert error_of(con, path).code == "empty_file"


def test_file_with_only_blank_lines_and_a_bom(con, tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n\r\n  \n")
    assert error_of(con, path).code == "empty_file"


def test_header_only_file_is_a_valid_empty_table(con, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("code_insee;nom;population\n")

    prepared = read_path(con, path)

    assert count(con, prepared) == 0
    assert [(s.name, s.type) for s in prepared.fields] == [
        ("code_insee", "text"),
        ("nom", "text"),
        ("population", "text"),
    ]


def test_binary_file_named_csv(con, tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)

    error = error_of(con, path)

    assert (error.code, error.line) == ("not_a_csv", 1)


def test_workbook_named_csv_is_not_a_csv(con, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert error_of(con, path).code == "not_a_csv"


def test_unknown_format(con, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 10)
    assert error_of(con, path).code == "unknown_format"
    assert error_of(con, tmp_path / "data.bin", format="docx").code == "unknown_format"


def test_duplicate_headers_are_renamed_and_keep_their_label(con, tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("Nom,Nom,nom,\nA,B,C,D\n")

    prepared = read_path(con, path)

    assert [(s.name, s.label) for s in prepared.fields] == [
        ("nom", "Nom"),
        ("nom_2", "Nom"),
        ("nom_3", "nom"),
        ("column_4", "Column 4"),
    ]
    assert rows(con, prepared) == [("A", "B", "C", "D")]


def test_quoted_newlines_and_mixed_line_endings(con, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(b'rang;texte\r\n1;"ligne un\nligne deux"\n2;simple\r\n3;"a\r\nb"\n')

    prepared = read_path(con, path)

    assert rows(con, prepared) == [(1, "ligne un\nligne deux"), (2, "simple"), (3, "a\nb")]


def test_truncated_workbook(con, tmp_path: Path, shared_datasets: Path) -> None:
    data = (shared_datasets / "data-fair-cases/Les aides financières ADEME.xlsx").read_bytes()
    path = tmp_path / "aides.xlsx"
    path.write_bytes(data[: len(data) // 2])

    assert error_of(con, path).code == "truncated"


def test_truncated_zipped_shapefile(con, tmp_path: Path) -> None:
    path = tmp_path / "layer.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("layer.shp", b"\x00" * 5000)
        archive.writestr("layer.dbf", b"\x00" * 5000)
    path.write_bytes(path.read_bytes()[:3000])

    assert error_of(con, path).code == "truncated"


def test_invalid_json_is_located(con, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n{"a": 1},\n{"a": 2,,}\n]\n')

    error = error_of(con, path)

    assert (error.code, error.line) == ("bad_json", 3)


def test_line_counts_title_lines_and_quoted_newlines_of_a_transcoded_file(con, tmp_path: Path) -> None:
    path = tmp_path / "titled.csv"
    path.write_bytes(
        'Titre du fichier\r\nSource : mairie;;\r\n\r\ncode;nom;pop\r\n1;a;2\n2;"b\nc";3\r\n3;é\r\n'.encode("cp1252")
    )

    error = error_of(con, path)

    assert (error.code, error.line, error.column) == ("ragged_row", 8, 3)
