"""Bad requests get the reference's error shapes and messages (§2.1, §2.6)."""

from __future__ import annotations


def test_limit_above_100_is_refused_with_the_reference_message(api, velib) -> None:
    response = api("/catalog/datasets/velib/records", limit=101)
    assert response.status_code == 400
    assert response.data == {
        "message": "Invalid value for limit API parameter: 101 was found but -1 <= limit <= 100 is expected.",
        "error_code": "InvalidRESTParameterError",
    }


def test_offset_plus_limit_is_capped_at_10000(api, velib) -> None:
    assert api("/catalog/datasets/velib/records", offset=9900, limit=100).status_code == 200
    response = api("/catalog/datasets/velib/records", offset=9901, limit=100)
    assert response.status_code == 400
    assert response.data["message"] == (
        "Invalid value for sum of offset + limit API parameter: 10001 was found but <= 10000 is expected."
    )


def test_group_by_allows_20000(api, velib) -> None:
    ok = api("/catalog/datasets/velib/records", group_by="capacite_de_la_station", limit=20000)
    refused = api("/catalog/datasets/velib/records", group_by="capacite_de_la_station", limit=20001)
    assert ok.status_code == 200 and refused.status_code == 400


def test_malformed_odsql_names_the_clause(api, velib) -> None:
    response = api("/catalog/datasets/velib/records", select="invalid_function(nom_de_la_station)")
    assert response.status_code == 400
    assert response.data["error_code"] == "ODSQLError"
    assert "select" in response.data["message"]


def test_unknown_field_is_an_odsql_error(api, velib) -> None:
    response = api("/catalog/datasets/velib/records", where="nope > 3")
    assert response.status_code == 400
    assert "nope" in response.data["message"] and "where" in response.data["message"]


def test_not_an_integer(api, velib) -> None:
    response = api("/catalog/datasets/velib/records", limit="ten")
    assert response.status_code == 400 and response.data["error_code"] == "InvalidRESTParameterError"


def test_unknown_dataset_is_404_with_a_json_body(api, db) -> None:
    response = api("/catalog/datasets/nope/records")
    assert response.status_code == 404
    assert response.data["error_code"] == "NotFound" and "nope" in response.data["message"]


def test_trailing_slashes_are_accepted(api, velib) -> None:
    assert api("/catalog/datasets/velib/records/", limit=1).data["total_count"] == 1468
    assert api("/catalog/datasets/").status_code == 200


def test_cors_on_get(db, catalog_store, velib) -> None:
    from django.test import Client

    response = Client().get("/api/explore/v2.1/catalog/datasets/velib/records", HTTP_ORIGIN="https://app.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
