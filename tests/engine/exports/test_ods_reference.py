"""Shapes compared with Opendatasoft's own exports of georef-france-departement.

The ODS JSON export is loaded with the platform's storage types and exported again:
our CSV (with labels) must read like ODS's CSV export of the same dataset, and our JSON
like its JSON export.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.engine.exports.conftest import GEOREF_COLUMNS, run_export


@pytest.fixture(scope="module")
def ods_csv_rows(shared_data: Path) -> list[list[str]]:
    text = (shared_data / "ods-reference" / "georef-france-departement.csv").read_text("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_reads_like_the_ods_csv_export(con, temp_dir, georef, ods_csv_rows, shared_data):
    _, data = run_export(con, temp_dir, georef, GEOREF_COLUMNS, "csv", use_labels=True)
    reference_bytes = (shared_data / "ods-reference" / "georef-france-departement.csv").read_bytes()
    assert data[:3] == reference_bytes[:3] == b"\xef\xbb\xbf"  # BOM, like ODS
    assert data.split(b"\n", 1)[0].endswith(b"\r") and reference_bytes.split(b"\n", 1)[0].endswith(b"\r")  # CRLF
    ours = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert ours[0] == ods_csv_rows[0]  # 'Geo Point;Geo Shape;Année;...'
    assert len(ours) == len(ods_csv_rows) == 110
    for mine, theirs in zip(ours[1:], ods_csv_rows[1:], strict=True):
        assert mine[0] == theirs[0]  # "lat, lon", same digits
        assert json.loads(mine[1]) == json.loads(theirs[1])  # the geometry as GeoJSON text
        assert mine[2:] == theirs[2:]  # text and multivalued fields


def test_json_reads_like_the_ods_json_export(con, temp_dir, georef, georef_json):
    _, data = run_export(con, temp_dir, georef, GEOREF_COLUMNS, "json")
    ours, theirs = json.loads(data), json.loads(georef_json.read_text())
    assert isinstance(ours, list) and len(ours) == len(theirs) == 109
    for mine, reference in zip(ours, theirs, strict=True):
        assert list(mine) == list(reference)  # same keys, same order: field names, flat records
        assert mine == reference  # {"lon","lat"} points, Feature shapes, lists for multivalued fields
