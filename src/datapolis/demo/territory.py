"""The fictional territory: Loire-et-Maine Métropole, about forty communes in Maine-et-Loire.

Geometry is drawn in Lambert-93 metres and published in WGS84. Commune borders are unions
of the Voronoi cells of a jittered 450 m grid, each grid point going to the commune whose
town hall is nearest by a noisy, population-weighted distance: borders wander like real
ones, and neighbouring communes share exactly the same vertices.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from datapolis.demo.identifiers import siren
from datapolis.demo.randomness import numpy_rng, python_rng
from datapolis.demo.toponymy import root_name, strip_accents, unique_commune_names

TERRITORY_NAME = "Loire-et-Maine Métropole"
DEPARTEMENT_CODE = "49"
DEPARTEMENT_NAME = "Maine-et-Loire"
REGION_NAME = "Pays de la Loire"
BBOX = (-0.8, 47.3, -0.3, 47.6)  # lon min, lat min, lon max, lat max
CENTRE = (-0.55, 47.455)
COMMUNE_COUNT = 40
METRES_PER_DEGREE_LAT = 111_200.0
METRES_PER_DEGREE_LON = 111_320.0 * math.cos(math.radians(CENTRE[1]))
GRID_SPACING_M = 450.0


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postal_code: str
    population: int
    siren: str
    centre: tuple[float, float]  # lon, lat of the town hall, inside `polygon`
    polygon: BaseGeometry  # WGS84, coordinates rounded to 6 decimals
    area_km2: float


@dataclass(frozen=True)
class Territory:
    name: str
    siren: str
    communes: tuple[Commune, ...]  # the central city first

    @property
    def central_city(self) -> Commune:
        return self.communes[0]


@cache
def wgs84_to_l93() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


@cache
def l93_to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)


@cache
def build_territory(seed: int) -> Territory:
    rng = numpy_rng(seed, "territory")
    names_rng = python_rng(seed, "territory-names")
    centre_x, centre_y = wgs84_to_l93().transform(*CENTRE)
    outline = territory_outline(centre_x, centre_y, rng)
    centres = commune_centres(outline, (centre_x, centre_y), rng)
    populations = commune_populations(centres, rng)
    polygons = commune_polygons(outline, centres, populations, rng)
    names = commune_names(centres, (centre_x, centre_y), rng, names_rng)
    codes = insee_codes(names, names_rng)
    postal_codes = postal_codes_by_sector(centres, names_rng)
    geod = Geod(ellps="WGS84")
    communes = []
    for index, polygon in enumerate(polygons):
        lon, lat = l93_to_wgs84().transform(*centres[index])
        wgs84_polygon = to_wgs84(polygon)
        communes.append(
            Commune(
                insee=codes[index],
                name=names[index],
                postal_code=postal_codes[index],
                population=int(populations[index]),
                siren=siren("21" + codes[index], names_rng),
                centre=(round(lon, 6), round(lat, 6)),
                polygon=wgs84_polygon,
                area_km2=round(abs(geod.geometry_area_perimeter(wgs84_polygon)[0]) / 1e6, 2),
            )
        )
    return Territory(name=TERRITORY_NAME, siren=siren("2449", names_rng), communes=tuple(communes))


def bbox_l93(margin_m: float) -> Polygon:
    lonlat_box = shapely.segmentize(box(*BBOX), 0.01)
    return shapely.transform(lonlat_box, project_l93).buffer(-margin_m)


def project_l93(coordinates: np.ndarray) -> np.ndarray:
    x, y = wgs84_to_l93().transform(coordinates[:, 0], coordinates[:, 1])
    return np.column_stack([x, y])


def project_wgs84_rounded(coordinates: np.ndarray) -> np.ndarray:
    lon, lat = l93_to_wgs84().transform(coordinates[:, 0], coordinates[:, 1])
    return np.round(np.column_stack([lon, lat]), 6)


def to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    projected = shapely.transform(geometry, project_wgs84_rounded)
    if isinstance(projected, Polygon):
        return orient(projected, 1.0)  # RFC 7946: exterior rings counterclockwise
    return shapely.MultiPolygon([orient(part, 1.0) for part in shapely.get_parts(projected)])


def territory_outline(centre_x: float, centre_y: float, rng: np.random.Generator) -> Polygon:
    """An irregular oval of about 650 km² inside the bounding box."""
    angles = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    wobble = np.ones_like(angles)
    for harmonic, amplitude in ((2, 0.09), (3, 0.07), (4, 0.04), (7, 0.025), (11, 0.012)):
        wobble += amplitude * np.sin(harmonic * angles + rng.uniform(0, 2 * np.pi))
    xs = centre_x + 15_500 * wobble * np.cos(angles)
    ys = centre_y + 13_500 * wobble * np.sin(angles)
    return Polygon(zip(xs, ys, strict=True)).intersection(bbox_l93(margin_m=600))


def commune_centres(outline: Polygon, centre: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """Town halls: the central city first, then others spread out (sequential inhibition)."""
    inner = outline.buffer(-1_200)
    shapely.prepare(inner)
    min_x, min_y, max_x, max_y = inner.bounds
    points = [centre]
    spacing, failures = 3_000.0, 0
    while len(points) < COMMUNE_COUNT:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        distances = np.hypot(np.array(points)[:, 0] - x, np.array(points)[:, 1] - y)
        # rural communes, far from the city, are larger than suburban ones
        local_spacing = spacing * (0.75 + 0.45 * distances[0] / 15_000)
        if shapely.contains_xy(inner, x, y) and distances[0] > 6_000 and distances[1:].min(initial=1e9) > local_spacing:
            points.append((x, y))
            failures = 0
        else:
            failures += 1
            if failures > 2_000:
                spacing, failures = spacing * 0.95, 0
    return np.array(points)


def commune_populations(centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A central city near 150 000, then a heavy tail of towns, larger near the centre."""
    city = round(rng.normal(152_000, 5_000))
    towns = np.sort(np.exp(rng.normal(7.9, 0.95, len(centres) - 1)).clip(230, 19_800))[::-1]
    distance = np.hypot(*(centres[1:] - centres[0]).T)
    order = np.argsort(distance + rng.normal(0, 3_000, len(distance)))
    populations = np.empty(len(centres), dtype=np.int64)
    populations[0] = city
    populations[1 + order] = np.round(towns).astype(np.int64)
    return populations


