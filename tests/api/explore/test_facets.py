"""Facets, refine and exclude (§3.8): counts, states, disjunction, date hierarchy."""

from __future__ import annotations

from collections import Counter

from datapolis.catalog.models import Dataset


def values(response, name: str) -> dict[str, dict]:
    facet = next(f for f in response.data["facets"] if f["name"] == name)
    return {entry["value"]: entry for entry in facet["facets"]}


def test_counts_match_the_raw_rows(api, no2) -> None:
    response = api("/catalog/datasets/no2/facets", facet="nom_station")
    expected = Counter(row["nom_station"] for row in no2)
    assert response.data["_links"] == []
    assert {value: entry["count"] for value, entry in values(response, "nom_station").items()} == expected
    counts = [entry["count"] for entry in response.data["facets"][0]["facets"]]
    assert counts == sorted(counts, reverse=True)


def test_conjunctive_refine_keeps_only_the_refined_value(api, no2) -> None:
    response = api("/catalog/datasets/no2/facets", facet="nom_station", refine="nom_station:Beaux Arts")
    entries = values(response, "nom_station")
    assert list(entries) == ["Beaux Arts"]
    assert entries["Beaux Arts"]["state"] == "refined"


def test_disjunctive_refine_keeps_other_values_selectable(api, no2) -> None:
    response = api(
        "/catalog/datasets/no2/facets",
        facet=['facet(name="nom_station", disjunctive=true)', "nom_zone"],
        refine=["nom_station:Beaux Arts", 'nom_station:"Bouteillerie"'],
    )
    stations = values(response, "nom_station")
    assert stations["Beaux Arts"]["state"] == stations["Bouteillerie"]["state"] == "refined"
    assert len(stations) == len({row["nom_station"] for row in no2})
    zones = values(response, "nom_zone")
    chosen = [row for row in no2 if row["nom_station"] in {"Beaux Arts", "Bouteillerie"}]
    assert {value: entry["count"] for value, entry in zones.items()} == Counter(row["nom_zone"] for row in chosen)


def test_excluded_values_are_listed_without_count(api, no2) -> None:
    response = api("/catalog/datasets/no2/facets", facet="nom_zone", exclude="nom_zone:Angers")
    entries = values(response, "nom_zone")
    assert entries["Angers"] == {"name": "Angers", "value": "Angers", "state": "excluded"}
    remaining = Counter(row["nom_zone"] for row in no2 if row["nom_zone"] != "Angers")
    assert {v: e["count"] for v, e in entries.items() if v != "Angers"} == remaining


def test_date_facets_are_hierarchical(api, no2) -> None:
    response = api("/catalog/datasets/no2/facets", facet="date", refine="date:2020/02")
    years = values(response, "date")
    assert list(years) == ["2020"] and years["2020"]["state"] == "refined"
    months = {entry["value"]: entry for entry in years["2020"]["facets"]}
    assert list(months) == ["2020/02"] and months["2020/02"]["name"] == "02"
    days = months["2020/02"]["facets"]
    assert [entry["value"] for entry in days][:1] in (["2020/02/29"], ["2020/02/01"])
    expected = Counter(row["date"].replace("-", "/") for row in no2 if row["date"].startswith("2020-02"))
    assert {entry["value"]: entry["count"] for entry in days} == expected


def test_refine_filters_records_too(api, no2) -> None:
    response = api("/catalog/datasets/no2/records", refine=["date:2021", "nom_zone:Nantes"], limit=0)
    expected = sum(1 for row in no2 if row["date"].startswith("2021") and row["nom_zone"] == "Nantes")
    assert response.data["total_count"] == expected > 0


def test_without_facet_parameter_the_annotated_fields_are_returned(api, no2) -> None:
    field = Dataset.objects.get(dataset_id="no2").fields.get(name="polluant")
    field.facet = True
    field.save()
    response = api("/catalog/datasets/no2/facets")
    assert [facet["name"] for facet in response.data["facets"]] == ["polluant"]
    assert values(response, "polluant") == {
        "NO2": {"name": "NO2", "value": "NO2", "count": len(no2), "state": "displayed"}
    }


def test_facet_errors(api, no2) -> None:
    assert api("/catalog/datasets/no2/facets", facet="nope").status_code == 400
    assert api("/catalog/datasets/no2/facets", facet='facet(name="nom_zone", sort="sideways")').status_code == 400
