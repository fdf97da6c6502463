"""GeoPackage, KML and Parquet files written here with GDAL/DuckDB read back with their fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datapolis.ingest import IngestError

from .conftest import field_types, read_path, rows

PLACES = "SELECT * FROM (VALUES ('Rennes', '35238', 227830, -1.6800, 48.1113), ('Brest', '29019', 139619, -4.4861, 48.3904)) v(nom, code, population, lon, lat)"  # noqa: E501


def test_geopackage_polygons(con, tmp_path: Path) -> None:
    path = tmp_path / "zones.gpkg"
    con.execute(
        f"COPY (SELECT nom, code, population, ST_Buffer(ST_Point(lon, lat), 0.05) AS geom FROM ({PLACES})) "
        f"TO '{path}' (FORMAT GDAL, DRIVER 'GPKG', SRS 'EPSG:4326')"
    )

    prepared = read_path(con, path)

    assert field_types(prepared) == {"nom": "text", "code": "text", "population": "int", "geom": "geo_shape"}
    centres = con.execute(
        f'SELECT nom, round(ST_X(ST_Centroid(geom)), 4), round(ST_Y(ST_Centroid(geom)), 4) FROM "{prepared.relation}"'
    ).fetchall()
    assert centres == [("Rennes", -1.68, 48.1113), ("Brest", -4.4861, 48.3904)]


def test_kml_points(con, tmp_path: Path) -> None:
    path = tmp_path / "places.kml"
    con.execute(
        f"COPY (SELECT nom AS Name, ST_Point(lon, lat) AS geom FROM ({PLACES})) TO '{path}' (FORMAT GDAL, DRIVER 'KML')"
    )

    prepared = read_path(con, path)

    assert prepared.source["format"] == "kml"
    assert rows(con, prepared, "name", "geom") == [
        ("Rennes", {"lon": -1.68, "lat": 48.1113}),
        ("Brest", {"lon": -4.4861, "lat": 48.3904}),
    ]


def test_parquet_keeps_types_and_reads_geometries(con, tmp_path: Path) -> None:
    path = tmp_path / "places.parquet"
    con.execute(
        f"COPY (SELECT nom, code, population, DATE '2024-01-01' AS millesime, ST_Point(lon, lat) AS geom, "
        f"CAST(population AS DECIMAL(12, 2)) AS montant FROM ({PLACES})) TO '{path}' (FORMAT PARQUET)"
    )

    prepared = read_path(con, path)

    assert field_types(prepared) == {
        "nom": "text",
        "code": "text",
        "population": "int",
        "millesime": "date",
        "geom": "geo_point_2d",
        "montant": "double",
    }
    assert rows(con, prepared)[0] == (
        "Rennes",
        "35238",
        227830,
        dt.date(2024, 1, 1),
        {"lon": -1.68, "lat": 48.1113},
        227830.0,
    )


def test_unknown_layer(con, tmp_path: Path) -> None:
    path = tmp_path / "zones.gpkg"
    con.execute(
        f"COPY (SELECT nom, ST_Point(lon, lat) AS geom FROM ({PLACES})) TO '{path}' (FORMAT GDAL, DRIVER 'GPKG')"
    )
    with pytest.raises(IngestError) as raised:
        read_path(con, path, sheet="autre")
    assert raised.value.code == "bad_option"


def test_damaged_parquet(con, tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    con.execute(f"COPY (SELECT range AS n FROM range(1000)) TO '{path}' (FORMAT PARQUET)")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(IngestError) as raised:
        read_path(con, path)
    assert raised.value.code == "truncated"
