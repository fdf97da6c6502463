"""One record by id, and links (§2.3, §2.4)."""

from __future__ import annotations


def test_include_links_gives_ids_and_the_record_endpoint_returns_the_same_record(api, velib) -> None:
    page = api("/catalog/datasets/velib/records", include_links="true", order_by="identifiant_station", limit=3)

    assert {link["rel"] for link in page.data["_links"]} >= {"self", "first", "last", "next"}
    first = page.data["results"][0]
    assert len(first["_id"]) == 32
    assert first["_links"][0]["href"].endswith(f"/records/{first['_id']}")
    record = api(f"/catalog/datasets/velib/records/{first['_id']}")
    assert record.status_code == 200
    expected = {key: value for key, value in first.items() if not key.startswith("_")}
    assert record.data == expected


def test_record_select(api, velib) -> None:
    page = api("/catalog/datasets/velib/records", include_links="true", limit=1)
    record_id = page.data["results"][0]["_id"]
    record = api(f"/catalog/datasets/velib/records/{record_id}", select="nom_de_la_station")
    assert record.data == {"nom_de_la_station": page.data["results"][0]["nom_de_la_station"]}


def test_unknown_record_is_404(api, velib) -> None:
    response = api("/catalog/datasets/velib/records/0000000000000000000000000000000000000000")
    assert response.status_code == 404 and response.data["error_code"] == "NotFound"