def commune_polygons(
    outline: Polygon, centres: np.ndarray, populations: np.ndarray, rng: np.random.Generator
) -> list[BaseGeometry]:
    grid = jittered_grid(outline, rng)
    extent = box(*outline.bounds).buffer(5_000)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(grid), extend_to=extent, ordered=True))
    inside = shapely.contains_xy(outline, grid[:, 0], grid[:, 1])
    grid, cells = grid[inside], cells[inside]
    scores = border_scores(grid, centres, populations, rng)
    labels = scores.argmin(axis=1)
    for commune, (x, y) in enumerate(centres):
        labels[np.hypot(grid[:, 0] - x, grid[:, 1] - y).argmin()] = commune
    polygons = merge_fragments(cells, grid, labels, centres)
    # smooths the grid's staircase while keeping neighbours' shared borders identical
    return list(shapely.coverage_simplify(np.array(polygons, dtype=object), tolerance=200.0))


def jittered_grid(outline: Polygon, rng: np.random.Generator) -> np.ndarray:
    min_x, min_y, max_x, max_y = outline.bounds
    xs = np.arange(min_x - 2_000, max_x + 2_000, GRID_SPACING_M)
    ys = np.arange(min_y - 2_000, max_y + 2_000, GRID_SPACING_M)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    return points + rng.uniform(-0.35, 0.35, points.shape) * GRID_SPACING_M


