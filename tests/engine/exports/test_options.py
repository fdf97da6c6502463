"""Options the export cannot honour are refused before any work, as ExportError."""

from __future__ import annotations

import pytest

from datapolis.engine.exports import FORMATS, ExportColumn, ExportError, ExportOptions, export_query

COLUMNS = [ExportColumn("n", "N", "int")]
SQL = "SELECT range AS n FROM range(3)"


@pytest.mark.parametrize(
    "options",
    [
        {"delimiter": ":"},
        {"list_separator": ""},
        {"parquet_compression": "gzip"},
        {"timezone": "Mars/Olympus_Mons"},
        {"epsg": 999999},
        {"layer_name": "../etc"},
        {"vocabulary_uri": "not an iri"},
    ],
)
def test_bad_options(con, temp_dir, options):
    with pytest.raises(ExportError):
        export_query(con, SQL, None, COLUMNS, "csv", ExportOptions(**options), temp_dir=temp_dir)


def test_unknown_format_and_no_columns(con, temp_dir):
    with pytest.raises(ExportError, match="unknown export format"):
        export_query(con, SQL, None, COLUMNS, "docx", temp_dir=temp_dir)
    with pytest.raises(ExportError, match="column"):
        export_query(con, SQL, None, [], "csv", temp_dir=temp_dir)


def test_the_formats_of_the_explore_api_are_all_there():
    assert set(FORMATS) == {
        "csv", "fgb", "geojson", "gpx", "json", "jsonl", "jsonld", "kml", "n3", "ov2", "parquet", "rdfxml", "shp",
        "turtle", "xlsx",
    }  # fmt: skip


def test_a_failing_query_raises_before_the_stream_is_returned(con, temp_dir):
    import duckdb

    with pytest.raises(duckdb.Error):
        export_query(con, "SELECT n FROM no_such_table", None, COLUMNS, "csv", temp_dir=temp_dir)


def test_query_parameters_are_bound(con, temp_dir):
    stream = export_query(
        con, "SELECT range AS n FROM range(10) WHERE range >= ? AND range < ?", [3, 6], COLUMNS, "csv",
        ExportOptions(with_bom=False), temp_dir=temp_dir,
    )  # fmt: skip
    assert b"".join(stream) == b"n\r\n3\r\n4\r\n5\r\n"
