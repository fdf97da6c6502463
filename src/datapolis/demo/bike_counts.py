"""Hourly bicycle counts, exported the way an Opendatasoft portal does on a Windows desktop.

The file is semicolon-separated, cp1252-encoded with CRLF line ends, its columns carry
labels rather than field names, and positions are a single "lat, lon" text column.
Commuter counters peak at 8:00 and 17:30 on working days; leisure ones (river banks,
green ways) fill up on weekend afternoons and in summer; everyone rides less on rainy
or freezing days and in the August and Christmas holidays.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datapolis.demo.dataset import DemoDataset, dataset_metadata
from datapolis.demo.files import write_csv
from datapolis.demo.randomness import numpy_rng, python_rng
from datapolis.demo.territory import Territory, point_near_centre
from datapolis.demo.timeline import DATA_YEAR, daily_weather, hourly_timeline

DATASET_ID = "comptages-velo"
FILE_NAME = "comptages-velo.csv"
ENCODING = "cp1252"
HEADER = [
    "Identifiant du compteur",
    "Nom du compteur",
    "Date et heure de comptage",
    "Comptage horaire",
    "Coordonnées géographiques",
]
COUNTERS = [  # name, usage; interleaved so that a reduced scale keeps both usages
    ("Pont de la Haute-Chaîne", "commute"),
    ("Levée de la Loire", "leisure"),
    ("Quai Félix-Faure", "commute"),
    ("Boulevard de la Résistance", "commute"),
    ("Voie verte des Ardoisières", "leisure"),
    ("Quai du Cœur-de-Maine", "commute"),
    ("Passerelle de l'Écluse", "commute"),
    ("Avenue Pasteur", "commute"),
    ("Promenade de l'Étang-Saint-Nicolas", "leisure"),
    ("Rue de la Gare - vélorue", "commute"),
    ("Pont des Tanneurs", "commute"),
    ("Île Saint-Aubin - chemin de halage", "leisure"),
]


@dataclass(frozen=True)
class Counter:
    identifier: str
    name: str
    usage: str
    lat: float
    lon: float
    daily_volume: float


def bike_counters(territory: Territory, seed: int) -> list[Counter]:
    rng = numpy_rng(seed, "bike-counters")
    ids = python_rng(seed, "bike-counter-ids").sample(range(100_000, 999_999), len(COUNTERS))
    on_loire = [commune for commune in territory.communes if commune.name.endswith("-sur-Loire")]
    counters = []
    for (name, usage), number in zip(COUNTERS, ids, strict=True):
        if usage == "leisure" and on_loire and name.startswith("Levée"):
            commune = on_loire[0]
            name = f"{name} - {commune.name}"
            lon, lat = point_near_centre(commune, rng, 800)
        else:
            lon, lat = point_near_centre(territory.central_city, rng, 1_600 if usage == "commute" else 2_500)
        volume = float(np.exp(rng.normal(7.0, 0.5)) if usage == "commute" else np.exp(rng.normal(6.0, 0.4)))
        counters.append(Counter(f"100{number}", name, usage, round(lat, 4), round(lon, 4), volume))
    return counters


def write_bike_counts(folder: Path, territory: Territory, *, seed: int, scale: float) -> DemoDataset:
    counters = bike_counters(territory, seed)[: max(1, round(len(COUNTERS) * scale))]
    path = folder / FILE_NAME
    write_csv(path, HEADER, count_rows(counters, seed), delimiter=";", encoding=ENCODING, line_end="\r\n")
    return DemoDataset(
        dataset_id=DATASET_ID,
        path=path,
        metadata=bike_metadata(),
        facets=["Nom du compteur", "Date et heure de comptage"],
    )


def count_rows(counters: list[Counter], seed: int) -> Iterator[list[str]]:
    rng = numpy_rng(seed, "bike-counts")
    labels = hourly_timeline().labels
    for counter in counters:
        counts = rng.poisson(hourly_expectation(counter, seed))
        working = outage_mask(len(labels), rng)
        position = f"{counter.lat}, {counter.lon}"
        for hour, label in enumerate(labels):
            count = str(counts[hour]) if working[hour] else ""
            yield [counter.identifier, counter.name, label, count, position]


def bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def normalised(profile: np.ndarray) -> np.ndarray:
    return profile / profile.sum()


def hourly_expectation(counter: Counter, seed: int) -> np.ndarray:
    timeline = hourly_timeline()
    weather = daily_weather(seed).for_year(DATA_YEAR)
    day = timeline.day_index
    hours = np.arange(24, dtype=float)
    commute_day = normalised(
        0.015 + bump(hours, 8, 0.9) + 0.35 * bump(hours, 12.5, 1.2) + 0.85 * bump(hours, 17.6, 1.3)
    )
    leisure_day = normalised(0.01 + 0.4 * bump(hours, 9, 2) + bump(hours, 17, 2.5))
    outing_day = normalised(0.008 + bump(hours, 15, 3.2))
    commuter = counter.usage == "commute"
    saturday = timeline.weekday == 5
    rest = timeline.day_off | saturday

    shape = np.where(
        rest, outing_day[timeline.local_hour], (commute_day if commuter else leisure_day)[timeline.local_hour]
    )
    if commuter:
        level = np.where(timeline.day_off, 0.45, np.where(saturday, 0.65, 1.0))
        summer_break = (day >= 195) & (day <= 236)  # mid-July to late August
        level = level * np.where(summer_break, 0.62, np.where(timeline.school_holiday, 0.85, 1.0))
    else:
        level = np.where(rest, 1.6, 1.0) * np.where(timeline.school_holiday, 1.25, 1.0)
    season = 1 + 0.22 * np.sin(2 * np.pi * (day - 105) / 365.25)
    rain = weather.rain_mm[day]
    sensitivity = 1.0 if commuter else 1.6
    wet = 1 - np.clip(sensitivity * 0.04 * rain, 0, 0.75)
    cold = np.where(weather.temperature[day] < 3, 1 - 0.15 * sensitivity, 1.0)
    return counter.daily_volume * shape * level * season * wet * cold


def outage_mask(size: int, rng: np.random.Generator) -> np.ndarray:
    """True where the counter worked; a third of counters were down for a few days."""
    working = np.ones(size, dtype=bool)
    if rng.random() < 0.35:
        start = int(rng.integers(0, size - 300))
        working[start : start + int(rng.integers(48, 300))] = False
    return working


def bike_metadata() -> dict:
    return dataset_metadata(
        title="Comptages vélo horaires",
        paragraphs=[
            f"Nombre de vélos comptés chaque heure en {DATA_YEAR} par les compteurs automatiques "
            "(boucles électromagnétiques) installés sur les ponts, quais et voies vertes de la métropole.",
            "Un comptage vide signale une panne ou une maintenance du compteur. Les coordonnées sont "
            "données sous la forme « latitude, longitude » (WGS84).",
        ],
        themes=["Transports", "Environnement"],
        keywords=["vélo", "mobilité douce", "comptage", "cyclistes", "compteurs"],
        license="odbl-1.0",
        producer="Loire-et-Maine Métropole - direction des mobilités",
        contact_name="Direction des mobilités",
        contact_mailbox="mobilites",
        update_frequency="daily",
        temporal=(f"{DATA_YEAR}-01-01", f"{DATA_YEAR}-12-31"),
    )
