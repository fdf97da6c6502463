"""The communes of the territory as a GeoJSON FeatureCollection (RFC 7946, WGS84)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from datapolis.demo.dataset import DemoDataset, dataset_metadata
from datapolis.demo.files import write_bytes_atomically
from datapolis.demo.territory import DEPARTEMENT_CODE, DEPARTEMENT_NAME, TERRITORY_NAME, Commune, Territory

DATASET_ID = "communes"
FILE_NAME = "communes-loire-et-maine.geojson"
POPULATION_YEAR = 2022  # legal populations of year N are published for January N+3


def write_communes(folder: Path, territory: Territory, *, seed: int, scale: float) -> DemoDataset:
    """The territory does not shrink with `scale`: every other dataset refers to its communes."""
    communes = sorted(territory.communes, key=lambda commune: commune.insee)
    collection = {"type": "FeatureCollection", "features": [feature(commune, territory) for commune in communes]}
    path = folder / FILE_NAME
    write_bytes_atomically(path, json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode())
    return DemoDataset(dataset_id=DATASET_ID, path=path, metadata=communes_metadata(), facets=["nom_epci"])


def feature(commune: Commune, territory: Territory) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code_insee": commune.insee,
            "nom": commune.name,
            "code_postal": commune.postal_code,
            "population": commune.population,
            "superficie_km2": commune.area_km2,
            "densite_hab_km2": round(commune.population / commune.area_km2, 1),
            "siren": commune.siren,
            "nom_epci": territory.name,
            "siren_epci": territory.siren,
            "code_departement": DEPARTEMENT_CODE,
            "nom_departement": DEPARTEMENT_NAME,
        },
        "geometry": mapping(commune.polygon),
    }


def communes_metadata() -> dict[str, Any]:
    return dataset_metadata(
        title=f"Communes de {TERRITORY_NAME}",
        paragraphs=[
            f"Contours des communes membres de {TERRITORY_NAME}, avec leur code INSEE, leur code postal, "
            f"leur population municipale {POPULATION_YEAR} (en vigueur au 1er janvier {POPULATION_YEAR + 3}) "
            "et leur superficie.",
            "Ce référentiel sert à rattacher les autres jeux de données à une commune (par le code INSEE ou "
            "par croisement géographique).",
        ],
        themes=["Territoire"],
        keywords=["communes", "limites administratives", "code INSEE", "population", "EPCI"],
        license="etalab-2.0",
        producer=f"{TERRITORY_NAME} - service information géographique",
        contact_name="Service information géographique",
        contact_mailbox="sig",
        update_frequency="annual",
        temporal=(f"{POPULATION_YEAR + 3}-01-01", f"{POPULATION_YEAR + 3}-12-31"),
    )
