"""An OGC API - Features source: pygeoapi serving a real GeoJSON, paged, becomes a dataset with a geo_shape field."""

from __future__ import annotations

import json

import pytest

from datapolis.sources import services
from datapolis.sources.models import Outcome
from tests.pygeoapi_fixtures import PAGE_SIZE
from tests.sources.conftest import served

pytestmark = pytest.mark.django_db


def test_the_features_become_a_dataset_with_a_geo_shape(dataset, pygeoapi, loopback):
    url, data = pygeoapi
    features = json.loads(data.read_text())["features"]
    assert len(features) == 345 > 3 * PAGE_SIZE  # several pages to follow
    services.set_source(dataset, url, kind="ogc_features", options={"collection": "communes-35", "page_size": 100})

    run = services.refresh(dataset).refresh
    assert run.outcome == Outcome.CHANGED, run.error
    assert run.fetched["filename"] == "communes-35.geojson"
    assert served(dataset) == (1, 345)
    fields = {field.name: field.type for field in dataset.fields.all()}
    assert fields.get("geo_shape") == "geo_shape"
    assert {"code", "nom"} <= set(fields)

    assert services.refresh(dataset).refresh.outcome == Outcome.UNCHANGED


def test_a_collection_the_service_does_not_have_fails(dataset, pygeoapi, loopback):
    url, _ = pygeoapi
    services.set_source(dataset, url, kind="ogc_features", options={"collection": "nowhere"})
    run = services.refresh(dataset).refresh
    assert run.outcome == Outcome.FAILED and run.error.startswith(url)
    assert served(dataset) == (None, 0)
