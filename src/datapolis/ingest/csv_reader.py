"""CSV and other delimited text files.

The dialect (delimiter, where the header is) is sniffed in Python on the first
megabyte; the staging is a view over DuckDB's strict CSV reader (every cell VARCHAR),
parsed in full once, when the typed rows are written, its rejects table telling which
line broke the rules. Files DuckDB
cannot take as they are (not UTF-8, NUL characters, mixed line endings) are first
rewritten, streaming, as a UTF-8 copy in the lake's temporary folder.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.ingest import encoding as encodings
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.options import ReadOptions
from datapolis.ingest.relation import StagedColumn, Staging, new_name

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 20
SAMPLE_RECORDS = 200
MAX_LINE_SIZE = 8 << 20  # GeoJSON shapes in cells make long lines
BUFFER_SIZE = 4 * MAX_LINE_SIZE  # DuckDB reads in buffers this size, one per thread
# A line holding nothing but a stray byte order mark or spaces is a blank line, not a row.
_NOT_BLANK_LINE = "NOT (error_type = 'MISSING COLUMNS' AND trim(replace(csv_line, chr(65279), ''), ' \t\r\n') = '')"
_FOUND_CELLS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


@dataclass
class Dialect:
    delimiter: str
    header_line: int  # 1-based physical line where the header starts
    skip_lines: int  # physical lines up to the end of the header
    labels: list[str]


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staging:
    scan = encodings.scan_text(path, options.encoding)
    if scan.size <= scan.boms * len(encodings.UTF8_BOM) or not _has_text(path):
        raise IngestError(str(path), gettext_noop("The file is empty."), code="empty_file")
    readable = path
    if scan.needs_transcoding:
        readable = encodings.transcode_to_utf8(path, scan, _temp_directory(con))
    rejects, scans = new_name("ingest_rejects"), new_name("ingest_scans")

    def cleanup() -> None:
        con.execute(f"DROP TABLE IF EXISTS {quote_identifier(rejects)}")
        con.execute(f"DROP TABLE IF EXISTS {quote_identifier(scans)}")
        if readable != path and readable.exists():
            os.unlink(readable)

    try:
        dialect = sniff(_sample(readable), options.delimiter, str(path))
        view = _view(con, readable, dialect, rejects, scans)
    except BaseException:
        cleanup()
        raise
    columns = [StagedColumn(f"c{i}", label) for i, label in enumerate(dialect.labels, start=1)]
    source = {
        "format": "csv",
        "encoding": scan.encoding if scan.encoding != "cp1252" else "windows-1252",
        "delimiter": dialect.delimiter,
        "header_line": dialect.header_line,
    }
    if scan.boms:
        source["bom"] = scan.boms
    if scan.has_nul:
        source["nul_characters_removed"] = True
    return Staging(
        str(path),
        view,
        columns,
        None,
        _locator(path, scan, dialect),
        source,
        is_view=True,
        after_scan=lambda: _check_rejects(con, path, readable, dialect, rejects),
        scan_error=lambda error: _scan_error(path, error),
        cleanup=cleanup,
    )


def _has_text(path: Path) -> bool:
    with open(path, "rb") as file:
        head = file.read(65536)
    return bool(head.replace(encodings.UTF8_BOM, b"").strip(b" \t\r\n\x00"))


def _temp_directory(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT current_setting('temp_directory')").fetchone()
    return row[0] if row else None


def _sample(path: Path) -> tuple[str, bool]:
    """The first megabyte as text, and whether the file goes on after it."""
    with open(path, "rb") as file:
        data = file.read(SAMPLE_BYTES + 1)
    truncated = len(data) > SAMPLE_BYTES
    if truncated:
        data = data[: data.rfind(b"\n") + 1] or data[:SAMPLE_BYTES]
    text = data.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff"), truncated


# -- dialect -----------------------------------------------------------------------


@dataclass
class _Record:
    start_line: int
    end_line: int
    cells: list[str]


def _records(text: str, delimiter: str, truncated: bool) -> list[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    records: list[_Record] = []
    previous = 0
    try:
        for cells in reader:
            records.append(_Record(previous + 1, reader.line_num, cells))
            previous = reader.line_num
            if len(records) >= SAMPLE_RECORDS:
                return records
    except csv.Error:
        pass
    if truncated and len(records) > 1:
        records.pop()  # may be cut in the middle
    return records


def sniff(sample: tuple[str, bool], declared: str | None, path: str) -> Dialect:
    text, truncated = sample
    if declared is not None:
        delimiter = _declared_delimiter(declared, path)
        return _dialect(_records(text, delimiter, truncated), delimiter, path)
    best: tuple[tuple[float, ...], Dialect] | None = None
    for delimiter in DELIMITERS:
        records = _records(text, delimiter, truncated)
        dialect = _dialect(records, delimiter, path)
        score = _score(records, dialect)
        if best is None or score > best[0]:
            best = (score, dialect)
    assert best is not None
    return best[1]


def _declared_delimiter(declared: str, path: str) -> str:
    delimiter = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(declared, declared)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise IngestError(
            path,
            gettext_noop("The delimiter must be one character, not %(delimiter)s."),
            {"delimiter": declared},
            code="bad_option",
        )
    return delimiter


def _modal_width(records: list[_Record]) -> int:
    widths = Counter(len(r.cells) for r in records if any(cell.strip() for cell in r.cells))
    return widths.most_common(1)[0][0] if widths else 1


def _dialect(records: list[_Record], delimiter: str, path: str) -> Dialect:
    width = _modal_width(records)
    header = next(
        (r for r in records if len(r.cells) == width and sum(bool(c.strip()) for c in r.cells) * 2 >= width),
        None,
    )
    if header is None:
        header = next((r for r in records if any(cell.strip() for cell in r.cells)), None)
    if header is None:
        raise IngestError(path, gettext_noop("The file is empty."), code="empty_file")
    labels = [_label(cell, i) for i, cell in enumerate(header.cells, start=1)]
    return Dialect(delimiter, header.start_line, header.end_line, labels)


def _label(cell: str, position: int) -> str:
    label = cell.replace("\ufeff", "").strip()
    return label or f"Column {position}"


def _score(records: list[_Record], dialect: Dialect) -> tuple[float, ...]:
    """Prefer a delimiter whose header reads as names, then that splits the rows after it evenly.

    Consistency alone is not enough: in a `;` file with decimal commas, `,` can split every
    data row evenly by taking the real header for a title line and a data row for the
    header; one ragged row then tips the balance. A data row taken for a header betrays
    itself with numbers among its names.
    """
    width = len(dialect.labels)
    rows = [r for r in records if r.start_line > dialect.header_line and any(c.strip() for c in r.cells)]
    if width < 2:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    consistent = sum(len(r.cells) == width for r in rows) / len(rows) if rows else 0.5
    named = sum(not _looks_numeric(label) for label in dialect.labels) / width
    return (1.0, round(named, 1), round(consistent, 2), -float(dialect.header_line), float(width))


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def _looks_numeric(label: str) -> bool:
    return bool(_NUMBER.fullmatch(label.replace(" ", "").replace("\u00a0", "")))


# -- loading -----------------------------------------------------------------------


def _view(con: duckdb.DuckDBPyConnection, readable: Path, dialect: Dialect, rejects: str, scans: str) -> str:
    """A view over the file: DuckDB's strict parser, every cell VARCHAR, bad lines noted in `rejects`.

    A view cannot take parameters: the path and delimiter are quoted literals.
    """
    view = new_name("ingest_csv")
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, len(dialect.labels) + 1)) + "}"
    con.execute(
        f"CREATE TEMP VIEW {quote_identifier(view)} AS SELECT * FROM read_csv({quote_literal(str(readable))}, "
        f"auto_detect = false, header = false, skip = {int(dialect.skip_lines)}, columns = {columns}, "
        f"delim = {quote_literal(dialect.delimiter)}, quote = '\"', escape = '\"', strict_mode = true, "
        f"null_padding = false, max_line_size = {MAX_LINE_SIZE}, buffer_size = {BUFFER_SIZE}, "
        f"store_rejects = true, rejects_table = {quote_literal(rejects)}, rejects_scan = {quote_literal(scans)})"
    )
    return view


def _scan_error(path: Path, error: duckdb.Error) -> IngestError:
    return IngestError(
        str(path),
        gettext_noop("The file cannot be read as CSV: %(error)s"),
        {"error": str(error).split("\n")[0]},
        code="bad_csv",
    )


def _check_rejects(con: duckdb.DuckDBPyConnection, path: Path, readable: Path, dialect: Dialect, rejects: str) -> None:
    """Raise the error of the first line DuckDB's parser rejected, if any."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [rejects]
    ).fetchone()
    if not exists or not exists[0]:
        return
    reject = con.execute(
        f"SELECT line_byte_position, byte_position, column_name, error_type, csv_line, error_message "
        f"FROM {quote_identifier(rejects)} WHERE {_NOT_BLANK_LINE} ORDER BY byte_position LIMIT 1"
    ).fetchone()
    if reject is not None:
        raise _reject_error(path, readable, dialect, reject)


