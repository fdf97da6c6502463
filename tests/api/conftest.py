"""Fixtures of the API tests outside the Explore API's own (aliases, ODS v1, downloads)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from datapolis.access.services import Holder, create_api_key, grant
from datapolis.catalog import services

VELIB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "datasets" / "velib"


@pytest.fixture
def stations(catalog_store) -> str:
    """The Vélib' stations twice: `velib-stations` public (theme Transports), `stations-internes`
    restricted; returns the API key of a user granted the restricted copy."""
    path = VELIB / "velib-emplacement-des-stations.csv"
    services.import_file(path, "velib-stations", metadata={"title": "Stations Vélib'", "themes": ["Transports"]})
    services.import_file(path, "stations-internes", visibility="restricted", metadata={"title": "Interne"})
    User.objects.create_user("analyste")
    grant("stations-internes", Holder(user="analyste"))
    return create_api_key("analyste")[1]
