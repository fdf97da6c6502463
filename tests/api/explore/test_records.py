"""GET /catalog/datasets/{id}/records: filter, select, sort, page, aggregate (§2.3, §2.4)."""

from __future__ import annotations

from collections import Counter, defaultdict
from statistics import mean


def test_a_page_of_records_has_the_explore_shape(api, velib) -> None:
    response = api("/catalog/datasets/velib/records")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.data["total_count"] == len(velib) == 1468
    assert len(response.data["results"]) == 10
    first = response.data["results"][0]
    assert set(first) == {
        "identifiant_station",
        "nom_de_la_station",
        "capacite_de_la_station",
        "coordonnees_geographiques",
    }
    point = first["coordonnees_geographiques"]
    assert set(point) == {"lon", "lat"} and 2.0 < point["lon"] < 2.7 and 48.6 < point["lat"] < 49.1


def test_where_select_and_order_by_match_the_raw_rows(api, velib) -> None:
    response = api(
        "/catalog/datasets/velib/records",
        select="nom_de_la_station, capacite_de_la_station",
        where="capacite_de_la_station >= 60",
        order_by="capacite_de_la_station desc, nom_de_la_station",
        limit=20,
    )

    expected = sorted(
        (row for row in velib if int(row["Capacité de la station"]) >= 60),
        key=lambda row: (-int(row["Capacité de la station"]), row["Nom de la station"]),
    )
    assert response.data["total_count"] == len(expected)
    assert [(r["nom_de_la_station"], r["capacite_de_la_station"]) for r in response.data["results"]] == [
        (row["Nom de la station"], int(row["Capacité de la station"])) for row in expected[:20]
    ]


def test_several_where_parameters_are_anded(api, velib) -> None:
    response = api(
        "/catalog/datasets/velib/records",
        where=["capacite_de_la_station > 30", 'nom_de_la_station like "gare"'],
        limit=100,
    )
    expected = [
        row
        for row in velib
        if int(row["Capacité de la station"]) > 30 and "gare" in row["Nom de la station"].lower().split()
    ]
    assert response.data["total_count"] == len(expected) > 0


def test_offset_pages_through_the_same_order(api, velib) -> None:
    first = api("/catalog/datasets/velib/records", order_by="identifiant_station", limit=5)
    second = api("/catalog/datasets/velib/records", order_by="identifiant_station", limit=5, offset=5)
    both = api("/catalog/datasets/velib/records", order_by="identifiant_station", limit=10)
    assert first.data["results"] + second.data["results"] == both.data["results"]


def test_group_by_with_aggregations_matches_python(api, no2) -> None:
    response = api(
        "/catalog/datasets/no2/records",
        select="nom_station, count(*) as n, avg(niveau) as moyenne, max(niveau)",
        group_by="nom_station",
        order_by="nom_station",
        limit=100,
    )

    groups: dict[str, list[float]] = defaultdict(list)
    rows_per_station = Counter(row["nom_station"] for row in no2)
    for row in no2:
        if row["niveau"]:
            groups[row["nom_station"]].append(float(row["niveau"]))
    assert response.data["total_count"] == len(rows_per_station)
    for result in response.data["results"]:
        values = groups[result["nom_station"]]
        assert result["n"] == rows_per_station[result["nom_station"]]
        assert abs(result["moyenne"] - mean(values)) < 1e-9
        assert result["max(niveau)"] == max(values)


def test_aggregation_without_group_by_is_one_result(api, no2) -> None:
    response = api("/catalog/datasets/no2/records", select="count(*), min(date), max(date)")
    assert response.data["results"] == [
        {
            "count(*)": len(no2),
            "min(date)": min(row["date"] for row in no2),
            "max(date)": max(row["date"] for row in no2),
        }
    ]


def test_group_by_year_in_a_time_zone(api, no2) -> None:
    response = api(
        "/catalog/datasets/no2/records",
        select="year(date) as annee, count(*) as n",
        group_by="year(date) as annee",
        timezone="Europe/Paris",
    )
    expected = Counter(int(row["date"][:4]) for row in no2)
    assert {r["annee"]: r["n"] for r in response.data["results"]} == expected


def test_limit_zero_gives_the_count_only(api, velib) -> None:
    response = api("/catalog/datasets/velib/records", limit=0, where="capacite_de_la_station < 20")
    assert response.data["results"] == []
    assert response.data["total_count"] == sum(1 for row in velib if int(row["Capacité de la station"]) < 20)


def test_full_text_search_ignores_accents_case_and_plurals(api, velib) -> None:
    response = api("/catalog/datasets/velib/records", where='search("pyrenees")', limit=100)
    names = [r["nom_de_la_station"] for r in response.data["results"]]
    expected = [row["Nom de la station"] for row in velib if "pyrénées" in row["Nom de la station"].lower()]
    assert sorted(names) == sorted(expected) and expected


def test_within_distance_of_a_point(api, velib) -> None:
    response = api(
        "/catalog/datasets/velib/records",
        where="within_distance(coordonnees_geographiques, geom'POINT(2.3522 48.8566)', 300m)",
        limit=100,
    )
    assert 0 < response.data["total_count"] < 30
    for result in response.data["results"]:
        point = result["coordonnees_geographiques"]
        assert abs(point["lon"] - 2.3522) < 0.01 and abs(point["lat"] - 48.8566) < 0.01
