"""GeoJSON exports: a FeatureCollection, geometry from the first geo field, the rest in properties."""

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


def test_geometry_comes_from_the_first_geo_field(con, temp_dir, georef):
    _, data = run_export(con, temp_dir, georef, GEOREF_COLUMNS, "geojson")
    feature = json.loads(data)["features"][0]
    assert feature["geometry"]["type"] == "Point"  # geo_point_2d comes first
    assert feature["properties"]["geo_shape"]["type"] == "Feature"  # the other geo field, as in JSON
    assert feature["properties"]["reg_code"] == ["76"]


def test_a_lone_geo_field_gives_empty_properties(con, temp_dir, departements):
    _, data = run_export(con, temp_dir, departements, [ExportColumn("shape", "Contour", "geo_shape")], "geojson")
    assert {json.dumps(f["properties"]) for f in json.loads(data)["features"]} == {"{}"}