def _reject_error(path: Path, readable: Path, dialect: Dialect, reject: tuple) -> IngestError:
    line_start, _, column_name, error_type, csv_line, message = reject
    line, _, _ = encodings.locate_byte(readable, int(line_start))
    expected = len(dialect.labels)
    found = _FOUND_CELLS.search(message or "")
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS") and found:
        cells = int(found.group(2))
        return IngestError(
            str(path),
            gettext_noop("This row has %(found)d cells where the header has %(expected)d."),
            {"found": cells, "expected": expected},
            code="ragged_row",
            line=line,
            column=min(cells, expected) + 1,
        )
    column = _column_number(column_name)
    if error_type == "UNQUOTED VALUE":
        if int(line_start) + len((csv_line or "").encode("utf-8")) >= os.path.getsize(readable) - 2:
            return IngestError(
                str(path),
                gettext_noop("The file ends inside a quoted value opened on this line: it seems truncated."),
                code="truncated",
                line=line,
                column=column,
                field=_field(dialect, column),
            )
        return IngestError(
            str(path),
            gettext_noop("A quoted value is not closed properly."),
            code="bad_quote",
            line=line,
            column=column,
            field=_field(dialect, column),
        )
    if error_type == "LINE SIZE OVER MAXIMUM":
        return IngestError(
            str(path),
            gettext_noop("This line is longer than %(limit)d bytes."),
            {"limit": MAX_LINE_SIZE},
            code="line_too_long",
            line=line,
        )
    if error_type == "INVALID ENCODING":
        return IngestError(
            str(path), gettext_noop("This line is not valid UTF-8 text."), code="bad_encoding", line=line, column=column
        )
    return IngestError(
        str(path),
        gettext_noop("This line cannot be read as CSV: %(error)s"),
        {"error": message},
        code="bad_csv",
        line=line,
        column=column,
    )


def _column_number(column_name: str | None) -> int | None:
    if column_name and column_name.startswith("c") and column_name[1:].isdigit():
        return int(column_name[1:])
    return None


def _field(dialect: Dialect, column: int | None) -> str | None:
    return dialect.labels[column - 1] if column and column <= len(dialect.labels) else None


def _locator(path: Path, scan: encodings.TextScan, dialect: Dialect) -> Callable[[int], int | None]:
    """Record number -> physical line, by reading the file again (only when reporting an error)."""

    def locate(index: int) -> int | None:
        with open(path, encoding=_python_codec(scan), errors="replace", newline="") as file:
            for _ in range(dialect.skip_lines):
                file.readline()
            reader = csv.reader(file, delimiter=dialect.delimiter, quotechar='"', doublequote=True)
            count = -1
            previous = 0
            for cells in reader:
                if not any(cells):
                    previous = reader.line_num
                    continue
                count += 1
                if count == index:
                    return dialect.skip_lines + previous + 1
                previous = reader.line_num
        return None

    return locate


def _python_codec(scan: encodings.TextScan) -> str:
    return "utf-8-sig" if scan.encoding == "utf-8" else scan.encoding
