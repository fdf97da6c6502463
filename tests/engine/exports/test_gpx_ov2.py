"""GPX waypoints (read back by GDAL and as XML) and TomTom OV2 records (decoded with struct)."""

from __future__ import annotations

import struct
from xml.etree import ElementTree

import pytest

from tests.engine.exports.conftest import DEPARTEMENT_COLUMNS, VELIB_COLUMNS, run_export, write_file

GPX = "{http://www.topografix.com/GPX/1/1}"
OGR = "{http://osgeo.org/gdal}"


def velib_rows(con) -> list[tuple]:
    return con.sql("SELECT station_id, name, capacity, coordinates FROM velib ORDER BY row_number").fetchall()


def test_gpx_waypoints_with_extensions_read_back_through_gdal(con, temp_dir, tmp_path, velib):
    stream, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "gpx", name_field="name")
    assert stream.content_type == "application/gpx+xml"
    path = write_file(tmp_path, data, "export.gpx")
    # GDAL names extension fields ogr_<name> in files it did not write itself.
    rows = con.execute(
        "SELECT name, ogr_station_id, ogr_capacity, ST_X(geom), ST_Y(geom) FROM ST_Read(?, layer := 'waypoints')",
        [str(path)],
    ).fetchall()
    source = velib_rows(con)
    assert len(rows) == len(source) == 1468
    for (name, station_id, capacity, lon, lat), (s_id, s_name, s_capacity, point) in zip(rows, source, strict=True):
        assert (name, station_id, int(capacity)) == (s_name, s_id, s_capacity)
        assert (lon, lat) == pytest.approx((point["lon"], point["lat"]), abs=1e-9)


def test_gpx_description_without_extensions(con, temp_dir, velib):
    _, data = run_export(
        con,
        temp_dir,
        velib,
        VELIB_COLUMNS,
        "gpx",
        name_field="station_id",
        description_field_list=("name", "capacity"),
        use_extension=False,
    )
    waypoints = list(ElementTree.fromstring(data).iter(f"{GPX}wpt"))
    source = velib_rows(con)
    assert len(waypoints) == len(source)
    for waypoint, (station_id, name, capacity, _) in zip(waypoints, source, strict=True):
        assert waypoint.findtext(f"{GPX}name") == station_id
        assert waypoint.findtext(f"{GPX}desc") == f"Nom de la station: {name}\nCapacité de la station: {capacity}"
        assert waypoint.find(f"{GPX}extensions") is None


def test_gpx_places_shapes_by_a_point_on_their_surface(con, temp_dir, departements):
    _, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "gpx", name_field="nom")
    waypoints = list(ElementTree.fromstring(data).iter(f"{GPX}wpt"))
    inside = con.execute(
        "SELECT count(*) FROM departements d, (SELECT unnest(?) AS lon, unnest(?) AS lat) p "
        "WHERE ST_Contains(d.shape, ST_Point(p.lon, p.lat)) AND d.nom = ?",
        [[float(waypoints[0].get("lon"))], [float(waypoints[0].get("lat"))], waypoints[0].findtext(f"{GPX}name")],
    ).fetchone()[0]
    assert len(waypoints) == 96
    assert inside == 1
    assert waypoints[0].find(f"{GPX}extensions").find(f"{OGR}code") is not None


def decode_ov2(data: bytes) -> list[tuple[int, int, str]]:
    records, offset = [], 0
    while offset < len(data):
        kind, length, lon, lat = struct.unpack_from("<BIii", data, offset)
        assert kind == 2
        name = data[offset + 13 : offset + length - 1].decode()
        assert data[offset + length - 1] == 0
        records.append((lon, lat, name))
        offset += length
    return records


def test_ov2_records(con, temp_dir, velib):
    stream, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "ov2", name_field="name")
    assert stream.filename_suffix == ".ov2"
    records = decode_ov2(data)
    source = velib_rows(con)
    assert len(records) == len(source)
    for (lon, lat, name), (_, source_name, _, point) in zip(records, source, strict=True):
        assert name == source_name
        assert abs(lon - point["lon"] * 100000) <= 0.5 and abs(lat - point["lat"] * 100000) <= 0.5
