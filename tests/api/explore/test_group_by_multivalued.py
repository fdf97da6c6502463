"""group_by on a multivalued field through the API: the catalog's themes, one group per theme."""

from __future__ import annotations

from datapolis.catalog import services
from datapolis.catalog.models import Dataset


def test_catalog_group_by_theme_counts_each_dataset_once_per_theme(api, velib, no2) -> None:
    services.update_metadata(Dataset.objects.get(dataset_id="no2"), {"themes": ["Environnement", "Transports"]})

    response = api("/catalog/datasets", select="theme, count(*) as n", group_by="theme", order_by="theme")

    assert response.status_code == 200
    assert response.data["results"] == [{"theme": "Environnement", "n": 1}, {"theme": "Transports", "n": 2}]
    assert response.data["total_count"] == 2


def test_catalog_facets_of_themes_agree_with_group_by(api, velib, no2) -> None:
    facets = api("/catalog/facets", facet="theme").data["facets"][0]["facets"]
    grouped = api("/catalog/datasets", select="theme, count(*) as n", group_by="theme").data["results"]
    assert {entry["value"]: entry["count"] for entry in facets} == {row["theme"]: row["n"] for row in grouped}
