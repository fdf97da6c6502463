"""No way around a row filter or a field subset, whatever the request says."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from datapolis.access import services
from datapolis.catalog import services as catalog_services
from tests.access.fixtures import MAIN_HOST, MEUDON_HOST, write_csv

BASE = "/api/explore/v2.1/catalog/datasets"
WIDENING_WHERES = [
    'commune = "Clamart"',
    'commune != "Meudon" OR true',
    "true) OR (true",
    'commune = "Meudon" OR commune = "Clamart" OR commune = "Sèvres"',
    'not (commune = "Meudon")',
]


@pytest.fixture
def member(matrix_with_data):
    key = services.create_api_key("member", actor="test")[1]
    client = Client()

    def get(path, host=MAIN_HOST, **params):
        return client.get(BASE + path, params, HTTP_HOST=host, HTTP_AUTHORIZATION=f"Apikey {key}")

    return get


def communes(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return sorted(result["commune"] for result in response.json()["results"])


def test_a_where_cannot_widen_the_row_filter(member):
    for where in WIDENING_WHERES:
        response = member("/filtered/records", where=where, limit=100)
        if response.status_code == 400:  # malformed on its own: refused, not run
            assert response.json()["error_code"] == "ODSQLError"
            continue
        assert set(communes(response)) <= {"Meudon"}, where
    assert communes(member("/filtered/records", where=WIDENING_WHERES[1])) == ["Meudon", "Meudon"]


def test_an_export_with_a_widening_where_holds_only_the_filtered_rows(member):
    for where in WIDENING_WHERES[:2]:
        response = member("/filtered/exports/csv", where=where)
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        assert {row["commune"] for row in rows} <= {"Meudon"}, where
    text = b"".join(member("/filtered/exports/csv", where=WIDENING_WHERES[1]).streaming_content).decode("utf-8-sig")
    assert [row["commune"] for row in csv.DictReader(io.StringIO(text), delimiter=";")] == ["Meudon", "Meudon"]


def test_select_star_and_hidden_fields(member):
    rows = member("/filtered/records", select="*", limit=100).json()["results"]
    assert all("secret" not in row for row in rows)
    for params in ({"select": "secret"}, {"where": 'secret = "secret-1"'}, {"order_by": "secret"},
                   {"group_by": "secret"}, {"select": "count(secret) as n"}):  # fmt: skip
        response = member("/filtered/records", **params)
        assert response.status_code == 400, params
        assert "secret" in response.json()["message"]


def test_group_by_facets_and_refines_count_only_visible_rows(member):
    grouped = member("/filtered/records", select="commune, count(*) as n", group_by="commune").json()["results"]
    assert grouped == [{"commune": "Meudon", "n": 2}]
    refined = member("/filtered/records", refine="commune:Clamart").json()
    assert refined["total_count"] == 0
    facets = member("/filtered/facets", facet="commune", refine="commune:Clamart").json()["facets"]
    assert all(value["name"] == "Meudon" or value["count"] == 0 for facet in facets for value in facet["facets"])


def test_the_sub_portal_share_filter_holds_for_the_admin_too(matrix_with_data):
    key = services.create_api_key("admin", actor="test")[1]
    response = Client().get(
        BASE + "/shared/records",
        {"where": 'commune = "Clamart" OR true', "limit": 100},
        HTTP_HOST=MEUDON_HOST,
        HTTP_AUTHORIZATION=f"Apikey {key}",
    )
    assert communes(response) == ["Meudon", "Meudon"]


def test_the_session_cookie_gets_the_same_view_as_the_key(matrix_with_data):
    client = Client()
    client.force_login(matrix_with_data.users["member"])
    response = client.get(BASE + "/filtered/records", {"limit": 100}, HTTP_HOST=MAIN_HOST)
    assert communes(response) == ["Meudon", "Meudon"]
    assert Client().get(BASE + "/filtered/records", HTTP_HOST=MAIN_HOST).status_code == 404


def test_a_past_version_is_read_under_the_same_row_filter_and_fields(member, tmp_path):
    catalog_services.import_file(write_csv(tmp_path / "again.csv"), "filtered")  # version 2
    for params in ({"version": 1}, {"version": 1, "where": WIDENING_WHERES[1]}):
        response = member("/filtered/records", limit=100, **params)
        assert communes(response) == ["Meudon", "Meudon"]
        assert all("secret" not in result for result in response.json()["results"])
    refused = member("/filtered/records", version=1, select="secret")
    assert refused.status_code == 400
    text = b"".join(member("/filtered/exports/csv", version=1).streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [row["commune"] for row in rows] == ["Meudon", "Meudon"] and "secret" not in rows[0]
