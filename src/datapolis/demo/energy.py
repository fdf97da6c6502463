"""Monthly energy consumption of municipal buildings: an internal dataset (restricted visibility).

Exported from a spreadsheet: semicolon-separated, UTF-8 with a byte order mark, CRLF line
ends and decimal commas. Heating follows the heating degree days of each month; schools
close in summer; a few meter readings are missing. Every row names its commune, so that
access rules can restrict agents of a commune to their own buildings.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from datapolis.demo.dataset import DemoDataset, dataset_metadata
from datapolis.demo.files import write_csv
from datapolis.demo.randomness import python_rng
from datapolis.demo.territory import Commune, Territory
from datapolis.demo.timeline import DATA_YEAR, daily_weather
from datapolis.demo.toponymy import PERSONS, SAINTS

DATASET_ID = "consommation-energie-batiments"
FILE_NAME = "consommation-energie-batiments-communaux.csv"
HEADER = [
    "commune",
    "code_insee",
    "batiment",
    "categorie",
    "surface_m2",
    "energie",
    "mois",
    "consommation_kwh",
    "cout_ttc_eur",
]
YEARS = (DATA_YEAR - 1, DATA_YEAR)
PRICE_PER_KWH = {  # euros TTC, by energy then year
    "Électricité": {YEARS[0]: 0.212, YEARS[1]: 0.198},
    "Gaz naturel": {YEARS[0]: 0.118, YEARS[1]: 0.104},
    "Fioul domestique": {YEARS[0]: 0.121, YEARS[1]: 0.113},
    "Réseau de chaleur": {YEARS[0]: 0.097, YEARS[1]: 0.094},
    "Bois granulés": {YEARS[0]: 0.079, YEARS[1]: 0.074},
}
PLACES = ["des Tilleuls", "du Bourg", "des Prés-Verts", "de la Fontaine", "du Val", "des Moulins", *PERSONS]
BUILDING_KINDS = [  # name pattern, category, surface range m², heating kWh/m²/year, electricity kWh/m²/year
    ("École élémentaire {place}", "Enseignement", (700, 2_400), 115, 28),
    ("École maternelle {place}", "Enseignement", (400, 1_200), 125, 30),
    ("Salle polyvalente {place}", "Culture et loisirs", (300, 1_100), 95, 22),
    ("Gymnase {place}", "Sport", (900, 2_600), 85, 25),
    ("Médiathèque {place}", "Culture et loisirs", (400, 2_200), 100, 45),
    ("Multi-accueil {place}", "Petite enfance", (250, 700), 130, 35),
    ("Centre technique municipal", "Services techniques", (500, 2_500), 70, 30),
    ("Église {saint}", "Patrimoine", (400, 1_500), 25, 6),
]
SWIMMING_POOL = ("Piscine {place}", "Sport", (1_800, 4_500), 650, 260)


@dataclass(frozen=True)
class Building:
    commune: Commune
    name: str
    category: str
    surface_m2: int
    heating_intensity: float
    electricity_intensity: float
    heating_energy: str | None  # None: heated by electricity


def write_energy(folder: Path, territory: Territory, *, seed: int, scale: float) -> DemoDataset:
    rng = python_rng(seed, "energy")
    buildings = municipal_buildings(territory, rng)
    kept = max(3, round(len(buildings) * scale))
    selected = sorted(rng.sample(range(len(buildings)), kept))
    path = folder / FILE_NAME
    rows = consumption_rows([buildings[index] for index in selected], seed, rng)
    write_csv(path, HEADER, rows, delimiter=";", encoding="utf-8-sig", line_end="\r\n")
    return DemoDataset(
        dataset_id=DATASET_ID,
        path=path,
        metadata=energy_metadata(),
        read_options={},
        visibility="restricted",
        facets=["commune", "categorie", "energie"],
    )


def municipal_buildings(territory: Territory, rng: random.Random) -> list[Building]:
    buildings = []
    for commune in sorted(territory.communes, key=lambda commune: commune.name):
        buildings.append(town_hall(commune, rng))
        extra = 22 if commune is territory.central_city else round(1 + 1.6 * math.log10(commune.population / 300))
        kinds = [SWIMMING_POOL] if commune.population > 8_000 else []
        kinds += [rng.choice(BUILDING_KINDS) for _ in range(max(0, extra - len(kinds)))]
        names: set[str] = set()
        for pattern, category, (low, high), heating, electricity in kinds:
            name = pattern.format(place=rng.choice(PLACES), saint=rng.choice(SAINTS))
            if name in names:
                continue
            names.add(name)
            buildings.append(
                Building(
                    commune,
                    name,
                    category,
                    rng.randrange(low, high),
                    heating,
                    electricity,
                    heating_energy(commune, rng),
                )
            )
    return buildings


def town_hall(commune: Commune, rng: random.Random) -> Building:
    surface = 8_500 if commune.population > 100_000 else round(250 + commune.population * 0.09)
    return Building(commune, "Mairie", "Administration", surface, 105, 40, heating_energy(commune, rng))


def heating_energy(commune: Commune, rng: random.Random) -> str | None:
    draw = rng.random()
    if commune.population > 100_000 and draw < 0.3:
        return "Réseau de chaleur"
    if draw < 0.08:
        return None
    if draw < 0.18:
        return "Fioul domestique"
    if draw < 0.24:
        return "Bois granulés"
    return "Gaz naturel"


def months() -> list[tuple[int, int]]:
    return [(year, month) for year in YEARS for month in range(1, 13)]


def heating_degree_days(seed: int) -> dict[tuple[int, int], float]:
    weather = daily_weather(seed, YEARS[0], YEARS[1])
    totals: dict[tuple[int, int], float] = {}
    for offset, temperature in enumerate(weather.temperature):
        day = weather.first_day + dt.timedelta(days=offset)
        totals[(day.year, day.month)] = totals.get((day.year, day.month), 0.0) + max(0.0, 18.0 - float(temperature))
    return totals


def consumption_rows(buildings: list[Building], seed: int, rng: random.Random) -> Iterator[list[str]]:
    degree_days = heating_degree_days(seed)
    yearly_degree_days = sum(degree_days.values()) / len(YEARS)
    for building in buildings:
        electric_heating = building.heating_energy is None
        for year, month in months():
            school_closed = building.category in ("Enseignement", "Petite enfance") and month in (7, 8)
            usage = 0.45 if school_closed else 1.0
            heating_share = degree_days[(year, month)] / yearly_degree_days
            lighting = 1 + 0.2 * math.cos(2 * math.pi * (month - 1) / 12)
            electricity = building.surface_m2 * building.electricity_intensity / 12 * lighting * usage
            heating = building.surface_m2 * building.heating_intensity * heating_share * (0.7 + 0.3 * usage)
            if electric_heating:
                electricity += heating * 0.9
            else:
                yield row(building, building.heating_energy, year, month, heating, rng)
            yield row(building, "Électricité", year, month, electricity, rng)


def row(building: Building, energy: str, year: int, month: int, kwh: float, rng: random.Random) -> list[str]:
    if rng.random() < 0.01:  # meter not read this month
        reading, cost = "", ""
    else:
        measured = kwh * rng.lognormvariate(0, 0.06)
        reading = decimal_comma(measured, 1)
        cost = decimal_comma(measured * PRICE_PER_KWH[energy][year], 2)
    place = [building.commune.name, building.commune.insee, building.name, building.category]
    return [*place, str(building.surface_m2), energy, f"01/{month:02d}/{year}", reading, cost]


def decimal_comma(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def energy_metadata() -> dict:
    return dataset_metadata(
        title="Consommations d'énergie des bâtiments communaux",
        paragraphs=[
            "Consommations mensuelles d'électricité, de gaz, de fioul, de bois et de chaleur des bâtiments "
            f"communaux (mairies, écoles, équipements sportifs et culturels) des communes de la métropole, "
            f"relevées en {YEARS[0]} et {YEARS[1]}, avec leur coût TTC.",
            "Jeu de données interne, réservé aux agents : chaque commune n'accède qu'à ses propres bâtiments. "
            "Un relevé vide signale un compteur non relevé ce mois-là.",
        ],
        themes=["Énergie", "Territoire"],
        keywords=["énergie", "bâtiments publics", "consommation", "patrimoine communal", "transition énergétique"],
        license="etalab-2.0",
        producer="Loire-et-Maine Métropole - service énergie et patrimoine",
        contact_name="Conseil en énergie partagé",
        contact_mailbox="energie",
        update_frequency="monthly",
        temporal=(f"{YEARS[0]}-01-01", f"{YEARS[1]}-12-31"),
    )
