"""Shapefile, FlatGeobuf and KML exports, read back through GDAL (DuckDB's ST_Read)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC
from xml.etree import ElementTree

import pytest
import shapely

from datapolis.engine.exports import ExportColumn, ExportError, export_query
from tests.engine.exports.conftest import (
    DEPARTEMENT_COLUMNS,
    NO2_COLUMNS,
    VELIB_COLUMNS,
    run_export,
    write_file,
)

KML = "{http://www.opengis.net/kml/2.2}"


def read_back(con, path) -> list[tuple]:
    return con.execute("SELECT code, nom, ST_AsText(geom) FROM ST_Read(?)", [str(path)]).fetchall()


def source_shapes(con) -> list[tuple]:
    return con.sql("SELECT code, nom, ST_AsText(shape) FROM departements ORDER BY row_number").fetchall()


def same_geometry(wkt_a: str, wkt_b: str) -> bool:
    return shapely.from_wkt(wkt_a).equals_exact(shapely.from_wkt(wkt_b), tolerance=1e-9)


def test_shapefile_is_a_zip_with_its_projection(con, temp_dir, tmp_path, departements):
    stream, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "shp", layer_name="departements")
    assert stream.content_type == "application/zip" and stream.filename_suffix == ".zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == [f"departements.{ext}" for ext in ("cpg", "dbf", "prj", "shp", "shx")]
    assert "WGS" in archive.read("departements.prj").decode()
    assert archive.read("departements.cpg").decode().strip() == "UTF-8"
    archive.extractall(tmp_path / "shp")
    rows = read_back(con, tmp_path / "shp" / "departements.shp")
    source = source_shapes(con)
    assert len(rows) == len(source) == 96
    for (code, nom, wkt), (source_code, source_nom, source_wkt) in zip(rows, source, strict=True):
        assert (code, nom) == (source_code, source_nom)  # accents intact (UTF-8 .dbf)
        assert same_geometry(wkt, source_wkt)


def test_shapefile_names_are_cut_to_ten_characters_uniquely(con, temp_dir, tmp_path, velib):
    sql = "SELECT name AS station_name_long, name AS station_name_longer, coordinates FROM velib ORDER BY row_number"
    columns = [
        ExportColumn("station_name_long", "a", "text"),
        ExportColumn("station_name_longer", "b", "text"),
        ExportColumn("coordinates", "c", "geo_point_2d"),
    ]
    data = b"".join(export_query(con, sql, None, columns, "shp", temp_dir=temp_dir))
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    described = con.execute("DESCRIBE SELECT * FROM ST_Read(?)", [str(tmp_path / "export.shp")]).fetchall()
    names = [name for name, *_ in described if name not in {"geom", "OGC_FID"}]
    assert names == ["station_na", "station__2"]


def test_shapefile_types(con, temp_dir, tmp_path, no2, velib):
    sql = "SELECT n.*, v.coordinates FROM no2 n, (SELECT coordinates FROM velib LIMIT 1) v ORDER BY row_number"
    columns = [*NO2_COLUMNS, ExportColumn("coordinates", "Point", "geo_point_2d")]
    data = b"".join(export_query(con, sql, None, columns, "shp", temp_dir=temp_dir))
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    rows = con.execute(
        "SELECT station, value, valid, start, day FROM ST_Read(?)", [str(tmp_path / "export.shp")]
    ).fetchall()
    source = con.sql("SELECT station, value, valid, start, day FROM no2 ORDER BY row_number").fetchall()
    for (station, value, valid, start, day), expected in zip(rows, source, strict=True):
        assert (station, value, valid, day) == (expected[0], expected[1], int(expected[2]), expected[4])
        assert start == expected[3].astimezone(UTC).isoformat()  # ISO text in the DBF


def test_mixed_geometry_kinds_cannot_make_a_shapefile(con, temp_dir):
    sql = "SELECT * FROM (VALUES (ST_Point(1, 2)), (ST_GeomFromText('LINESTRING (0 0, 1 1)'))) AS t(shape)"
    with pytest.raises(ExportError):
        export_query(con, sql, None, [ExportColumn("shape", "s", "geo_shape")], "shp", temp_dir=temp_dir)


def test_flatgeobuf_keeps_rows_in_query_order(con, temp_dir, tmp_path, departements):
    stream, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "fgb")
    rows = read_back(con, write_file(tmp_path, data, "export.fgb"))
    assert stream.filename_suffix == ".fgb"
    source = source_shapes(con)
    assert len(rows) == len(source)
    for (code, nom, wkt), (source_code, source_nom, source_wkt) in zip(rows, source, strict=True):
        assert (code, nom) == (source_code, source_nom)
        assert same_geometry(wkt, source_wkt)


def test_kml_placemarks_carry_name_data_and_lon_lat(con, temp_dir, velib):
    stream, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "kml", name_field="name")
    assert stream.content_type == "application/vnd.google-earth.kml+xml"
    placemarks = list(ElementTree.fromstring(data).iter(f"{KML}Placemark"))
    source = con.sql("SELECT station_id, name, capacity, coordinates FROM velib ORDER BY row_number").fetchall()
    assert len(placemarks) == len(source)
    for placemark, (station_id, name, capacity, point) in zip(placemarks, source, strict=True):
        assert placemark.findtext(f"{KML}name") == name
        data_values = {d.get("name"): d.text for d in placemark.iter(f"{KML}SimpleData")}
        assert data_values == {"station_id": station_id, "capacity": str(capacity)}
        lon, lat = map(float, placemark.findtext(f".//{KML}coordinates").split(","))
        assert (lon, lat) == pytest.approx((point["lon"], point["lat"]), abs=1e-9)


def test_kml_polygons_read_back_through_gdal(con, temp_dir, tmp_path, departements):
    _, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "kml", name_field="nom")
    rows = con.execute(
        "SELECT Name, ST_AsText(geom) FROM ST_Read(?)", [str(write_file(tmp_path, data, "d.kml"))]
    ).fetchall()
    source = source_shapes(con)
    assert [name for name, _ in rows] == [nom for _, nom, _ in source]
    for (_, wkt), (_, _, source_wkt) in zip(rows, source, strict=True):
        assert shapely.from_wkt(wkt).equals_exact(shapely.from_wkt(source_wkt), tolerance=1e-6)


def test_geo_formats_need_a_geo_field(con, temp_dir, no2):
    for fmt in ("shp", "fgb", "kml", "gpx", "geojson", "ov2"):
        with pytest.raises(ExportError, match="geo"):
            run_export(con, temp_dir, no2, NO2_COLUMNS, fmt)
