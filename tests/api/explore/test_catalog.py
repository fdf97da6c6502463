"""The catalog endpoints: datasets queried with ODSQL over their metadata (§2.2)."""

from __future__ import annotations

from datapolis.catalog import services
from datapolis.catalog.models import Dataset


def test_datasets_lists_explore_objects(api, velib, no2) -> None:
    response = api("/catalog/datasets")
    assert response.data["total_count"] == 2
    ids = [result["dataset_id"] for result in response.data["results"]]
    assert sorted(ids) == ["no2", "velib"]
    velib_object = next(r for r in response.data["results"] if r["dataset_id"] == "velib")
    assert velib_object["metas"]["default"]["records_count"] == 1468
    assert {"name", "label", "type", "annotations", "description"} == set(velib_object["fields"][0])


def test_where_on_metadata_and_search(api, velib, no2) -> None:
    big = api("/catalog/datasets", where="records_count > 5000")
    assert [r["dataset_id"] for r in big.data["results"]] == ["no2"]
    themed = api("/catalog/datasets", where='theme = "Transports"')
    assert [r["dataset_id"] for r in themed.data["results"]] == ["velib"]
    found = api("/catalog/datasets", where='search("velib")')
    assert [r["dataset_id"] for r in found.data["results"]] == ["velib"]


def test_select_and_group_by_on_the_catalog(api, velib, no2) -> None:
    selected = api("/catalog/datasets", select="dataset_id, records_count", order_by="records_count desc")
    assert selected.data["results"] == [
        {"dataset_id": "no2", "records_count": Dataset.objects.get(dataset_id="no2").records_count},
        {"dataset_id": "velib", "records_count": 1468},
    ]
    grouped = api("/catalog/datasets", select="count(*) as n, sum(records_count) as rows")
    assert grouped.data["results"][0]["n"] == 2


def test_one_dataset_and_selected_metadata(api, velib) -> None:
    response = api("/catalog/datasets/velib")
    assert response.data["dataset_id"] == "velib" and response.data["metas"]["default"]["title"] == "Vélib' stations"
    selected = api("/catalog/datasets/velib", select="title, default.modified")
    assert selected.data["title"] == "Vélib' stations"
    assert selected.data["modified"] == response.data["metas"]["default"]["modified"]


def test_catalog_facets(api, velib, no2) -> None:
    response = api("/catalog/facets", facet=["theme", "features"])
    facets = {facet["name"]: {e["value"]: e["count"] for e in facet["facets"]} for facet in response.data["facets"]}
    assert facets["theme"] == {"Transports": 1, "Environnement": 1}
    assert facets["features"]["analyze"] == 2 and facets["features"]["geo"] == 1


def test_drafts_are_not_listed(api, velib, shared_datasets) -> None:
    services.import_file(shared_datasets / "joconde" / "joconde.csv", "joconde", publish=False)
    assert [r["dataset_id"] for r in api("/catalog/datasets").data["results"]] == ["velib"]
    assert api("/catalog/datasets/joconde").status_code == 404
    assert api("/catalog/datasets/joconde/records").status_code == 404
