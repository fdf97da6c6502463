"""CSV exports read back with the csv module: values, row counts and every CSV option."""

from __future__ import annotations

import csv
import io
from datetime import UTC

import pytest

from datapolis.engine.exports import ExportColumn, ExportOptions, export_query
from tests.engine.exports.conftest import GEOREF_COLUMNS, NO2_COLUMNS, VELIB_COLUMNS, run_export

BOM = b"\xef\xbb\xbf"


def read_csv(data: bytes, delimiter: str = ";") -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_velib_rows_and_values_match_the_source(con, temp_dir, velib):
    stream, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "csv")
    rows = read_csv(data)
    source = con.sql("SELECT station_id, name, capacity, coordinates FROM velib ORDER BY row_number").fetchall()
    assert stream.content_type == "text/csv; charset=utf-8"
    assert stream.filename_suffix == ".csv"
    assert rows[0] == ["station_id", "name", "capacity", "coordinates"]
    assert len(rows) - 1 == len(source) == 1468
    for row, (station_id, name, capacity, point) in zip(rows[1:], source, strict=True):
        assert row[:3] == [station_id, name, str(capacity)]
        lat, lon = (float(part) for part in row[3].split(", "))
        assert (lon, lat) == (point["lon"], point["lat"])
    assert any("é" in row[1] for row in rows[1:])  # accents intact


def test_types_are_written_as_documented(con, temp_dir, no2):
    _, data = run_export(con, temp_dir, no2, NO2_COLUMNS, "csv")
    rows = read_csv(data)
    source = con.sql("SELECT station, code, value, valid, start, day FROM no2 ORDER BY row_number").fetchall()
    assert len(rows) - 1 == len(source) == 46
    for row, (station, code, value, valid, start, day) in zip(rows[1:], source, strict=True):
        assert row[0:2] == [station, code]
        assert float(row[2]) == value
        assert row[3] == ("true" if valid else "false")
        assert row[4] == start.astimezone(UTC).isoformat()
        assert row[5] == day.isoformat()


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiter(con, temp_dir, velib, delimiter):
    _, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "csv", delimiter=delimiter)
    rows = read_csv(data, delimiter)
    assert rows[0] == ["station_id", "name", "capacity", "coordinates"]
    assert all(len(row) == 4 for row in rows)
    assert len(rows) == 1469
    # the "lat, lon" cell holds a comma: with "," as delimiter it must be quoted
    first_line = data.decode("utf-8-sig").split("\r\n")[1]
    assert ('"' in first_line) == (delimiter == ",")


def test_bom_is_written_by_default_and_can_be_left_out(con, temp_dir, velib):
    _, with_bom = run_export(con, temp_dir, velib, VELIB_COLUMNS, "csv")
    _, without = run_export(con, temp_dir, velib, VELIB_COLUMNS, "csv", with_bom=False)
    assert with_bom.startswith(BOM + b"station_id;")
    assert without.startswith(b"station_id;")
    assert with_bom[len(BOM) :] == without


def test_quote_all_quotes_every_string_and_no_number(con, temp_dir, velib):
    _, plain = run_export(con, temp_dir, velib, VELIB_COLUMNS, "csv", with_bom=False)
    _, quoted = run_export(con, temp_dir, velib, VELIB_COLUMNS, "csv", with_bom=False, quote_all=True)
    plain_lines, quoted_lines = plain.decode().split("\r\n"), quoted.decode().split("\r\n")
    assert plain_lines[1].split(";")[1] == '"Pyrénées - Maraîchers"'.strip('"')  # no quotes when not needed
    assert quoted_lines[0] == '"station_id";"name";capacity;"coordinates"'
    station_id, name, capacity, coordinates = quoted_lines[1].split(";")
    assert station_id.startswith('"') and name.startswith('"') and coordinates.startswith('"')
    assert not capacity.startswith('"')
    assert read_csv(plain) == read_csv(quoted)


def test_use_labels_puts_labels_in_the_header(con, temp_dir, velib):
    _, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "csv", use_labels=True)
    header = read_csv(data)[0]
    assert header == [column.label for column in VELIB_COLUMNS]
    assert header[2] == "Capacité de la station"


def test_list_separator_joins_multivalued_fields(con, temp_dir, velib):
    # Station names such as "Pyrénées - Maraîchers" split into lists of several values.
    sql = "SELECT string_split(name, ' - ') AS parts FROM velib ORDER BY row_number"
    columns = [ExportColumn("parts", "Parts", "text", multivalued=True)]
    lists = [row[0] for row in con.sql(sql).fetchall()]
    assert sum(len(parts) > 1 for parts in lists) > 100
    for options, separator in (({}, ","), ({"list_separator": " | "}, " | ")):
        stream = export_query(con, sql, None, columns, "csv", ExportOptions(**options), temp_dir=temp_dir)
        cells = [row[0] for row in read_csv(b"".join(stream))[1:]]
        assert cells == [separator.join(parts) for parts in lists]


def test_multivalued_georef_fields_hold_their_values(con, temp_dir, georef):
    _, data = run_export(con, temp_dir, georef, GEOREF_COLUMNS, "csv")
    rows = read_csv(data)
    reg = rows[0].index("reg_name")
    lists = [row[0] for row in con.sql("SELECT reg_name FROM georef ORDER BY row_number").fetchall()]
    assert [row[reg] for row in rows[1:]] == [",".join(names) for names in lists]


def test_duplicate_labels_stay_distinct(con, temp_dir, velib):
    columns = [VELIB_COLUMNS[0], ExportColumn("name", "Identifiant station", "text")]
    _, data = run_export(con, temp_dir, velib, columns, "csv", use_labels=True)
    assert read_csv(data)[0] == ["Identifiant station", "Identifiant station (2)"]


def test_empty_result_still_has_its_header(con, temp_dir, velib):
    stream = export_query(
        con,
        "SELECT station_id, name, capacity, coordinates FROM velib WHERE false",
        None,
        VELIB_COLUMNS,
        "csv",
        ExportOptions(with_bom=False),
        temp_dir=temp_dir,
    )
    assert b"".join(stream) == b"station_id;name;capacity;coordinates\r\n"
