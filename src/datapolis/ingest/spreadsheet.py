"""XLSX, XLS and ODS workbooks, read with calamine.

Cells come typed from the workbook; they are written as text in the staging table
(integral numbers without ".0", dates and datetimes in ISO 8601) so one inference
serves every format, and codes stored as text ("01001", "2A004") stay text. The
header is the first row, among the first 50, made of text only that fills at least
80 % as many cells as the widest row (else 50 %): the title lines INSEE and others put
above it are skipped. Rows are 1-based spreadsheet row numbers in errors.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from datapolis.engine.sql import quote_identifier
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.options import ReadOptions
from datapolis.ingest.relation import StagedColumn, Staging, new_name

HEADER_SEARCH_ROWS = 50


def stage_spreadsheet(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staging:
    workbook = _open(path)
    sheet_name = _sheet_name(workbook, options.sheet, path)
    try:
        sheet = workbook.get_sheet_by_name(sheet_name)
        rows = sheet.to_python()
        first_row = sheet.start[0] + 1 if sheet.start else 1
    except (CalamineError, ValueError, OSError) as error:
        raise _corrupt(path, error) from error
    header_index = _header_index(rows)
    if header_index is None:
        raise IngestError(
            str(path), gettext_noop("The sheet %(sheet)s is empty."), {"sheet": sheet_name}, code="empty_file"
        )
    labels, data, row_numbers = _table(rows, header_index, first_row)
    table = new_name("ingest_raw")
    columns = [StagedColumn(f"c{i}", label) for i, label in enumerate(labels, start=1)]
    arrow = pa.table({c.column: pa.array([row[i] for row in data], pa.string()) for i, c in enumerate(columns)})
    view = new_name("ingest_arrow")
    con.register(view, arrow)
    try:
        con.execute(f"CREATE TEMP TABLE {quote_identifier(table)} AS SELECT * FROM {quote_identifier(view)}")
    finally:
        con.unregister(view)
    source = {"sheet": sheet_name, "header_row": first_row + header_index}
    return Staging(str(path), table, columns, len(data), lambda index: row_numbers[index], source)


def _open(path: Path) -> CalamineWorkbook:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".ods") and not zipfile.is_zipfile(path):
        raise IngestError(
            str(path),
            gettext_noop("The workbook is damaged or truncated: its zip structure is incomplete."),
            code="truncated",
        )
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, ValueError, OSError) as error:
        raise _corrupt(path, error) from error


def _corrupt(path: Path, error: Exception) -> IngestError:
    return IngestError(
        str(path),
        gettext_noop("The workbook cannot be read (damaged or truncated file): %(error)s"),
        {"error": str(error)},
        code="truncated",
    )


def _sheet_name(workbook: CalamineWorkbook, wanted: str | None, path: Path) -> str:
    names = list(workbook.sheet_names)
    if not names:
        raise IngestError(str(path), gettext_noop("The workbook has no sheet."), code="empty_file")
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    raise IngestError(
        str(path),
        gettext_noop("The workbook has no sheet %(sheet)s (sheets: %(sheets)s)."),
        {"sheet": wanted, "sheets": ", ".join(names)},
        code="bad_option",
    )


def _filled(row: list[Any]) -> int:
    return sum(1 for cell in row if cell not in ("", None))


def _header_index(rows: list[list[Any]]) -> int | None:
    """The first all-text row nearly as wide as the widest row (else at least half as wide)."""
    head = rows[:HEADER_SEARCH_ROWS]
    widest = max((_filled(row) for row in head), default=0)
    if widest == 0:
        return None
    candidates = [
        (index, len(filled))
        for index, filled in ((i, [c for c in row if c not in ("", None)]) for i, row in enumerate(head))
        if len(filled) * 2 >= widest and all(isinstance(cell, str) for cell in filled)
    ]
    wide = [index for index, filled in candidates if filled * 5 >= widest * 4]
    if wide or candidates:
        return (wide or [index for index, _ in candidates])[0]
    return next(index for index, row in enumerate(head) if _filled(row))


def _table(
    rows: list[list[Any]], header_index: int, first_row: int
) -> tuple[list[str], list[list[str | None]], list[int]]:
    """Labels, data rows as text (empty rows left out) and each data row's spreadsheet row number."""
    header = rows[header_index]
    data_rows = [(first_row + i, row) for i, row in enumerate(rows[header_index + 1 :], start=header_index + 1)]
    data_rows = [(number, row) for number, row in data_rows if _filled(row)]
    width = max([_last_filled(header), *(_last_filled(row) for _, row in data_rows)])
    labels = [_label(header[i] if i < len(header) else "", i + 1) for i in range(width)]
    data = [[_text(row[i]) if i < len(row) else None for i in range(width)] for _, row in data_rows]
    return labels, data, [number for number, _ in data_rows]


def _last_filled(row: list[Any]) -> int:
    for index in range(len(row) - 1, -1, -1):
        if row[index] not in ("", None):
            return index + 1
    return 0


def _label(cell: Any, position: int) -> str:
    label = _text(cell) or ""
    return " ".join(label.split()) or f"Column {position}"


def _text(cell: Any) -> str | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)