def border_scores(
    grid: np.ndarray, centres: np.ndarray, populations: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Distance to each town hall, shortened for big towns and bent by smooth per-commune waves."""
    distance = np.hypot(grid[:, None, 0] - centres[None, :, 0], grid[:, None, 1] - centres[None, :, 1])
    weight = np.minimum(250 * np.sqrt(populations / 2_000), 700.0)
    weight[0] = 2_200.0
    waves = np.zeros_like(distance)
    for _ in range(3):
        direction = rng.uniform(0, 2 * np.pi, len(centres))
        wavelength = rng.uniform(2_500, 7_000, len(centres))
        phase = rng.uniform(0, 2 * np.pi, len(centres))
        along = grid[:, None, 0] * np.cos(direction) + grid[:, None, 1] * np.sin(direction)
        waves += 260 * np.sin(2 * np.pi * along / wavelength + phase)
    return distance - weight + waves


def merge_fragments(cells: np.ndarray, grid: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> list[BaseGeometry]:
    """Union the cells of each commune; detached pieces go to the neighbour they share most border with."""
    polygons = [shapely.union_all(cells[labels == commune]) for commune in range(len(centres))]
    for _ in range(5):
        moved = False
        for commune, polygon in enumerate(polygons):
            parts = shapely.get_parts(polygon)
            if len(parts) == 1:
                continue
            for part in parts:
                if part.contains(Point(centres[commune])):
                    continue
                neighbour = max(
                    (other for other in range(len(polygons)) if other != commune),
                    key=lambda other, part=part: part.boundary.intersection(polygons[other].boundary).length,
                )
                labels[(labels == commune) & shapely.contains_xy(part.buffer(1), grid[:, 0], grid[:, 1])] = neighbour
                moved = True
        if not moved:
            break
        polygons = [shapely.union_all(cells[labels == commune]) for commune in range(len(centres))]
    return polygons


def river_lines(centre_x: float, centre_y: float) -> dict[str, LineString]:
    """The Loire runs west-east south of the city; the Maine crosses the city north-south into it."""
    xs = np.linspace(centre_x - 30_000, centre_x + 30_000, 120)
    loire = LineString(zip(xs, centre_y - 8_500 + 1_500 * np.sin((xs - centre_x) / 7_000), strict=True))
    ys = np.linspace(centre_y + 18_000, centre_y - 8_500, 80)
    maine = LineString(zip(centre_x + 600 * np.sin((ys - centre_y) / 3_000), ys, strict=True))
    return {"Loire": loire, "Maine": maine}


def commune_names(
    centres: np.ndarray, centre: tuple[float, float], rng: np.random.Generator, names_rng: random.Random
) -> list[str]:
    rivers = river_lines(*centre)
    banks: list[str | None] = []
    for x, y in centres[1:]:
        point = Point(x, y)
        if rivers["Loire"].distance(point) < 1_800:
            banks.append("Loire")
        elif rivers["Maine"].distance(point) < 1_400:
            banks.append("Maine")
        else:
            banks.append(None)
    city = root_name(names_rng)
    return [city, *unique_commune_names(banks, names_rng, reserved=(city,))]


def insee_codes(names: list[str], rng: random.Random) -> list[str]:
    """Codes follow the alphabetical order of names, with gaps, as INSEE numbering historically does."""
    numbers = sorted(rng.sample(range(1, 380), len(names)))
    alphabetical = sorted(range(len(names)), key=lambda index: strip_accents(names[index]).lower())
    codes = [""] * len(names)
    for number, index in zip(numbers, alphabetical, strict=True):
        codes[index] = f"{DEPARTEMENT_CODE}{number:03d}"
    return codes


def postal_codes_by_sector(centres: np.ndarray, rng: random.Random) -> list[str]:
    """The central city has 49000; the others share a code per direction around it, as post offices do."""
    sector_codes = [f"{DEPARTEMENT_CODE}{number * 10:03d}" for number in rng.sample(range(1, 49), 8)]
    offsets = centres - centres[0]
    angles = np.arctan2(offsets[:, 1], offsets[:, 0])
    sectors = ((angles + np.pi) / (2 * np.pi) * 8).astype(int) % 8
    return [f"{DEPARTEMENT_CODE}000", *[sector_codes[sector] for sector in sectors[1:]]]


def point_near_centre(commune: Commune, rng: np.random.Generator, spread_m: float) -> tuple[float, float]:
    """A (lon, lat) point inside the commune, normally spread around its town hall."""
    for _ in range(500):
        lon = round(commune.centre[0] + rng.normal(0, spread_m) / METRES_PER_DEGREE_LON, 6)
        lat = round(commune.centre[1] + rng.normal(0, spread_m) / METRES_PER_DEGREE_LAT, 6)
        if shapely.contains_xy(commune.polygon, lon, lat):
            return lon, lat
    return commune.centre
