"""A dataset's page views count visits: not a monitor's HEAD, not the table's in-page updates."""

from __future__ import annotations

from django.test import Client

from datapolis.catalog.models import Dataset
from tests.access.fixtures import MAIN_HOST


def views(dataset_id: str) -> int:
    return Dataset.objects.get(dataset_id=dataset_id).views


def test_a_get_counts_a_head_does_not(matrix_with_data):
    client = Client(HTTP_HOST=MAIN_HOST)
    before = views("public")
    assert client.head("/dataset/public/").status_code == 200
    assert client.head("/dataset/public/table/").status_code == 200
    assert views("public") == before
    assert client.get("/dataset/public/").status_code == 200
    assert views("public") == before + 1
    client.get("/dataset/public/table/", HTTP_HX_REQUEST="true")
    assert views("public") == before + 1
