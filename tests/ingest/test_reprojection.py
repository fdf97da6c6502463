"""Lambert-93 coordinates land within a metre of their published WGS84 position.

Reference points:
- the origin of the Lambert-93 projection, by its definition (IGN; decree 2000-1276):
  X = 700 000 m, Y = 6 600 000 m at longitude 3° E, latitude 46° 30' N;
- schools of Ille-et-Vilaine as published by the Ministry of Education in
  shared/data/datasets/education-35 (both their Lambert-93 X/Y and their WGS84 lat/lon).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pyproj import Geod

from datapolis.ingest import IngestError

from .conftest import read_path, rows

GEOD = Geod(ellps="WGS84")
# (X, Y) in Lambert-93 -> (lon, lat) in WGS84
REFERENCES = {
    "origine Lambert-93": ((700000.0, 6600000.0), (3.0, 46.5)),
    "0350017D Collège du Querpon": ((327366.8, 6766352.2), (-1.9895683290916766, 47.89156984600312)),
    "0350707D Collège Chateaubriand": ((349354.0, 6823304.9), (-1.7416202300524102, 48.41525130917533)),
    "0350849H": ((391254.8, 6781064.1), (-1.1461697991988964, 48.056987957233)),
}


def metres_between(point: dict, expected: tuple[float, float]) -> float:
    return GEOD.inv(point["lon"], point["lat"], expected[0], expected[1])[2]


def test_declared_lambert93_csv_columns(con, tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    lines = ["nom;x_reglementaire;y_reglementaire"]
    lines += [f"{name};{x};{y}" for name, ((x, y), _) in REFERENCES.items()]
    path.write_text("\n".join(lines) + "\n")

    prepared = read_path(con, path, epsg=2154)

    points = dict(rows(con, prepared, "nom", "geo_point_2d"))
    for name, (_, expected) in REFERENCES.items():
        assert metres_between(points[name], expected) < 1.0, name
    assert prepared.source["geo_point_2d"] == {"from": ["x_reglementaire", "y_reglementaire"], "epsg": 2154}


def test_without_declared_projection_xy_stay_numbers(con, tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("nom;x;y\nA;700000;6600000\n")
    assert [s.type for s in read_path(con, path).fields] == ["text", "int", "int"]


def test_air_quality_stations_land_in_pays_de_la_loire(con, shared_datasets: Path) -> None:
    prepared = read_path(con, shared_datasets / "qualite-air-pays-de-la-loire/mesures_NO2_annuelle.csv", epsg=2154)
    box = con.execute(
        f"SELECT min(geo_point_2d.lon), max(geo_point_2d.lon), min(geo_point_2d.lat), max(geo_point_2d.lat) "
        f'FROM "{prepared.relation}"'
    ).fetchone()
    assert -2.6 < box[0] < box[1] < 0.95 and 46.2 < box[2] < box[3] < 48.6  # the region's extent


def write_zipped_shapefile(con, folder: Path, srs: str) -> Path:
    points = ", ".join(f"('{name}', {x}, {y})" for name, ((x, y), _) in REFERENCES.items())
    con.execute(
        f"COPY (SELECT nom, ST_Point(x, y) AS geom FROM (VALUES {points}) v(nom, x, y)) "
        f"TO '{folder / 'points.shp'}' (FORMAT GDAL, DRIVER 'ESRI Shapefile', SRS '{srs}')"
    )
    archive_path = folder / "points.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for part in folder.glob("points.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    return archive_path


def test_zipped_shapefile_with_prj_is_reprojected(con, tmp_path: Path) -> None:
    archive = write_zipped_shapefile(con, tmp_path, "EPSG:2154")
    assert "points.prj" in zipfile.ZipFile(archive).namelist()

    prepared = read_path(con, archive)

    assert prepared.source["epsg"] == 2154
    points = dict(rows(con, prepared, "nom", "geom"))
    for name, (_, expected) in REFERENCES.items():
        assert metres_between(points[name], expected) < 1.0, name


def test_shapefile_without_prj_needs_a_declared_projection(con, tmp_path: Path) -> None:
    archive = write_zipped_shapefile(con, tmp_path, "EPSG:2154")
    stripped = tmp_path / "noprj.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(stripped, "w") as target:
        for name in source.namelist():
            if not name.endswith(".prj"):
                target.writestr(name.replace("points", "noprj"), source.read(name))

    with pytest.raises(IngestError) as raised:
        read_path(con, stripped)
    assert raised.value.code == "missing_projection"

    points = dict(rows(con, read_path(con, stripped, epsg=2154), "nom", "geom"))
    assert metres_between(points["origine Lambert-93"], (3.0, 46.5)) < 1.0
