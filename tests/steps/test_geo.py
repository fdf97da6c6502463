"""Geographic steps compared with pyproj and shapely on real files."""

from __future__ import annotations

import json
import math

import pytest
from pyproj import Geod, Transformer
from shapely import wkt
from shapely.geometry import shape

from datapolis.steps import StepError
from tests.steps.conftest import column, read_path, rows, run, spec

COMMUNES = "france-geojson/communes-35-ille-et-vilaine.geojson"


@pytest.fixture
def communes(con, shared_datasets):
    return read_path(con, shared_datasets / COMMUNES)


def test_point_from_lambert93_matches_pyproj(con, schools):
    applied = run(
        con,
        schools,
        [
            {
                "kind": "point_from_xy",
                "options": {"x": "coordonnee_x", "y": "coordonnee_y", "epsg": 2154, "target": "pt"},
            }
        ],
    )
    transformer = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    got = column(con, applied.prepared, "pt")
    for point, (x, y) in zip(got, rows(con, schools, "coordonnee_x", "coordonnee_y"), strict=True):
        lon, lat = transformer.transform(x, y)
        assert point["lon"] == pytest.approx(lon, abs=1e-7) and point["lat"] == pytest.approx(lat, abs=1e-7)
    assert spec(applied.prepared, "pt").type == "geo_point_2d"


def test_point_from_lat_lon_and_its_checks(con, schools):
    applied = run(
        con, schools, [{"kind": "point_from_latlon", "options": {"lat": "latitude", "lon": "longitude", "keep": False}}]
    )
    assert "latitude" not in [s.name for s in applied.prepared.fields]
    got = column(con, applied.prepared, "geo_point_2d")
    assert [(p["lat"], p["lon"]) for p in got] == rows(con, schools, "latitude", "longitude")
    with pytest.raises(StepError) as caught:  # swapped: longitudes of Brittany are valid latitudes, not the reverse
        run(con, schools, [{"kind": "point_from_latlon", "options": {"lat": "coordonnee_y", "lon": "longitude"}}])
    assert caught.value.row == 1


def test_unknown_epsg(con, schools):
    with pytest.raises(StepError, match="unknown coordinate system"):
        run(
            con,
            schools,
            [{"kind": "point_from_xy", "options": {"x": "coordonnee_x", "y": "coordonnee_y", "epsg": 999999}}],
        )


def test_geometry_from_geojson_text_area_length_simplify(con, communes):
    applied = run(
        con,
        communes,
        [
            {"kind": "retype", "options": {"field": "geo_shape", "type": "text"}},
            {"kind": "compute", "options": {"field": "texte", "expression": "geo_shape"}},
            {"kind": "geometry_from_text", "options": {"field": "geo_shape", "format": "wkt"}},
            {"kind": "area", "options": {"field": "geo_shape"}},
            {"kind": "length", "options": {"field": "geo_shape"}},
            {"kind": "simplify", "options": {"field": "geo_shape", "tolerance": 200}},
        ],
    )
    geod = Geod(ellps="WGS84")
    got = rows(con, applied.prepared, "texte", "area_m2", "length_m")
    assert len(got) > 300
    for text, area, length in got[:60]:
        geometry = wkt.loads(text)
        expected_area, expected_perimeter = geod.geometry_area_perimeter(geometry)
        assert area == pytest.approx(abs(expected_area), rel=1e-6)
        assert length == pytest.approx(expected_perimeter, rel=1e-6)
    assert applied.counts[5].changed > 0
    simplified = con.execute(
        f'SELECT ST_NPoints(geo_shape) FROM "{applied.prepared.relation}" ORDER BY "{applied.prepared.order_column}"'
    ).fetchall()
    assert sum(n for (n,) in simplified) < sum(
        len(wkt.loads(t).exterior.coords) if t.startswith("POLYGON") else 10**9 for t, _, _ in got
    )


def test_geometry_from_bad_text(con, schools):
    with pytest.raises(StepError) as caught:
        run(con, schools, [{"kind": "geometry_from_text", "options": {"field": "adresse"}}])
    assert caught.value.row == 1 and "WKT or GeoJSON" in caught.value.message


def test_coarsen_points(con, schools):
    applied = run(
        con,
        schools,
        [
            {"kind": "compute", "options": {"field": "grille", "expression": "position"}},
            {"kind": "anonymise", "options": {"fields": ["position"], "method": "round", "decimals": 2}},
            {"kind": "anonymise", "options": {"fields": ["grille"], "method": "grid", "grid_m": 1000}},
        ],
    )
    source = column(con, schools, "position")
    rounded = column(con, applied.prepared, "position")
    assert [(p["lat"], p["lon"]) for p in rounded] == [(round(p["lat"], 2), round(p["lon"], 2)) for p in source]
    geod = Geod(ellps="WGS84")
    for before, after in zip(source, column(con, applied.prepared, "grille"), strict=True):
        _, _, distance = geod.inv(before["lon"], before["lat"], after["lon"], after["lat"])
        assert distance <= 1000 * math.sqrt(2) / 2 + 5
    assert len({(p["lat"], p["lon"]) for p in column(con, applied.prepared, "grille")}) < len(source)


def test_geojson_shape_parsing_matches_shapely(con, shared_datasets):
    path = shared_datasets / "comptages-routiers-paris/comptages-routiers-permanents-washington.csv"
    prepared = read_path(con, path, field_types={"geo_shape": "text"})
    applied = run(con, prepared, [{"kind": "geometry_from_text", "options": {"field": "geo_shape", "target": "forme"}}])
    got = con.execute(f'SELECT geo_shape, ST_AsText(forme) FROM "{applied.prepared.relation}" LIMIT 20').fetchall()
    for text, parsed in got:
        assert wkt.loads(parsed).equals(shape(json.loads(text)))
