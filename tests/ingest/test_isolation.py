"""Untrusted files are read in a child process with limits: same result as in-process, and no crash reaches us."""

from __future__ import annotations

import pytest

from datapolis.ingest import IngestError, ReadOptions
from datapolis.ingest.isolation import ReadLimits, isolated, parse_size
from datapolis.ingest.nesting import json_depth

from .conftest import read_path

pytestmark = pytest.mark.once

REAL_FILES = [
    "comptages-routiers-paris/comptages-routiers-permanents-washington.csv",
    "data-fair-cases/Les aides financières ADEME.xlsx",
    "france-geojson/communes-35-ille-et-vilaine.geojson",
    "velib/velib-emplacement-des-stations.geojson",
    "insee-populations-legales/ensemble-2026.xlsx",
]


@pytest.mark.parametrize("name", REAL_FILES)
def test_a_real_file_reads_the_same_in_a_child_process(con, shared_datasets, name):
    path = shared_datasets / name
    direct = read_path(con, path)
    expected_rows = con.execute(f'SELECT * FROM "{direct.relation}"').fetchall()
    expected_types = con.execute(f'DESCRIBE SELECT * FROM "{direct.relation}"').fetchall()
    with isolated(path, ReadOptions()) as staged:
        prepared = staged.prepare(con)
        assert [spec.to_dict() for spec in prepared.fields] == [spec.to_dict() for spec in direct.fields]
        assert prepared.source == direct.source
        assert con.execute(f'DESCRIBE SELECT * FROM "{prepared.relation}"').fetchall() == expected_types
        assert con.execute(f'SELECT * FROM "{prepared.relation}"').fetchall() == expected_rows
        staged_folder = staged.parquet.parent
    assert not staged_folder.exists()  # the staged rows are removed with the block


def test_bad_input_is_the_readers_error_with_its_location(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("commune;population\nRennes;220000\nBrest;140000;extra\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught, isolated(path):
        pass
    assert caught.value.line == 3
    assert caught.value.code not in ("unreadable_file", "memory_limit")


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10))
    + ']><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol9;</name>'
    "<Point><coordinates>1,2</coordinates></Point></Placemark></Document></kml>"
)
HOSTILE = {
    # Each of these crashed the whole process (SIGSEGV in DuckDB's spatial extension) when read in-process.
    "truncated.kml": b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
    b"<Document><Placemark><name>x</na",
    "laughs.kml": BILLION_LAUGHS.encode(),
    "random.gpkg": b"SQLite format 3\x00" + bytes(range(256)) * 32,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_file_that_crashes_the_reader_is_a_clear_error_naming_it(tmp_path, name):
    path = tmp_path / "upload.tmp"
    path.write_bytes(HOSTILE[name])
    with pytest.raises(IngestError) as caught, isolated(path, ReadOptions(original_name=name)):
        pass
    assert caught.value.path == name
    if caught.value.code == "unreadable_file":
        assert caught.value.params == {"format": name.rsplit(".", 1)[1].upper()}


def test_too_deep_json_is_refused_with_its_depth_and_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('[\n{"a": ' + "[" * 20_000 + "1" + "]" * 20_000 + "}\n]\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught, isolated(path, limits=ReadLimits(json_depth=100)):
        pass
    assert caught.value.code == "too_deep"
    assert caught.value.params == {"depth": 20_002, "limit": 100}
    assert caught.value.line == 2


def test_memory_past_the_limit_kills_the_reader_not_us(tmp_path, shared_datasets):
    path = shared_datasets / "insee-populations-legales" / "ensemble-2026.xlsx"
    with pytest.raises(IngestError) as caught, isolated(path, limits=ReadLimits(memory_bytes=40 * 2**20)):
        pass
    assert caught.value.code == "memory_limit"
    assert caught.value.params == {"limit": 40}


def test_a_small_workbook_that_unfolds_into_gigabytes_is_stopped(tmp_path):
    """Five kilobytes: two cells, and one far away that makes the reader fill a 200,000 x 2,000 grid."""
    import xlsxwriter

    path = tmp_path / "sparse.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("Feuil1")
    sheet.write_row(0, 0, ["commune", "population"])
    sheet.write_row(1, 0, ["Rennes", 220000])
    sheet.write(200_000, 2_000, "x")
    workbook.close()
    assert path.stat().st_size < 10_000
    with pytest.raises(IngestError) as caught, isolated(path, limits=ReadLimits(memory_bytes=512 * 2**20)):
        pass
    assert caught.value.code == "memory_limit"


@pytest.mark.parametrize(("text", "size"), [("2GB", 2 * 10**9), ("600MiB", 600 * 2**20), ("1048576", 2**20)])
def test_sizes_read_from_the_environment(text, size):
    assert parse_size(text) == size


def test_json_depth_ignores_brackets_in_strings_and_escaped_quotes(tmp_path):
    path = tmp_path / "tricky.json"
    path.write_text(r'[{"a": "[[[\"{{", "b": "\\", "c": [[1]]}]', encoding="utf-8")
    assert json_depth(path) == (4, None)


def test_limits_come_from_the_environment():
    limits = ReadLimits.from_environ(
        {
            "DATAPOLIS_READ_MEMORY_LIMIT": "1GiB",
            "DATAPOLIS_READ_CPU_SECONDS": "60",
            "DATAPOLIS_READ_MAX_JSON_DEPTH": "32",
        }
    )
    assert (limits.memory_bytes, limits.cpu_seconds, limits.json_depth) == (2**30, 60, 32)
