"""A request's queries are interrupted at DATAPOLIS_QUERY_TIMEOUT; the engine answers the next request."""

from __future__ import annotations

import duckdb
import pytest
from django.test import Client

from datapolis.catalog import services

HEAVY = {"select": "count(*) as n", "group_by": "label", "order_by": "n desc, label", "limit": "5"}


@pytest.fixture
def labels(catalog_store, db, tmp_path):
    """Two million distinct labels: grouping them takes the engine a while."""
    path = tmp_path / "labels.csv"
    duckdb.sql(
        f"COPY (SELECT range AS id, 'label ' || (range * 7919 % 2000003) AS label FROM range(2000000)) TO '{path}'"
    )
    services.import_file(path, "labels", metadata={"title": "Labels"})


def test_a_query_past_the_deadline_is_stopped_with_a_clear_error(labels, settings):
    client = Client(HTTP_HOST="data.example.fr")
    settings.DATAPOLIS_QUERY_TIMEOUT = 0.05
    response = client.get("/api/explore/v2.1/catalog/datasets/labels/records", HEAVY)
    assert response.status_code == 400
    assert response.json()["error_code"] == "QueryTimeout"
    assert "0.05 seconds" in response.json()["message"]

    settings.DATAPOLIS_QUERY_TIMEOUT = 0  # the same connection answers the next request, in full
    answered = client.get("/api/explore/v2.1/catalog/datasets/labels/records", HEAVY)
    assert answered.status_code == 200
    assert [row["n"] for row in answered.json()["results"]] == [1] * 5


def test_a_page_past_the_deadline_says_so(labels, settings):
    settings.DATAPOLIS_QUERY_TIMEOUT = 0.05
    client = Client(HTTP_HOST="data.example.fr", HTTP_ACCEPT_LANGUAGE="fr")
    response = client.get("/dataset/labels/table/", {"sort": "label", "q": "label"})
    assert response.status_code == 503
    assert "plus de 0,05 secondes" in response.content.decode()
