"""XLSX exports read back with openpyxl: a header row and typed cells."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from datapolis.engine.exports import ExportColumn, ExportError, export_query
from tests.engine.exports.conftest import GEOREF_COLUMNS, NO2_COLUMNS, VELIB_COLUMNS, run_export


def read_rows(data: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_cells_are_typed(con, temp_dir, no2):
    stream, data = run_export(con, temp_dir, no2, NO2_COLUMNS, "xlsx", timezone="Europe/Paris")
    rows = read_rows(data)
    source = con.sql("SELECT station, code, value, valid, start, day FROM no2 ORDER BY row_number").fetchall()
    assert stream.filename_suffix == ".xlsx"
    assert rows[0] == tuple(column.name for column in NO2_COLUMNS)
    assert len(rows) - 1 == len(source) == 46
    paris = ZoneInfo("Europe/Paris")
    for row, (station, code, value, valid, start, day) in zip(rows[1:], source, strict=True):
        assert row[:4] == (station, code, value, valid)
        assert isinstance(row[2], float) and isinstance(row[3], bool)
        # Excel has no time zones: the wall-clock time of the requested one.
        assert row[4] == start.astimezone(paris).replace(tzinfo=None)
        assert row[5] == datetime.combine(day, time())  # Excel dates are datetimes at midnight


def test_labels_text_and_points(con, temp_dir, velib):
    _, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "xlsx", use_labels=True)
    rows = read_rows(data)
    source = con.sql("SELECT station_id, name, capacity, coordinates FROM velib ORDER BY row_number").fetchall()
    assert rows[0] == tuple(column.label for column in VELIB_COLUMNS)
    for row, (station_id, name, capacity, point) in zip(rows[1:], source, strict=True):
        assert row == (station_id, name, capacity, f"{point['lat']}, {point['lon']}")


def test_multivalued_and_long_geojson_text(con, temp_dir, georef):
    _, data = run_export(con, temp_dir, georef, GEOREF_COLUMNS, "xlsx")
    rows = read_rows(data)
    header = rows[0]
    assert len(rows) == 110
    assert rows[1][header.index("reg_code")] == "76"
    assert all(len(row[header.index("geo_shape")]) <= 32767 for row in rows[1:])  # Excel's cell limit


def test_more_rows_than_a_sheet_holds_is_an_export_error(con, temp_dir):
    with pytest.raises(ExportError, match="row limit"):
        export_query(
            con,
            "SELECT range AS n FROM range(1048577)",
            None,
            [ExportColumn("n", "n", "int")],
            "xlsx",
            temp_dir=temp_dir,
        )


FORMULA_LIKE = ["=1+2", '=HYPERLINK("http://example.org","x")', "+SUM(A1:A2)", "-2+3", "@cmd", "=cmd|' /C calc'!A0"]


def test_text_that_looks_like_a_formula_stays_text(con, temp_dir):
    con.execute(
        "CREATE OR REPLACE TABLE formulas AS SELECT unnest(?) AS value, generate_subscripts(?, 1) AS row_number",
        [FORMULA_LIKE, FORMULA_LIKE],
    )
    _, data = run_export(con, temp_dir, "formulas", [ExportColumn("value", "value", "text")], "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))  # not read-only: cell data types are kept
    cells = [row[0] for row in workbook.active.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == FORMULA_LIKE
    assert {cell.data_type for cell in cells} == {"s"}  # never "f" (a formula)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
