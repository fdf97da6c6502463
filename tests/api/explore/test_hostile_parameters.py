"""Any parameter the checker does not accept is a 400 with the ODS error body, never a 500 or a bare word in SQL."""

from __future__ import annotations

import pytest
from django.test import Client

from datapolis.access import services as access
from datapolis.access.services import Holder
from datapolis.catalog import services
from datapolis.catalog.models import Visibility

CAPACITY = "capacite_de_la_station"
NOT_NUMBERS = ["inf", "-inf", "nan", "NaN", "infinity", "1e999", "-1e999", "1_000", "0x10", "9" * 30, ""]


def assert_ods_error(response) -> None:
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    assert set(body) >= {"error_code", "message"}


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_refine_on_a_number_takes_only_odsql_numbers(api, velib, value):
    for parameter in ("refine", "exclude"):
        response = api("/catalog/datasets/velib/records", **{parameter: f"{CAPACITY}:{value}"})
        assert_ods_error(response)
        assert "number" in response.json()["message"]


@pytest.mark.parametrize("value", ["12", "12.0", "1.2e1"])
def test_refine_still_takes_numbers(api, velib, value):
    response = api("/catalog/datasets/velib/records", refine=f"{CAPACITY}:{value}", limit=100)
    assert response.status_code == 200
    results = response.data["results"]
    assert results and all(record[CAPACITY] == float(value) for record in results)


@pytest.mark.parametrize(
    "select", ["include(*)", "exclude(*)", "include(nothing_like_this*)", "include(", "count(*) as", "*, *"]
)
def test_odd_selects_are_400s(api, velib, select):
    response = api("/catalog/datasets/velib/records", select=select)
    assert response.status_code in (200, 400), response.content[:500]
    if response.status_code == 400:
        assert_ods_error(response)


def test_a_hidden_field_named_like_a_word_of_sql_leaks_nothing(db, catalog_store, tmp_path):
    """`inf`, `nan` and `infinity` are hidden fields: a refine must not compare against them."""
    path = tmp_path / "agents.csv"
    path.write_text("matricule;capacity;inf;nan;infinity\nA1;10;5000;1;7\nA2;20;6000;0;8\n", encoding="utf-8")
    services.import_file(path, "agents", visibility=Visibility.RESTRICTED, metadata={"title": "Agents"})
    from django.contrib.auth.models import User

    reader = User.objects.create_user("reader")
    access.grant("agents", Holder(user="reader"), fields=["matricule", "capacity"])
    client = Client(HTTP_HOST="data.example.fr")
    client.force_login(reader)
    for value in ("inf", "nan", "infinity"):
        response = client.get("/api/explore/v2.1/catalog/datasets/agents/records", {"refine": f"capacity:{value}"})
        assert_ods_error(response)
        assert "number" in response.json()["message"]
    visible = client.get("/api/explore/v2.1/catalog/datasets/agents/records").json()
    assert {name for record in visible["results"] for name in record} == {"matricule", "capacity"}
