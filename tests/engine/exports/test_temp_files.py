"""Temporary files: private per export, removed after a full stream, an abandoned one or an error."""

from __future__ import annotations

import threading

import duckdb
import pytest

from datapolis.engine.exports import ExportColumn, ExportOptions, export_query
from tests.engine.exports.conftest import VELIB_COLUMNS, folder_is_empty, run_export

BIG_SQL = "SELECT i AS n, 'ligne numéro ' || i AS label FROM range(?) AS t(i)"
BIG_COLUMNS = [ExportColumn("n", "N", "int"), ExportColumn("label", "Label", "text")]


def export_files(temp_dir):
    return [path for path in temp_dir.rglob("*") if path.is_file()]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "shp", "gpx"])
def test_removed_after_a_complete_stream(con, temp_dir, velib, fmt):
    run_export(con, temp_dir, velib, VELIB_COLUMNS, fmt)
    assert folder_is_empty(temp_dir)


def test_removed_after_an_abandoned_stream_and_the_query_stops(con, temp_dir):
    stream = export_query(con, BIG_SQL, [20_000_000], BIG_COLUMNS, "csv", temp_dir=temp_dir)
    first = next(stream)
    assert first.startswith(b"\xef\xbb\xbfn;label")
    assert export_files(temp_dir)  # the file being written
    stream.close()  # what Django does when the client goes away
    assert folder_is_empty(temp_dir)
    assert not any(thread.name == "datapolis-export" for thread in threading.enumerate())


def test_removed_when_a_stream_is_dropped_unread(con, temp_dir):
    stream = export_query(con, BIG_SQL, [5_000_000], BIG_COLUMNS, "csv", temp_dir=temp_dir)
    del stream  # no reference cycle: removed at once, without waiting for gc
    assert folder_is_empty(temp_dir)


def test_removed_after_an_error(con, temp_dir):
    with pytest.raises(duckdb.Error):
        export_query(con, "SELECT CAST('x' AS INTEGER) AS n", None, BIG_COLUMNS[:1], "csv", temp_dir=temp_dir)
    assert folder_is_empty(temp_dir)


def test_first_bytes_leave_before_the_file_is_complete(con, temp_dir):
    stream = export_query(con, BIG_SQL, [6_000_000], BIG_COLUMNS, "csv", ExportOptions(), temp_dir=temp_dir)
    first = next(stream)
    (file,) = export_files(temp_dir)
    written_when_first_read = file.stat().st_size
    total = len(first) + sum(len(chunk) for chunk in stream)
    assert written_when_first_read < total / 2


def test_concurrent_exports_do_not_collide(con, temp_dir):
    results: dict[int, bytes] = {}

    def export(limit: int) -> None:
        sql = "SELECT i AS n, 'x' || i AS label FROM range(?) AS t(i)"
        stream = export_query(con, sql, [limit], BIG_COLUMNS, "csv", ExportOptions(with_bom=False), temp_dir=temp_dir)
        results[limit] = b"".join(stream)

    threads = [threading.Thread(target=export, args=(limit,)) for limit in (100_000, 100_001, 100_002, 100_003)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for limit, data in results.items():
        lines = data.decode().split("\r\n")
        assert len(lines) == limit + 2  # header, rows, final empty string
        assert lines[-2] == f"{limit - 1};x{limit - 1}"
    assert len(results) == 4
    assert folder_is_empty(temp_dir)
