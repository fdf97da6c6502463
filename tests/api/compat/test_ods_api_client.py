"""Opendatasoft's own npm client (@opendatasoft/api-client) works against Datapolis.

A Node script (ods_api_client.mjs) drives the client against a live server; every answer
is checked here against values computed from the raw files, not only for the absence of
errors.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib import namespace as ns  # as a module: pytest warns on rdflib's closed namespaces

from tests.api.compat.conftest import REPO

SCRIPT = Path(__file__).with_name("ods_api_client.mjs")
PARIS_CENTRE = (2.3522, 48.8566)  # lon, lat of the `nearby` step
RADIUS_METERS = 500
EARTH_RADIUS_METERS = 6_371_008.8


def run_client(server) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required (see README: install)"
    completed = subprocess.run(
        [node, str(SCRIPT), server.url, server.api_key], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def lat_lon(text: str) -> tuple[float, float]:
    lat, lon = (float(part) for part in text.split(","))
    return lat, lon


def meters_from_centre(lat: float, lon: float) -> float:
    lon0, lat0 = PARIS_CENTRE
    phi1, phi2 = math.radians(lat0), math.radians(lat)
    dphi, dlambda = phi2 - phi1, math.radians(lon - lon0)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(math.sqrt(a))


@pytest.fixture
def answers(server) -> dict:
    return run_client(server)


@pytest.mark.slow
def test_the_opendatasoft_client_gets_what_the_files_hold(answers, raw, server) -> None:
    velib, no2 = raw["velib"], raw["no2"]
    name, capacity, position = "Nom de la station", "Capacité de la station", "Coordonnées géographiques"

    # catalog
    assert [link["rel"] for link in answers["root"]["links"]] == ["datasets", "facets", "exports"]
    assert answers["datasets"] == {
        "total_count": 3,
        "results": [
            {"dataset_id": "arrondissements", "records_count": len(raw["arrondissements"])},
            {"dataset_id": "mesures-no2", "records_count": len(no2)},
            {"dataset_id": "velib", "records_count": len(velib)},
        ],
    }
    assert answers["catalogSearch"]["results"] == [{"dataset_id": "velib"}]
    assert answers["catalogRefine"]["results"] == [{"dataset_id": "velib"}]
    facets = {f["name"]: {v["value"]: v["count"] for v in f["facets"]} for f in answers["catalogFacets"]["facets"]}
    assert facets == {
        "theme": {"Environnement": 1, "Territoire": 1, "Transports": 1},
        "publisher": {"Ville de Paris": 2, "Air Pays de la Loire": 1},
    }
    assert [field["label"] for field in answers["dataset"]["fields"]] == list(velib[0])

    # records: select, where, order_by, limit
    big = sorted((row for row in velib if int(row[capacity]) >= 60), key=lambda r: (-int(r[capacity]), r[name]))
    assert answers["biggestStations"]["total_count"] == len(big)
    assert answers["biggestStations"]["results"] == [
        {"nom_de_la_station": row[name], "capacite_de_la_station": int(row[capacity])} for row in big[:5]
    ]
    (station,) = [row for row in velib if row[name] == "Pyrénées - Maraîchers"]
    (found,) = answers["exactMatch"]["results"]
    assert found["identifiant_station"] == station["Identifiant station"]
    lat, lon = lat_lon(station[position])
    assert found["coordonnees_geographiques"] == pytest.approx({"lon": lon, "lat": lat})
    pyrenees = sorted(row[name] for row in velib if "pyrénées" in row[name].lower())
    assert sorted(r["nom_de_la_station"] for r in answers["search"]["results"]) == pyrenees

    # geo: within_distance, away from the circle's edge where distance formulas may differ
    near = {row[name] for row in velib if meters_from_centre(*lat_lon(row[position])) < RADIUS_METERS - 5}
    far = {row[name] for row in velib if meters_from_centre(*lat_lon(row[position])) > RADIUS_METERS + 5}
    nearby = {r["nom_de_la_station"] for r in answers["nearby"]["results"]}
    assert near and near <= nearby and not nearby & far

    # group_by, aggregations, dates, lang
    per_station = Counter(row["nom_station"] for row in no2)
    highest = {}
    for row in no2:
        if row["niveau"]:  # some days have no measure: max() ignores them
            highest[row["nom_station"]] = max(highest.get(row["nom_station"], 0), int(row["niveau"]))
    assert answers["perStation"]["total_count"] == len(per_station)
    assert answers["perStation"]["results"] == [
        {"nom_station": station, "n": per_station[station], "max_niveau": highest[station]}
        for station in sorted(per_station)
    ]
    assert answers["year2020"]["results"] == [{"n": sum(row["date"].startswith("2020-") for row in no2)}]
    assert answers["monthName"]["results"] == [{"mois": "mars"}]

    # facets, refined
    zones = {v["value"]: v["count"] for v in answers["zoneFacets"]["facets"][0]["facets"]}
    assert zones == Counter(row["nom_zone"] for row in no2)
    refined = {f["name"]: f["facets"] for f in answers["refinedFacets"]["facets"]}
    assert refined["nom_zone"] == [
        {"name": "Angers", "value": "Angers", "count": sum(r["nom_zone"] == "Angers" for r in no2), "state": "refined"}
    ]
    angers = Counter(row["nom_station"] for row in no2 if row["nom_zone"] == "Angers")
    assert {v["value"]: v["count"] for v in refined["nom_station"]} == angers

    # one record by its id
    listed = {key: value for key, value in answers["record"]["listed"].items() if not key.startswith("_")}
    assert answers["record"]["fetched"] == listed

    # exports
    assert sorted(r["nom_de_la_station"] for r in answers["exportJson"]) == sorted(row[name] for row in big)
    exported_csv = answers["exportCsv"]
    assert exported_csv["status"] == 200 and exported_csv["type"].startswith("text/csv")
    assert len(exported_csv["text"].splitlines()) == 1 + len(velib)
    features = answers["exportGeojson"]["features"]
    assert sorted(f["properties"]["l_ar"] for f in features) == sorted(
        f["properties"]["l_ar"] for f in raw["arrondissements"]
    )
    assert answers["catalogExportJson"] == [
        {"dataset_id": "arrondissements", "title": "Arrondissements de Paris"},
        {"dataset_id": "mesures-no2", "title": "Mesures de NO2 en Pays de la Loire"},
        {"dataset_id": "velib", "title": "Vélib' - emplacement des stations"},
    ]
    dcat = Graph().parse(data=answers["catalogExportDcat"]["text"], format="xml")
    public = ("arrondissements", "mesures-no2", "velib")
    assert set(dcat.subjects(ns.RDF.type, ns.DCAT.Dataset)) == {
        URIRef(f"{server.url}/explore/dataset/{dataset_id}/") for dataset_id in public
    }

    # errors the client classifies, and access with its ApiKey header
    assert answers["unknownDataset"]["error"] == "NotFoundError"
    assert answers["unknownDataset"]["body"]["error_code"] == "NotFound"
    assert answers["badQuery"]["error"] == "UserError" and answers["badQuery"]["status"] == 400
    assert answers["badQuery"]["body"]["error_code"] == "ODSQLError"
    assert answers["restrictedAnonymous"]["error"] == "NotFoundError"
    assert answers["restrictedWithKey"]["results"] == [{"n": len(raw["joconde"])}]
