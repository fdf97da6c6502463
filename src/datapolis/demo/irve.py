"""Electric vehicle charging points (IRVE), one row per charging point as in the national schema.

Semicolon-separated UTF-8, powers with decimal commas ("22,0"), commissioning dates as
dd/mm/yyyy, plug booleans as true/false but "gratuit" as oui/non (as aggregated files
mix them), and separate latitude/longitude columns. Stations cluster around town centres,
more of them in bigger communes; every point lies inside its commune's polygon.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datapolis.demo.dataset import DemoDataset, dataset_metadata
from datapolis.demo.files import write_csv
from datapolis.demo.randomness import numpy_rng, python_rng
from datapolis.demo.territory import Commune, Territory, point_near_centre
from datapolis.demo.toponymy import street_address, street_name

DATASET_ID = "bornes-irve"
FILE_NAME = "bornes-irve.csv"
POINT_COUNT = 2_000
UPDATED_ON = dt.date(2025, 12, 15)
HEADER = [
    "nom_amenageur",
    "nom_operateur",
    "contact_operateur",
    "nom_enseigne",
    "id_station_itinerance",
    "nom_station",
    "implantation_station",
    "adresse_station",
    "code_insee_commune",
    "nbre_pdc",
    "id_pdc_itinerance",
    "puissance_nominale",
    "prise_type_ef",
    "prise_type_2",
    "prise_type_combo_ccs",
    "prise_type_chademo",
    "gratuit",
    "paiement_cb",
    "condition_acces",
    "horaires",
    "accessibilite_pmr",
    "date_mise_en_service",
    "date_maj",
    "latitude",
    "longitude",
]


@dataclass(frozen=True)
class Network:
    brand: str
    operator: str
    code: str  # 3 characters of the operator's itinerance identifier
    weight: float
    siting: tuple[str, ...]  # implantation_station values
    powers_kw: tuple[float, ...]
    points_per_station: tuple[int, ...]
    free_share: float
    station_label: str
    opened_from: int  # first commissioning year


NETWORKS = [
    Network("Réseau Ligéria", "Ligéria Énergies", "LGE", 0.38, ("Voirie",), (22.0, 22.0, 11.0, 7.4),
            (2, 2, 2, 4), 0.05, "{commune} - {street}", 2016),
    Network("Volta Parkings", "Volta Stationnement", "VPK", 0.17, ("Parking public",), (7.4, 11.0, 22.0),
            (4, 6, 8, 10), 0.0, "Parking {place}", 2018),
    Network("Hypercharge Ouest", "Hypercharge Ouest SAS", "HCO", 0.06, ("Station dédiée à la recharge rapide",),
            (150.0, 150.0, 300.0, 50.0), (4, 6, 8), 0.0, "Hypercharge {commune}", 2020),
    Network("Recharge Commerce Plus", "RC+ Services", "RCP", 0.2, ("Parking privé à usage public",),
            (22.0, 50.0, 7.4), (2, 4), 0.45, "Centre commercial {place}", 2017),
    Network("Bornes & Hôtels", "Hôtellerie Électrique", "BHE", 0.13, ("Parking privé réservé à la clientèle",),
            (11.0, 7.4, 3.7), (1, 2, 2), 0.7, "Hôtel {place}", 2015),
]  # fmt: skip
PLACES = ["des Halles", "du Château", "de la Gare", "des Rives", "Saint-Jean", "du Lac", "des Ardoisières", "du Centre"]
PMR = ["Accessible mais non réservé PMR", "Accessible mais non réservé PMR", "Réservé PMR", "Accessibilité inconnue"]


@dataclass(frozen=True)
class Station:
    network: Network
    identifier: str
    name: str
    address: str
    commune: Commune
    lon: float
    lat: float
    points: int
    opened_on: dt.date | None


def write_irve(folder: Path, territory: Territory, *, seed: int, scale: float) -> DemoDataset:
    target = max(12, round(POINT_COUNT * scale))
    stations = charging_stations(territory, target, numpy_rng(seed, "irve-positions"), python_rng(seed, "irve"))
    path = folder / FILE_NAME
    write_csv(path, HEADER, point_rows(stations, python_rng(seed, "irve-points")), delimiter=";")
    return DemoDataset(
        dataset_id=DATASET_ID,
        path=path,
        metadata=irve_metadata(stations),
        facets=["nom_operateur", "implantation_station", "gratuit", "prise_type_combo_ccs"],
    )


def charging_stations(
    territory: Territory, target: int, positions: np.random.Generator, rng: random.Random
) -> list[Station]:
    communes = list(territory.communes)
    weights = [commune.population**0.85 for commune in communes]
    stations: list[Station] = []
    counters: dict[tuple[str, str], int] = {}
    total = 0
    while total < target:
        network = rng.choices(NETWORKS, weights=[network.weight for network in NETWORKS])[0]
        commune = rng.choices(communes, weights=weights)[0]
        points = min(rng.choice(network.points_per_station), target - total)
        sequence = counters[(network.code, commune.insee)] = counters.get((network.code, commune.insee), 0) + 1
        lon, lat = point_near_centre(commune, positions, spread_m=350 * commune.area_km2**0.5)
        stations.append(
            Station(
                network=network,
                identifier=f"FR{network.code}E{commune.insee}{sequence:03d}",
                name=network.station_label.format(
                    commune=commune.name, street=capitalised(street_name(rng)), place=rng.choice(PLACES)
                ),
                address=f"{street_address(rng)} {commune.postal_code} {commune.name}",
                commune=commune,
                lon=lon,
                lat=lat,
                points=points,
                opened_on=None if rng.random() < 0.03 else commissioning_date(network, rng),
            )
        )
        total += points
    return sorted(stations, key=lambda station: (station.network.operator, station.identifier))


def commissioning_date(network: Network, rng: random.Random) -> dt.date:
    """Skewed to recent years: the network grew fast after 2021."""
    first = dt.date(network.opened_from, 1, 1).toordinal()
    span = UPDATED_ON.toordinal() - first
    return dt.date.fromordinal(first + int(span * rng.random() ** 0.55))


def point_rows(stations: list[Station], rng: random.Random) -> Iterator[list[str]]:
    for station in stations:
        network = station.network
        power = rng.choice(network.powers_kw)
        fast = power >= 50
        free = "oui" if rng.random() < network.free_share else "non"
        hours = "24/7" if network.siting[0] != "Parking privé réservé à la clientèle" else "Mo-Su 07:00-22:00"
        access = "Accès réservé" if network.siting[0].endswith("clientèle") else "Accès libre"
        pmr = rng.choice(PMR)
        opened = station.opened_on.strftime("%d/%m/%Y") if station.opened_on else ""
        for point in range(1, station.points + 1):
            yield [
                network.operator,
                network.operator,
                f"support@{network.code.lower()}-recharge.example",
                network.brand,
                station.identifier,
                station.name,
                network.siting[0],
                station.address,
                station.commune.insee,
                str(station.points),
                f"FR{network.code}P{station.identifier[6:]}{point:02d}",
                f"{power:.1f}".replace(".", ","),
                boolean(not fast and rng.random() < 0.3),
                boolean(not fast),
                boolean(fast),
                boolean(fast and power <= 50 and rng.random() < 0.5),
                free,
                boolean(network.siting[0] != "Parking privé réservé à la clientèle"),
                access,
                hours,
                pmr,
                opened,
                UPDATED_ON.strftime("%d/%m/%Y"),
                f"{station.lat:.6f}",
                f"{station.lon:.6f}",
            ]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def boolean(value: bool) -> str:
    return "true" if value else "false"


def irve_metadata(stations: list[Station]) -> dict:
    opened = [station.opened_on for station in stations if station.opened_on]
    return dataset_metadata(
        title="Bornes de recharge pour véhicules électriques (IRVE)",
        paragraphs=[
            "Localisation et caractéristiques techniques des points de recharge pour véhicules électriques "
            "ouverts au public sur le territoire de la métropole, au format du schéma national IRVE statique.",
            "Chaque ligne décrit un point de recharge (pdc) ; les points d'une même station partagent "
            "l'identifiant <code>id_station_itinerance</code>. Les puissances sont en kW.",
        ],
        themes=["Transports", "Énergie"],
        keywords=["IRVE", "borne de recharge", "véhicule électrique", "mobilité électrique", "recharge"],
        license="etalab-2.0",
        producer="Syndicat intercommunal d'énergies de Loire-et-Maine",
        contact_name="Service mobilité électrique",
        contact_mailbox="irve",
        update_frequency="monthly",
        temporal=(min(opened).isoformat(), UPDATED_ON.isoformat()),
    )
