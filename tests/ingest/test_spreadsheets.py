"""XLSX, XLS and ODS: first or named sheet, header row under title lines, codes kept as text."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from datapolis.ingest import IngestError

from .conftest import count, field_types, read_path, rows


def write_ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A minimal OpenDocument spreadsheet: strings as text cells, numbers as float cells."""

    def cell(value: object) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows_)
        + "</table:table>"
        for name, rows_ in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def test_insee_workbook_named_sheet_under_title_lines(con, shared_datasets: Path) -> None:
    path = shared_datasets / "insee-populations-legales/ensemble-2026.xlsx"

    prepared = read_path(con, path, sheet="Départements")

    assert prepared.source["sheet"] == "Départements"
    assert prepared.source["header_row"] == 8
    assert field_types(prepared)["code_departement"] == "text"
    codes = {code for (code,) in rows(con, prepared, "code_departement")}
    assert {"01", "2A", "2B", "971"} <= codes


def test_unknown_sheet_lists_the_sheets(con, shared_datasets: Path) -> None:
    with pytest.raises(IngestError) as raised:
        read_path(con, shared_datasets / "insee-populations-legales/ensemble-2026.xlsx", sheet="Cantons")
    assert raised.value.code == "bad_option"
    assert "Cantons et métropoles" in raised.value.params["sheets"]


def test_legacy_xls(con, shared_data: Path) -> None:
    prepared = read_path(con, shared_data / "schemas/lieux-covoiturage/exemple-valide-v0.2.0.xls")

    assert prepared.source["format"] == "xls"
    types = field_types(prepared)
    assert (types["insee"], types["date_maj"], types["ouvert"], types["nbre_pl"]) == ("text", "date", "boolean", "int")
    assert rows(con, prepared, "insee", "geo_point_2d") == [("76217", {"lon": 1.081183, "lat": 49.921823})]


def test_ods_with_title_rows_and_codes(con, tmp_path: Path) -> None:
    path = write_ods(
        tmp_path / "communes.ods",
        {
            "Notes": [["Lisez-moi"]],
            "Communes": [
                ["Communes d'Ille-et-Vilaine"],
                [None],
                ["Code", "Nom", "Population", "Superficie"],
                ["35001", "Acigné", 7000, 20.5],
                ["35238", "Rennes", 227830, 50.39],
            ],
        },
    )

    prepared = read_path(con, path, sheet="Communes")

    assert prepared.source == {
        "sheet": "Communes",
        "header_row": 3,
        "format": "ods",
        "rows": 2,
    }
    assert rows(con, prepared) == [("35001", "Acigné", 7000, 20.5), ("35238", "Rennes", 227830, 50.39)]
    assert count(con, read_path(con, path)) == 0  # the first sheet holds a header only


def test_bad_value_in_forced_type_gives_the_spreadsheet_row(con, tmp_path: Path) -> None:
    path = write_ods(
        tmp_path / "x.ods",
        {"S": [["Titre"], ["code", "valeur"], ["a", 1], ["b", "deux"], ["c", 3]]},
    )
    with pytest.raises(IngestError) as raised:
        read_path(con, path, field_types={"valeur": "int"})
    assert (raised.value.code, raised.value.line, raised.value.column) == ("bad_value", 4, 2)
