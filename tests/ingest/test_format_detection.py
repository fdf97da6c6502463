"""detect_format: declared format, then file name, then first bytes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from datapolis.ingest import IngestError, ReadOptions, detect_format


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("datasets/velib/velib-emplacement-des-stations.csv", "csv"),
        ("datasets/dvf-sample/valeursfoncieres-2020.txt", "csv"),
        ("datasets/insee-populations-legales/ensemble-2026.xlsx", "xlsx"),
        ("schemas/lieux-covoiturage/exemple-valide-v0.2.0.xls", "xls"),
        ("datasets/decoupage-administratif/communes.json", "json"),
        ("datasets/paris/arrondissements.geojson", "geojson"),
    ],
)
def test_by_extension(shared_data: Path, name: str, expected: str) -> None:
    assert detect_format(shared_data / name) == expected


def test_temporary_upload_uses_the_original_name_then_the_content(tmp_path: Path, shared_data: Path) -> None:
    upload = tmp_path / "upload-1234"
    upload.write_bytes((shared_data / "datasets/insee-populations-legales/ensemble-2026.xlsx").read_bytes())
    assert detect_format(upload) == "xlsx"
    assert detect_format(upload, ReadOptions(original_name="populations.xlsx")) == "xlsx"
    upload.write_bytes((shared_data / "schemas/lieux-covoiturage/exemple-valide-v0.2.0.xls").read_bytes())
    assert detect_format(upload) == "xls"
    upload.write_bytes((shared_data / "datasets/paris/arrondissements.geojson").read_bytes())
    assert detect_format(upload) == "geojson"
    upload.write_bytes(b'{"a": 1}\n{"a": 2}\n')
    assert detect_format(upload) == "jsonl"
    upload.write_bytes(b"code;nom\n01001;L'Abergement\n")
    assert detect_format(upload) == "csv"
    upload.write_bytes(b"PAR1" + b"\x00" * 100)
    assert detect_format(upload) == "parquet"


def test_zip_content_decides_between_workbook_and_shapefile(tmp_path: Path) -> None:
    archive_path = tmp_path / "upload"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("communes.shp", b"")
    assert detect_format(archive_path) == "shp"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert detect_format(archive_path) == "ods"


def test_declared_format_wins_and_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text('[{"a": 1}]')
    assert detect_format(path, ReadOptions(format="json")) == "json"
    assert detect_format(path, ReadOptions(format="TSV")) == "csv"
    with pytest.raises(IngestError) as raised:
        detect_format(path, ReadOptions(format="pdf"))
    assert raised.value.code == "unknown_format"


def test_text_with_a_few_nul_bytes_is_still_text(shared_datasets: Path) -> None:
    assert detect_format(shared_datasets / "data-fair-cases/rge-null-chars.csv") == "csv"


def test_binary_named_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    with pytest.raises(IngestError) as raised:
        detect_format(path)
    assert raised.value.code == "not_a_csv"
