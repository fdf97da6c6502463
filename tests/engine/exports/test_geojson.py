"""GeoJSON exports: a FeatureCollection, geometry from the first shape (else point) field, the rest in properties."""

from __future__ import annotations

import json

from datapolis.engine.exports import ExportColumn
from tests.engine.exports.conftest import DEPARTEMENT_COLUMNS, GEOREF_COLUMNS, VELIB_COLUMNS, run_export


def test_points_become_point_features(con, temp_dir, velib):
    stream, data = run_export(con, temp_dir, velib, VELIB_COLUMNS, "geojson")
    collection = json.loads(data)
    source = con.sql("SELECT station_id, name, capacity, coordinates FROM velib ORDER BY row_number").fetchall()
    assert stream.content_type == "application/geo+json"
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946: WGS84 lon/lat
    assert len(collection["features"]) == len(source)
    for feature, (station_id, name, capacity, point) in zip(collection["features"], source, strict=True):
        assert feature["type"] == "Feature"
        assert feature["geometry"] == {"type": "Point", "coordinates": [point["lon"], point["lat"]]}
        assert feature["properties"] == {"station_id": station_id, "name": name, "capacity": capacity}


def test_shapes_keep_their_geometry(con, temp_dir, departements):
    _, data = run_export(con, temp_dir, departements, DEPARTEMENT_COLUMNS, "geojson")
    features = json.loads(data)["features"]
    source = con.sql("SELECT code, nom, ST_AsGeoJSON(shape) FROM departements ORDER BY row_number").fetchall()
    assert len(features) == 96
    for feature, (code, nom, geometry) in zip(features, source, strict=True):
        assert feature["geometry"] == json.loads(geometry)
        assert feature["properties"] == {"code": code, "nom": nom}


def test_a_shape_is_the_geometry_and_its_centre_point_a_property(con, temp_dir, georef, georef_json):
    _, data = run_export(con, temp_dir, georef, GEOREF_COLUMNS, "geojson")
    features = json.loads(data)["features"]
    source = json.loads(georef_json.read_text())
    assert [f["geometry"] for f in features] == [record["geo_shape"]["geometry"] for record in source]
    assert features[0]["properties"]["geo_point_2d"] == source[0]["geo_point_2d"]  # as in JSON
    assert features[0]["properties"]["reg_code"] == source[0]["reg_code"]


def test_a_lone_geo_field_gives_empty_properties(con, temp_dir, departements):
    _, data = run_export(con, temp_dir, departements, [ExportColumn("shape", "Contour", "geo_shape")], "geojson")
    assert {json.dumps(f["properties"]) for f in json.loads(data)["features"]} == {"{}"}
