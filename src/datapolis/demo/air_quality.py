"""Hourly air quality measures (NO2, PM10, PM2.5, O3) at the territory's monitoring stations.

Each series follows traffic (NO2 rush hours, quieter weekends), heating (winter particles,
a March nitrate episode), sunshine (afternoon and summer ozone, lowered where NO2 is high),
rain (washing particles out) and a shared regional stagnation index, so that stations move
together as they do under real weather. Station positions are published in Lambert-93.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datapolis.demo.dataset import DemoDataset, dataset_metadata
from datapolis.demo.files import write_csv
from datapolis.demo.randomness import numpy_rng, python_rng
from datapolis.demo.territory import Commune, Territory, point_near_centre, wgs84_to_l93
from datapolis.demo.timeline import DATA_YEAR, autoregressive, daily_weather, hourly_timeline

DATASET_ID = "qualite-air-mesures-horaires"
FILE_NAME = "qualite-air-mesures-horaires.csv"
POLLUTANTS = ("NO2", "PM10", "PM2.5", "O3")
UNIT = "µg/m³"
STATION_COUNT = 6
HEADER = [
    "code_station",
    "nom_station",
    "typologie",
    "code_insee",
    "x_l93",
    "y_l93",
    "polluant",
    "date_debut",
    "valeur",
    "unite",
    "statut_valid",
]
BASE_LEVEL = {  # yearly mean order of magnitude by station typology, µg/m³
    "Trafic": {"NO2": 36.0, "PM10": 22.0, "O3": 48.0},
    "Urbaine": {"NO2": 21.0, "PM10": 17.0, "O3": 60.0},
    "Périurbaine": {"NO2": 13.0, "PM10": 15.0, "O3": 66.0},
    "Rurale": {"NO2": 6.5, "PM10": 13.0, "O3": 72.0},
}


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    typology: str
    insee: str
    lon: float
    lat: float
    x_l93: float
    y_l93: float


def air_stations(territory: Territory, seed: int) -> list[Station]:
    """The monitoring network: three stations in the central city, then suburban and rural ones."""
    rng = numpy_rng(seed, "air-stations")
    names = python_rng(seed, "air-station-names")
    city = territory.central_city
    by_population = sorted(territory.communes[1:], key=lambda commune: -commune.population)
    villages = [commune for commune in by_population if commune.population < 2_000] or by_population[-1:]
    smallest_far = max(villages, key=lambda commune: distance_deg(commune, city))
    boulevard = names.choice(["Foch", "Carnot", "Pasteur", "de la Résistance"])
    quarter = names.choice(["Tilleuls", "Acacias", "Hauts-de-Saint-Aubin"])
    plan: list[tuple[Commune, str, str, float]] = [
        (city, f"{city.name} - Centre", "Urbaine", 300.0),
        (city, f"{city.name} - Boulevard {boulevard}", "Trafic", 500.0),
        (city, f"{city.name} - Quartier des {quarter}", "Urbaine", 1_800.0),
        (by_population[0], by_population[0].name, "Périurbaine", 600.0),
        (smallest_far, smallest_far.name, "Rurale", 900.0),
        (by_population[3], f"{by_population[3].name} - Zone d'activités", "Périurbaine", 900.0),
    ]
    codes = sorted(names.sample(range(100, 999), len(plan)))
    stations = []
    for (commune, name, typology, spread), code in zip(plan, codes, strict=True):
        lon, lat = point_near_centre(commune, rng, spread)
        x, y = wgs84_to_l93().transform(lon, lat)
        stations.append(Station(f"FR23{code}", name, typology, commune.insee, lon, lat, round(x, 2), round(y, 2)))
    return stations


def distance_deg(commune: Commune, other: Commune) -> float:
    return float(np.hypot(commune.centre[0] - other.centre[0], commune.centre[1] - other.centre[1]))


def write_air_quality(folder: Path, territory: Territory, *, seed: int, scale: float) -> DemoDataset:
    stations = air_stations(territory, seed)[: max(1, round(STATION_COUNT * scale))]
    path = folder / FILE_NAME
    write_csv(path, HEADER, measure_rows(stations, seed), delimiter=",")
    return DemoDataset(
        dataset_id=DATASET_ID,
        path=path,
        metadata=air_quality_metadata(),
        read_options={"epsg": 2154},
        facets=["polluant", "nom_station", "typologie", "date_debut"],
    )


def measure_rows(stations: list[Station], seed: int) -> Iterator[list[str]]:
    rng = numpy_rng(seed, "air-measures")
    timeline = hourly_timeline()
    stagnation = autoregressive(rng, len(timeline.labels), persistence=0.97, spread=0.35)
    for station in stations:
        series = station_series(station, stagnation, seed, rng)
        for pollutant in POLLUTANTS:
            values = series[pollutant]
            valid = missing_mask(len(values), rng, gaps=int(rng.integers(1, 4)))
            suspect = rng.random(len(values)) < 0.0015
            for hour, label in enumerate(timeline.labels):
                if not valid[hour]:
                    value, status = "", "false"
                else:
                    value, status = f"{values[hour]:.1f}", "false" if suspect[hour] else "true"
                yield [
                    station.code,
                    station.name,
                    station.typology,
                    station.insee,
                    f"{station.x_l93:.2f}",
                    f"{station.y_l93:.2f}",
                    pollutant,
                    label,
                    value,
                    UNIT,
                    status,
                ]


def bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def station_series(
    station: Station, stagnation: np.ndarray, seed: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    timeline = hourly_timeline()
    weather = daily_weather(seed).for_year(DATA_YEAR)
    hour = timeline.local_hour.astype(float)
    day = timeline.day_index
    winter = np.cos(2 * np.pi * (day - 15) / 365.25)  # +1 mid-January, -1 mid-July
    rain = weather.rain_mm[day]
    temperature = weather.temperature[day]
    base = BASE_LEVEL[station.typology]
    size = len(hour)

    working = 0.55 + 0.75 * bump(hour, 8, 1.5) + 0.6 * bump(hour, 19, 2.2)
    resting = 0.6 + 0.25 * bump(hour, 11, 3) + 0.45 * bump(hour, 20, 2.5)
    saturday = timeline.weekday == 5
    traffic = np.where(timeline.day_off, resting, np.where(saturday, (working + resting) / 2, working))
    washout = np.where(rain > 1, np.clip(1 - rain / 25, 0.6, 0.95), 1.0)
    no2 = base["NO2"] * traffic * (1 + 0.3 * winter) * np.exp(stagnation + local_noise(rng, size)) * washout

    sunshine = 0.55 + 0.6 * bump(hour, 15, 3.2)
    heat = 1 + 0.06 * np.clip(temperature - 22, 0, None)
    o3 = base["O3"] * sunshine * (1 - 0.35 * winter) * heat * np.exp(local_noise(rng, size)) - 0.45 * no2

    heating = 0.8 + 0.25 * bump(hour, 9, 2) + 0.35 * bump(hour, 20, 2.5)
    nitrate_episode = 0.6 * bump(day.astype(float), 75, 10)
    particle_washout = np.where(rain > 1, 0.7, 1.0)
    pm10 = (
        base["PM10"]
        * heating
        * (1 + 0.2 * winter + nitrate_episode)
        * np.exp(1.2 * stagnation + local_noise(rng, size))
        * particle_washout
    )
    pm25 = pm10 * (0.62 + 0.12 * winter) * np.exp(rng.normal(0, 0.08, size))
    return {"NO2": no2, "PM10": pm10, "PM2.5": pm25, "O3": np.clip(o3, 2, None)}


def local_noise(rng: np.random.Generator, size: int) -> np.ndarray:
    return autoregressive(rng, size, persistence=0.8, spread=0.18)


def missing_mask(size: int, rng: np.random.Generator, gaps: int) -> np.ndarray:
    """True where a measure exists: a few maintenance gaps of hours to days, and scattered lost hours."""
    valid = rng.random(size) > 0.004
    for _ in range(gaps):
        start = int(rng.integers(0, size - 72))
        valid[start : start + int(rng.integers(4, 72))] = False
    return valid


def air_quality_metadata() -> dict:
    return dataset_metadata(
        title="Qualité de l'air : mesures horaires des stations de Loire-et-Maine",
        paragraphs=[
            "Concentrations horaires de dioxyde d'azote (NO2), de particules (PM10, PM2.5) et d'ozone (O3) "
            f"mesurées en {DATA_YEAR} par les stations fixes du réseau de surveillance de la métropole.",
            "Les heures sont exprimées en heure légale française avec leur décalage UTC : le passage à "
            "l'heure d'été et à l'heure d'hiver est visible dans la série. Les valeurs sont en µg/m³ ; "
            "une valeur absente ou non validée est signalée par <code>statut_valid = false</code>.",
            "Les coordonnées des stations sont données en Lambert-93 (EPSG:2154).",
        ],
        themes=["Environnement", "Santé"],
        keywords=["qualité de l'air", "pollution", "NO2", "particules fines", "ozone", "mesures horaires"],
        license="odbl-1.0",
        producer="Air Loire-et-Maine, association agréée de surveillance de la qualité de l'air",
        contact_name="Air Loire-et-Maine - service études",
        contact_mailbox="air",
        update_frequency="hourly",
        temporal=(f"{DATA_YEAR}-01-01", f"{DATA_YEAR}-12-31"),
    )
