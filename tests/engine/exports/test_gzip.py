"""compressed=true: the same bytes, gzipped as a stream."""

from __future__ import annotations

import gzip

import pytest

from tests.engine.exports.conftest import VELIB_COLUMNS, run_export


@pytest.mark.parametrize(("fmt", "suffix"), [("csv", ".csv.gz"), ("json", ".json.gz"), ("parquet", ".parquet.gz")])
def test_gzip_round_trip(con, temp_dir, velib, fmt, suffix):
    _, plain = run_export(con, temp_dir, velib, VELIB_COLUMNS, fmt)
    stream, compressed = run_export(con, temp_dir, velib, VELIB_COLUMNS, fmt, compressed=True)
    assert stream.content_type == "application/gzip"
    assert stream.filename_suffix == suffix
    assert compressed[:2] == b"\x1f\x8b"
    assert gzip.decompress(compressed) == plain
    if fmt != "parquet":
        assert len(compressed) < len(plain) * 0.6
