"""Demo files generated once per test session, at a small scale, and readers for them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from datapolis.demo import DemoDataset, generate

SEED = 2154
SMALL_SCALE = 0.02
BBOX = (-0.8, 47.3, -0.3, 47.6)  # the box the territory must stay in (lon min, lat min, lon max, lat max)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="session")
def demo(demo_folder: Path) -> dict[str, DemoDataset]:
    return {dataset.dataset_id: dataset for dataset in generate(demo_folder, seed=SEED, scale=SMALL_SCALE)}


def read_csv(path: Path, *, delimiter: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.fixture(scope="session")
def communes(demo: dict[str, DemoDataset]) -> list[dict[str, Any]]:
    return json.loads(demo["communes"].path.read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="session")
def commune_shapes(communes: list[dict[str, Any]]) -> dict[str, BaseGeometry]:
    return {feature["properties"]["code_insee"]: shape(feature["geometry"]) for feature in communes}


def in_bbox(lon: float, lat: float) -> bool:
    return BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]
