"""JSON (one array of flat records) and JSON Lines exports, read back with the json module."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from datapolis.engine.exports import ExportColumn, export_query
from tests.engine.exports.conftest import DEPARTEMENT_COLUMNS, NO2_COLUMNS, VELIB_COLUMNS, run_export


def test_json_is_an_array_of_flat_records(con, temp_dir, velib):
    stream, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "json")
    records = json.loads(data)
    source = con.sql("SELECT station_id, name, capacity, coordinates FROM velib ORDER BY row_number").fetchall()
    assert stream.content_type.startswith("application/json")
    assert len(records) == len(source) == 1468
    for record, (station_id, name, capacity, point) in zip(records, source, strict=True):
        assert record == {"station_id": station_id, "name": name, "capacity": capacity, "coordinates": point}
    assert "Pyrénées - Maraîchers" in data.decode()  # UTF-8, not \u escapes


def test_json_value_types(con, temp_dir, no2):
    _, data = run_export(con, temp_dir, no2, NO2_COLUMNS, "json", timezone="UTC")
    source = con.sql("SELECT station, code, value, valid, start, day FROM no2 ORDER BY row_number").fetchall()
    for record, (station, code, value, valid, start, day) in zip(json.loads(data), source, strict=True):
        assert record == {
            "station": station,
            "code": code,
            "value": value,
            "valid": valid,
            "start": start.astimezone(UTC).isoformat(),
            "day": day.isoformat(),
        }


def test_geo_shape_is_a_geojson_feature(con, temp_dir, departements):
    _, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "json")
    shapes = con.sql("SELECT ST_AsGeoJSON(shape) FROM departements ORDER BY row_number").fetchall()
    records = json.loads(data)
    assert len(records) == 96
    for record, (geometry,) in zip(records, shapes, strict=True):
        assert record["shape"] == {"type": "Feature", "geometry": json.loads(geometry), "properties": {}}
    assert {record["shape"]["geometry"]["type"] for record in records} == {"Polygon", "MultiPolygon"}


def test_jsonl_has_one_record_per_line(con, temp_dir, velib):
    _, array = run_export(con, temp_dir, velib, VELIB_COLUMNS, "json")
    stream, lines = run_export(con, temp_dir, velib, VELIB_COLUMNS, "jsonl")
    assert stream.filename_suffix == ".jsonl"
    records = [json.loads(line) for line in lines.decode().splitlines()]
    assert records == json.loads(array)


def strict_json(text: str):
    """json.loads refusing NaN and Infinity, which are not JSON."""

    def refuse(name: str):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "jsonld"])
def test_non_finite_doubles_are_null_so_the_json_stays_valid(con, temp_dir, fmt):
    sql = "SELECT CAST(v AS DOUBLE) AS v FROM (VALUES ('nan'), ('inf'), ('-inf'), ('1.5')) AS t(v)"
    columns = [ExportColumn("v", "V", "double")]
    text = b"".join(export_query(con, sql, None, columns, fmt, temp_dir=temp_dir)).decode()
    if fmt == "jsonl":
        records = [strict_json(line) for line in text.splitlines()]
    else:
        document = strict_json(text)
        records = document["@graph"] if fmt == "jsonld" else document
    assert [record.get("v") for record in records] == [None, None, None, 1.5]
