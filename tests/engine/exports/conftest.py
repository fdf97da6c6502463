"""Real datasets loaded into DuckDB tables with the platform's storage types, and an export helper.

The loaders use plain read_csv / read_json / ST_Read so these tests do not depend on the
ingest package. Each table keeps a `row_number` column for ordered comparisons.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from datapolis.engine.exports import ExportColumn, ExportOptions, ExportStream, export_query
from datapolis.engine.extensions import load_extensions


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    load_extensions(connection)
    yield connection
    connection.close()


@pytest.fixture
def temp_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def run_export(
    con: duckdb.DuckDBPyConnection,
    temp_dir: Path,
    table: str,
    columns: list[ExportColumn],
    fmt: str,
    **options,
) -> tuple[ExportStream, bytes]:
    """Export `table`'s columns (in row order) and return the stream and all its bytes."""
    names = ", ".join(f'"{column.name}"' for column in columns)
    sql = f"SELECT {names} FROM {table} ORDER BY row_number"
    stream = export_query(con, sql, None, columns, fmt, ExportOptions(**options), temp_dir=temp_dir)
    return stream, b"".join(stream)


def write_file(tmp_path: Path, data: bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- Vélib' stations: text with accents, int, geo_point_2d from "lat, lon" ----------

VELIB_COLUMNS = [
    ExportColumn("station_id", "Identifiant station", "text"),
    ExportColumn("name", "Nom de la station", "text"),
    ExportColumn("capacity", "Capacité de la station", "int"),
    ExportColumn("coordinates", "Coordonnées géographiques", "geo_point_2d"),
]


@pytest.fixture(scope="module")
def velib(con: duckdb.DuckDBPyConnection, shared_datasets: Path) -> str:
    path = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    con.execute(
        """
        CREATE OR REPLACE TABLE velib AS
        SELECT row_number() OVER () AS row_number,
               id AS station_id, name, CAST(capacity AS BIGINT) AS capacity,
               struct_pack(lon := CAST(trim(split_part(coords, ',', 2)) AS DOUBLE),
                           lat := CAST(trim(split_part(coords, ',', 1)) AS DOUBLE)) AS coordinates
        FROM read_csv(?, delim = ';', header = true, all_varchar = true,
                      names = ['id', 'name', 'capacity', 'coords'])
        """,
        [str(path)],
    )
    return "velib"


# -- Air quality: dates, doubles, datetimes with offsets, booleans --------------------

NO2_COLUMNS = [
    ExportColumn("station", "Station", "text"),
    ExportColumn("code", "Code station", "text"),
    ExportColumn("value", "Valeur", "double"),
    ExportColumn("valid", "Validé", "boolean"),
    ExportColumn("start", "Début", "datetime"),
    ExportColumn("day", "Jour", "date"),
]


@pytest.fixture(scope="module")
def no2(con: duckdb.DuckDBPyConnection, shared_datasets: Path) -> str:
    path = shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2_annuelle.csv"
    con.execute(
        """
        CREATE OR REPLACE TABLE no2 AS
        SELECT row_number() OVER () AS row_number,
               nom_station AS station, code_station AS code, CAST(valeur AS DOUBLE) AS value,
               statut_valid = 'TRUE' AS valid,
               CAST(date_debut AS TIMESTAMPTZ) AS start,
               CAST(CAST(date_fin AS TIMESTAMPTZ) AS DATE) AS day,
               CAST(x_reglementaire AS DOUBLE) AS x, CAST(y_reglementaire AS DOUBLE) AS y
        FROM read_csv(?, delim = ';', header = true, all_varchar = true)
        """,
        [str(path)],
    )
    return "no2"


# -- Départements: polygons and multipolygons (geo_shape) -----------------------------

DEPARTEMENT_COLUMNS = [
    ExportColumn("code", "Code", "text"),
    ExportColumn("nom", "Nom", "text"),
    ExportColumn("shape", "Contour", "geo_shape"),
]


@pytest.fixture(scope="module")
def departements(con: duckdb.DuckDBPyConnection, shared_datasets: Path) -> str:
    path = shared_datasets / "france-geojson" / "departements-version-simplifiee.geojson"
    con.execute(
        """
        CREATE OR REPLACE TABLE departements AS
        SELECT row_number() OVER () AS row_number, code, nom, geom AS shape FROM ST_Read(?)
        """,
        [str(path)],
    )
    return "departements"


# -- Schools of Ille-et-Vilaine: WGS84 points with their official Lambert-93 X/Y -------

SCHOOL_COLUMNS = [
    ExportColumn("uai", "Code établissement", "text"),
    ExportColumn("position", "Position", "geo_point_2d"),
]


@pytest.fixture(scope="module")
def schools(con: duckdb.DuckDBPyConnection, shared_datasets: Path) -> str:
    folder = shared_datasets / "education-35"
    path = folder / "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"
    con.execute(
        """
        CREATE OR REPLACE TABLE schools AS
        SELECT row_number() OVER () AS row_number, "Code établissement" AS uai,
               struct_pack(lon := CAST("Longitude" AS DOUBLE), lat := CAST("Latitude" AS DOUBLE)) AS position,
               CAST("Coordonnee X" AS DOUBLE) AS x, CAST("Coordonnee Y" AS DOUBLE) AS y
        FROM read_csv(?, delim = ';', header = true, all_varchar = true)
        WHERE "EPSG" = 'EPSG:2154' AND "Latitude" IS NOT NULL
        """,
        [str(path)],
    )
    return "schools"


# -- The Opendatasoft reference: georef-france-departement as ODS exported it in JSON --

GEOREF_FIELDS = [  # name, label (the reference CSV's header), type, multivalued
    ("geo_point_2d", "Geo Point", "geo_point_2d", False),
    ("geo_shape", "Geo Shape", "geo_shape", False),
    ("year", "Année", "text", False),
    ("reg_code", "Code Officiel Région", "text", True),
    ("reg_name", "Nom Officiel Région", "text", True),
    ("dep_code", "Code Officiel Département", "text", True),
    ("dep_current_code", "Code Officiel Courant Département", "text", True),
    ("dep_name", "Nom Officiel Département", "text", True),
    ("dep_name_upper", "Nom Officiel Département Majuscule", "text", False),
    ("dep_name_lower", "Nom Officiel Département Minuscule", "text", False),
    ("dep_area_code", "Code Iso 3166-3 Zone", "text", False),
    ("dep_type", "Type", "text", False),
    ("dep_status", "Statut Département", "text", True),
    ("dep_siren_code", "SIREN", "text", False),
    ("dep_is_ctu", "Est une CTU", "text", False),
]
GEOREF_COLUMNS = [ExportColumn(name, label, kind, multivalued) for name, label, kind, multivalued in GEOREF_FIELDS]


@pytest.fixture(scope="module")
def georef_json(shared_data: Path) -> Path:
    return shared_data / "ods-reference" / "georef-france-departement.json"


@pytest.fixture(scope="module")
def georef(con: duckdb.DuckDBPyConnection, georef_json: Path) -> str:
    text_fields = ", ".join(
        f"CAST({name} AS VARCHAR[]) AS {name}" if multivalued else f"{name}->>'$' AS {name}"
        for name, _, kind, multivalued in GEOREF_FIELDS
        if kind == "text"
    )
    columns = ", ".join(f"'{name}': 'JSON'" for name, *_ in GEOREF_FIELDS)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE georef AS
        SELECT row_number() OVER () AS row_number,
               struct_pack(lon := CAST(geo_point_2d->>'lon' AS DOUBLE),
                           lat := CAST(geo_point_2d->>'lat' AS DOUBLE)) AS geo_point_2d,
               ST_GeomFromGeoJSON(geo_shape->'geometry') AS geo_shape,
               {text_fields}
        FROM read_json(?, format = 'array', columns = {{{columns}}})
        """,
        [str(georef_json)],
    )
    return "georef"


def folder_is_empty(folder: Path) -> bool:
    return not any(os.scandir(folder))
