"""JSON arrays, JSON at a path, JSON Lines and GeoJSON: flattening and geo fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datapolis.ingest import IngestError

from .conftest import count, field_types, read_path, rows


def test_nested_objects_flatten_one_level_arrays_stay_json(con, shared_data: Path) -> None:
    prepared = read_path(con, shared_data / "ods-reference/velib-disponibilite-en-temps-reel-v1-export.json")

    types = field_types(prepared)
    assert types["fields_numbikesavailable"] == "int"
    assert types["fields_is_renting"] == "text"  # "OUI" strings: a typed format's strings stay strings
    assert types["record_timestamp"] == "datetime"
    labels = {s.name: s.label for s in prepared.fields}
    assert labels["fields_numbikesavailable"] == "fields.numbikesavailable"

    epci = read_path(con, shared_data / "datasets/decoupage-administratif/epci.json")
    (membres,) = rows(con, epci, "membres")[0]
    assert json.loads(membres)[0] == {
        "code": "74042",
        "siren": "217400423",
        "nom": "Bonneville",
        "populationTotale": 13736,
        "populationMunicipale": 13320,
    }


def test_ods_json_export_geo_fields(con, shared_data: Path) -> None:
    prepared = read_path(con, shared_data / "ods-reference/georef-france-departement.json")

    types = field_types(prepared)
    assert (types["geo_point_2d"], types["geo_shape"], types["year"]) == ("geo_point_2d", "geo_shape", "text")
    assert count(con, prepared) == 109
    inside = con.execute(
        f'SELECT count(*) FROM "{prepared.relation}" '
        f"WHERE ST_Contains(geo_shape, ST_Point(geo_point_2d.lon, geo_point_2d.lat))"
    ).fetchone()[0]
    assert inside >= 100  # a département's centre point lies in its shape


def test_json_path_to_the_records(con, shared_data: Path) -> None:
    path = shared_data / "ods-reference/velib-emplacement-des-stations-api-records-1.0-search.json"

    prepared = read_path(con, path, json_path="records")

    assert count(con, prepared) == 10
    assert field_types(prepared)["fields_stationcode"] == "text"


def test_document_with_several_arrays_needs_a_path(con, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps({"a": [{"x": 1}], "b": [{"y": 2}]}))
    with pytest.raises(IngestError) as raised:
        read_path(con, path)
    assert raised.value.code == "json_path_required"
    assert rows(con, read_path(con, path, json_path="b")) == [(2,)]
    with pytest.raises(IngestError) as raised:
        read_path(con, path, json_path="c.d")
    assert raised.value.code == "json_path_not_found"


def test_json_lines(con, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    records = [
        {"id": "a1", "quand": "2024-05-01T10:00:00+02:00", "n": 3, "ok": True},
        {"id": "a2", "quand": "2024-05-02T11:30:00+02:00", "n": 4, "ok": False},
    ]
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n")

    prepared = read_path(con, path)

    assert prepared.source["format"] == "jsonl"
    assert field_types(prepared) == {"id": "text", "quand": "datetime", "n": "int", "ok": "boolean"}
    assert [row[2:] for row in rows(con, prepared)] == [(3, True), (4, False)]


def test_bad_json_line_is_located(con, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3\n')
    with pytest.raises(IngestError) as raised:
        read_path(con, path)
    assert (raised.value.code, raised.value.line) == ("bad_json", 3)


def test_geojson_points_give_a_geo_point(con, shared_datasets: Path) -> None:
    prepared = read_path(con, shared_datasets / "velib/velib-emplacement-des-stations.geojson")

    first = rows(con, prepared, "stationcode", "geo_point_2d")[0]
    assert first == ("32017", {"lon": 2.3588666820200914, "lat": 48.93626891059109})


def test_geojson_with_point_property_and_3d_point_keeps_the_property(con, shared_datasets: Path) -> None:
    prepared = read_path(con, shared_datasets / "idf/principaux-sites-touristiques-.geojson")
    assert [s.type for s in prepared.fields].count("geo_point_2d") == 1


def test_geojson_declared_crs_is_reprojected(con, tmp_path: Path) -> None:
    path = tmp_path / "l93.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"nom": "origine"},
                        "geometry": {"type": "Point", "coordinates": [700000, 6600000]},
                    }
                ],
            }
        )
    )

    prepared = read_path(con, path)

    assert prepared.source["epsg"] == 2154
    (point,) = rows(con, prepared, "geo_point_2d")[0]
    assert point["lon"] == pytest.approx(3.0, abs=1e-7) and point["lat"] == pytest.approx(46.5, abs=1e-7)


def test_a_json_document_is_read_under_a_bounded_memory_limit(con, shared_datasets: Path) -> None:
    """An import's memory is bounded so that CSV files spill to disk; a JSON document's buffers
    are sized from the file (not DuckDB's 2 GiB for a 1 GiB object), the limit is raised while
    it is read if they need more, and set back afterwards."""
    con.execute("SET memory_limit = '200MB'")
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()

    prepared = read_path(con, shared_datasets / "decoupage-administratif" / "communes.json")  # 8.6 MB

    assert count(con, prepared) == len(
        json.loads((shared_datasets / "decoupage-administratif" / "communes.json").read_text())
    )
    assert con.execute("SELECT current_setting('memory_limit')").fetchone() == limit
