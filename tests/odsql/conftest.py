"""Real datasets loaded into DuckDB with plain read_csv/ST_Read, and their raw rows in Python.

Each fixture gives the DuckDB connection, the relation name, the field schema, and the
rows read independently with the csv/json modules, so tests compare the compiled query's
answer with a computation that shares no code with odsql.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from datapolis.engine.extensions import load_extensions
from datapolis.odsql import QuerySpec, compile_count, compile_query
from datapolis.schema import FieldSpec


@dataclass
class Dataset:
    con: duckdb.DuckDBPyConnection
    relation: str
    schema: list[FieldSpec]
    rows: list[dict[str, Any]]

    def query(self, **spec: Any) -> list[dict[str, Any]]:
        compiled = compile_query(QuerySpec(**spec), self.schema, self.relation)
        return compiled.decode_rows(self.con.execute(compiled.sql, compiled.params).fetchall())

    def count(self, **spec: Any) -> int:
        compiled = compile_count(QuerySpec(**spec), self.schema, self.relation)
        return self.con.execute(compiled.sql, compiled.params).fetchone()[0]

    def column(self, name: str, **spec: Any) -> list[Any]:
        return [row[name] for row in self.query(**spec)]


@pytest.fixture(scope="session")
def duck() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_extensions(con, ("spatial", "fts"))
    return con


def _csv_rows(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.fixture(scope="session")
def velib(duck, shared_datasets: Path) -> Dataset:
    """Vélib' stations: id, name, capacity, geo (the file's "lat, lon" as a lon/lat struct)."""
    path = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    duck.execute(
        """
        CREATE OR REPLACE TABLE velib AS
        SELECT CAST(row_number() OVER () AS VARCHAR) AS _id,
               "Identifiant station" AS id,
               "Nom de la station" AS name,
               CAST("Capacité de la station" AS BIGINT) AS capacity,
               struct_pack(
                   lon := CAST(trim(split_part("Coordonnées géographiques", ',', 2)) AS DOUBLE),
                   lat := CAST(trim(split_part("Coordonnées géographiques", ',', 1)) AS DOUBLE)
               ) AS geo
        FROM read_csv(?, delim = ';', header = true, all_varchar = true)
        """,
        [str(path)],
    )
    rows = []
    for raw in _csv_rows(path):
        lat, lon = (float(part) for part in raw["Coordonnées géographiques"].split(","))
        rows.append(
            {
                "id": raw["Identifiant station"],
                "name": raw["Nom de la station"],
                "capacity": int(raw["Capacité de la station"]),
                "geo": {"lon": lon, "lat": lat},
            }
        )
    schema = [
        FieldSpec("id", "Identifiant station", "text"),
        FieldSpec("name", "Nom de la station", "text"),
        FieldSpec("capacity", "Capacité de la station", "int"),
        FieldSpec("geo", "Coordonnées géographiques", "geo_point_2d"),
    ]
    return Dataset(duck, "velib", schema, rows)


@pytest.fixture(scope="session")
def no2(duck, shared_datasets: Path) -> Dataset:
    """Daily NO2 means per station (Air Pays de la Loire): text, int, date, null text."""
    path = shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2.csv"
    duck.execute(
        """
        CREATE OR REPLACE TABLE no2 AS
        SELECT CAST(row_number() OVER () AS VARCHAR) AS _id,
               nom_departement AS departement, nom_zone AS zone, nom_station AS station,
               CAST(nullif(code_station, '') AS BIGINT) AS code_station,
               CAST(nullif(niveau, '') AS BIGINT) AS niveau,
               nullif(etat, '') AS etat, CAST("date" AS DATE) AS day
        FROM read_csv(?, delim = ';', header = true, all_varchar = true)
        """,
        [str(path)],
    )
    rows = [
        {
            "departement": raw["nom_departement"],
            "zone": raw["nom_zone"],
            "station": raw["nom_station"],
            "code_station": int(raw["code_station"]) if raw["code_station"] else None,
            "niveau": int(raw["niveau"]) if raw["niveau"] else None,
            "etat": raw["etat"] or None,
            "day": date.fromisoformat(raw["date"]),
        }
        for raw in _csv_rows(path)
    ]
    schema = [
        FieldSpec("departement", "Département", "text"),
        FieldSpec("zone", "Zone", "text"),
        FieldSpec("station", "Station", "text"),
        FieldSpec("code_station", "Code station", "int"),
        FieldSpec("niveau", "Niveau", "int"),
        FieldSpec("etat", "État", "text"),
        FieldSpec("day", "Date", "date"),
    ]
    return Dataset(duck, "no2", schema, rows)


@pytest.fixture(scope="session")
def no2_yearly(duck, shared_datasets: Path) -> Dataset:
    """Yearly NO2 per station: double values, datetimes with offsets, booleans, a JSON-ish text."""
    path = shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2_annuelle.csv"
    duck.execute(
        """
        CREATE OR REPLACE TABLE no2_yearly AS
        SELECT CAST(row_number() OVER () AS VARCHAR) AS _id,
               nom_com AS commune, nom_station AS station, CAST(valeur AS DOUBLE) AS valeur,
               CAST(date_debut AS TIMESTAMPTZ) AS start, CAST(statut_valid AS BOOLEAN) AS valid,
               typologie AS typology
        FROM read_csv(?, delim = ';', header = true, all_varchar = true)
        """,
        [str(path)],
    )
    rows = [
        {
            "commune": raw["nom_com"],
            "station": raw["nom_station"],
            "valeur": float(raw["valeur"]),
            "start": datetime.fromisoformat(raw["date_debut"]),
            "valid": raw["statut_valid"] == "TRUE",
            "typology": raw["typologie"],
        }
        for raw in _csv_rows(path)
    ]
    schema = [
        FieldSpec("commune", "Commune", "text"),
        FieldSpec("station", "Station", "text"),
        FieldSpec("valeur", "Valeur", "double"),
        FieldSpec("start", "Début", "datetime"),
        FieldSpec("valid", "Valide", "boolean"),
        FieldSpec("typology", "Typologie", "text"),
    ]
    return Dataset(duck, "no2_yearly", schema, rows)


@pytest.fixture(scope="session")
def communes49(duck, shared_datasets: Path) -> Dataset:
    """Commune polygons of Maine-et-Loire as geo_shape, read with ST_Read."""
    path = shared_datasets / "france-geojson" / "communes-49-maine-et-loire.geojson"
    duck.execute(
        """
        CREATE OR REPLACE TABLE communes49 AS
        SELECT code AS _id, code, nom, geom AS shape FROM ST_Read(?)
        """,
        [str(path)],
    )
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    rows = [{"code": f["properties"]["code"], "nom": f["properties"]["nom"], "shape": f["geometry"]} for f in features]
    schema = [
        FieldSpec("code", "Code", "text"),
        FieldSpec("nom", "Nom", "text"),
        FieldSpec("shape", "Contour", "geo_shape"),
    ]
    return Dataset(duck, "communes49", schema, rows)
