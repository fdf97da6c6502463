"""Datasets imported from ../shared/data, and an API client, for the Explore API tests."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from datapolis.catalog import services
from datapolis.engine import Store

BASE = "/api/explore/v2.1"


@pytest.fixture
def api(db, catalog_store: Store) -> Callable[..., Any]:
    """GET an Explore API path; returns the response with `.data` parsed when JSON."""
    client = Client()

    def get(path: str, **params: Any):
        response = client.get(BASE + path, params, HTTP_HOST="data.example.fr")
        if not response.streaming and response.get("Content-Type", "").startswith("application/json"):
            response.data = response.json()
        return response

    return get


@pytest.fixture
def velib(catalog_store: Store, db, shared_datasets: Path) -> list[dict[str, str]]:
    """The Vélib' stations dataset, published; returns the raw rows for independent checks."""
    path = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    services.import_file(path, "velib", metadata={"title": "Vélib' stations", "themes": ["Transports"]})
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture
def no2(catalog_store: Store, db, shared_datasets: Path) -> list[dict[str, str]]:
    """Daily NO2 means per station in Pays de la Loire (2019-2021)."""
    path = shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2.csv"
    services.import_file(path, "no2", metadata={"title": "NO2", "themes": ["Environnement"]})
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))
