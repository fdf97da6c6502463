"""The communes GeoJSON: real-looking INSEE codes and names, a heavy-tailed population, clean polygons."""

from __future__ import annotations

import re
import unicodedata
from itertools import combinations
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from tests.demo.conftest import in_bbox


def test_insee_codes_are_unique_five_character_texts_of_one_departement(communes: list[dict[str, Any]]) -> None:
    codes = [feature["properties"]["code_insee"] for feature in communes]
    assert all(isinstance(code, str) and re.fullmatch(r"49\d{3}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert any(code[2] == "0" for code in codes), "some codes have inner zeros that a number would lose"
    assert {feature["properties"]["code_departement"] for feature in communes} == {"49"}


def test_there_are_about_forty_communes_with_distinct_french_names(communes: list[dict[str, Any]]) -> None:
    names = [feature["properties"]["nom"] for feature in communes]
    assert 35 <= len(names) <= 45
    assert len(set(names)) == len(names)
    assert any(name.startswith(("Saint-", "Sainte-")) for name in names)
    assert any(name.startswith(("Le ", "La ", "Les ")) for name in names)
    assert any("-" in name for name in names)
    assert any(unicodedata.normalize("NFD", name) != name for name in names), "no accented name"
    assert all(re.fullmatch(r"[A-ZÉÈÎ][\w' -]+", name) for name in names), names


def test_population_has_one_big_city_and_a_heavy_tail(communes: list[dict[str, Any]]) -> None:
    populations = sorted((feature["properties"]["population"] for feature in communes), reverse=True)
    assert 120_000 <= populations[0] <= 180_000
    assert all(isinstance(population, int) for population in populations)
    assert populations[1] <= 25_000
    assert populations[-1] >= 100
    assert min(populations) < 1_000
    median = populations[len(populations) // 2]
    assert 1_000 <= median <= 8_000
    assert populations[0] > 5 * populations[1]


def test_polygons_are_valid_disjoint_and_inside_the_box(commune_shapes: dict[str, BaseGeometry]) -> None:
    shapes = list(commune_shapes.values())
    assert all(geometry.is_valid and geometry.geom_type in ("Polygon", "MultiPolygon") for geometry in shapes)
    for first, second in combinations(shapes, 2):
        assert first.intersection(second).area < 1e-9
    coordinates = shapely.get_coordinates(shapely.GeometryCollection(shapes))
    assert all(in_bbox(lon, lat) for lon, lat in coordinates)
    territory = shapely.union_all(shapes)
    assert territory.geom_type == "Polygon", "the communes form one territory without gaps between them"


def test_rings_are_counterclockwise_as_rfc_7946_requires(commune_shapes: dict[str, BaseGeometry]) -> None:
    for geometry in commune_shapes.values():
        for part in shapely.get_parts(geometry):
            assert part.exterior.is_ccw


def test_area_property_is_the_geodesic_area_of_the_polygon(
    communes: list[dict[str, Any]], commune_shapes: dict[str, BaseGeometry]
) -> None:
    geod = Geod(ellps="WGS84")
    for feature in communes:
        properties = feature["properties"]
        measured = abs(geod.geometry_area_perimeter(commune_shapes[properties["code_insee"]])[0]) / 1e6
        assert abs(properties["superficie_km2"] - measured) < 0.01
    total = sum(feature["properties"]["superficie_km2"] for feature in communes)
    assert 400 < total < 1_000


def test_every_commune_names_the_same_epci_and_departement(communes: list[dict[str, Any]]) -> None:
    properties = [feature["properties"] for feature in communes]
    assert {p["nom_epci"] for p in properties} == {"Loire-et-Maine Métropole"}
    assert {p["nom_departement"] for p in properties} == {"Maine-et-Loire"}
    assert all(re.fullmatch(r"49\d{3}", p["code_postal"]) for p in properties)
