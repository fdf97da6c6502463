"""epsg=2154: geo values reprojected to Lambert-93, checked against pyproj and the official X/Y."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pyarrow.parquet as pq
import pytest
import shapely
from pyproj import Transformer

from tests.engine.exports.conftest import DEPARTEMENT_COLUMNS, SCHOOL_COLUMNS, run_export, write_file

TOLERANCE_METRES = 1.0
TO_LAMBERT_93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


@pytest.fixture
def expected(con, schools) -> list[tuple[str, float, float]]:
    """Each school's Lambert-93 position computed by pyproj, checked against the file's own X/Y."""
    rows = con.sql("SELECT uai, position, x, y FROM schools ORDER BY row_number").fetchall()
    result = []
    for uai, position, x, y in rows:
        easting, northing = TO_LAMBERT_93.transform(position["lon"], position["lat"])
        assert abs(easting - x) < 5 and abs(northing - y) < 5  # the source agrees with pyproj
        result.append((uai, easting, northing))
    assert len(result) > 100
    return result


def assert_close(actual: list[tuple[str, float, float]], expected: list[tuple[str, float, float]]) -> None:
    assert len(actual) == len(expected)
    for (uai, x, y), (expected_uai, expected_x, expected_y) in zip(actual, expected, strict=True):
        assert uai == expected_uai
        assert abs(x - expected_x) < TOLERANCE_METRES and abs(y - expected_y) < TOLERANCE_METRES


def test_csv_points(con, temp_dir, schools, expected):
    _, data = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "csv", epsg=2154)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))[1:]
    actual = []
    for uai, position in rows:
        y, x = map(float, position.split(", "))  # same order as "lat, lon": second axis first
        actual.append((uai, x, y))
    assert_close(actual, expected)


def test_json_points(con, temp_dir, schools, expected):
    _, data = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "json", epsg=2154)
    assert_close([(r["uai"], r["position"]["lon"], r["position"]["lat"]) for r in json.loads(data)], expected)


def test_geojson_names_its_crs(con, temp_dir, schools, expected):
    _, data = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "geojson", epsg=2154)
    collection = json.loads(data)
    assert collection["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::2154"
    actual = [(f["properties"]["uai"], *f["geometry"]["coordinates"]) for f in collection["features"]]
    assert_close(actual, expected)


def test_shapefile_in_lambert_93(con, temp_dir, tmp_path, schools, expected):
    _, data = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "shp", epsg=2154)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert "Lambert" in archive.read("export.prj").decode()
    archive.extractall(tmp_path)
    rows = con.execute(
        "SELECT uai, ST_X(geom), ST_Y(geom), ST_CRS(geom) FROM ST_Read(?)", [str(tmp_path / "export.shp")]
    ).fetchall()
    assert {crs for *_, crs in rows} == {"EPSG:2154"}
    assert_close([row[:3] for row in rows], expected)


def test_flatgeobuf_in_lambert_93(con, temp_dir, tmp_path, schools, expected):
    _, data = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "fgb", epsg=2154)
    rows = con.execute(
        "SELECT uai, ST_X(geom), ST_Y(geom) FROM ST_Read(?)", [str(write_file(tmp_path, data, "s.fgb"))]
    ).fetchall()
    assert_close(rows, expected)


def test_parquet_shapes_carry_their_crs(con, temp_dir, departements):
    _, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "parquet", epsg=2154)
    parquet = pq.ParquetFile(io.BytesIO(data))
    crs = json.loads(parquet.schema_arrow.metadata[b"geo"])["columns"]["shape"]["crs"]
    assert crs["id"] == {"authority": "EPSG", "code": 2154}
    shapes = shapely.from_wkb(parquet.read().column("shape").to_pylist())
    first_vertex = shapely.get_coordinates(shapes[0])[0]
    lon, lat = con.sql(
        "SELECT ST_X(ST_StartPoint(ST_ExteriorRing(shape))), ST_Y(ST_StartPoint(ST_ExteriorRing(shape))) "
        "FROM departements ORDER BY row_number LIMIT 1"
    ).fetchone()
    assert first_vertex == pytest.approx(TO_LAMBERT_93.transform(lon, lat), abs=TOLERANCE_METRES)


def test_kml_and_gpx_stay_in_wgs84(con, temp_dir, schools):
    _, default = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "kml")
    _, asked = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "kml", epsg=2154)
    assert asked == default
    _, default = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "gpx")
    _, asked = run_export(con, temp_dir, schools, SCHOOL_COLUMNS, "gpx", epsg=2154)
    assert asked == default
