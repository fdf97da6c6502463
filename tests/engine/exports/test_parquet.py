"""Parquet exports read back with pyarrow: stored types kept, GeoParquet geometry, compression."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from tests.engine.exports.conftest import DEPARTEMENT_COLUMNS, GEOREF_COLUMNS, NO2_COLUMNS, VELIB_COLUMNS, run_export


def read_parquet(data: bytes) -> pq.ParquetFile:
    return pq.ParquetFile(io.BytesIO(data))


def test_values_and_types_are_kept(con, temp_dir, no2):
    stream, data = run_export(con, temp_dir, no2, NO2_COLUMNS, "parquet")
    table = read_parquet(data).read()
    source = con.sql("SELECT station, code, value, valid, start, day FROM no2 ORDER BY row_number").arrow().read_all()
    assert stream.content_type == "application/vnd.apache.parquet"
    assert table.schema.field("value").type == pa.float64()
    assert table.schema.field("valid").type == pa.bool_()
    assert table.schema.field("day").type == pa.date32()
    assert pa.types.is_timestamp(table.schema.field("start").type)
    assert table.schema.field("start").type.tz is not None  # an instant, not a wall-clock time
    assert table.num_rows == 46
    assert table.to_pylist() == source.to_pylist()


def test_points_stay_lon_lat_structs(con, temp_dir, velib):
    _, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "parquet")
    table = read_parquet(data).read()
    source = con.sql("SELECT coordinates, name FROM velib ORDER BY row_number").fetchall()
    assert table.schema.field("coordinates").type == pa.struct([("lon", pa.float64()), ("lat", pa.float64())])
    assert table.column("coordinates").to_pylist() == [point for point, _ in source]
    assert table.column("name").to_pylist() == [name for _, name in source]


def test_shapes_are_geoparquet_wkb(con, temp_dir, departements):
    _, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "parquet")
    parquet = read_parquet(data)
    geo = json.loads(parquet.schema_arrow.metadata[b"geo"])
    assert geo["primary_column"] == "shape"
    assert geo["columns"]["shape"]["encoding"] == "WKB"
    source = con.sql("SELECT ST_AsText(shape) FROM departements ORDER BY row_number").fetchall()
    geometries = shapely.from_wkb(parquet.read().column("shape").to_pylist())
    assert len(geometries) == 96
    for geometry, (wkt,) in zip(geometries, source, strict=True):
        assert geometry.equals_exact(shapely.from_wkt(wkt), tolerance=0)


def test_multivalued_fields_stay_lists(con, temp_dir, georef):
    _, data = run_export(con, temp_dir, georef, GEOREF_COLUMNS, "parquet")
    table = read_parquet(data).read()
    assert pa.types.is_list(table.schema.field("reg_name").type)
    source = [row[0] for row in con.sql("SELECT reg_name FROM georef ORDER BY row_number").fetchall()]
    assert table.column("reg_name").to_pylist() == source


@pytest.mark.parametrize(("option", "codec"), [("snappy", "SNAPPY"), ("zstd", "ZSTD")])
def test_compression(con, temp_dir, velib, option, codec):
    _, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "parquet", parquet_compression=option)
    column = read_parquet(data).metadata.row_group(0).column(1)
    assert column.compression == codec
