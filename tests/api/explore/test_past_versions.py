"""Any past version is readable without rolling back: `?version=N` and `?at=<datetime>` (issue 15).

Records, aggregations, one record, facets and exports read the version asked for, with its
own fields; the current version stays what everyone else reads.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from datapolis.catalog import services
from datapolis.catalog.storage import get_store

STATIONS = "/catalog/datasets/velib/records"


@pytest.fixture
def two_versions(velib: list[dict[str, str]], tmp_path: Path) -> dict:
    """Version 1: every Vélib' station; version 2: the large ones only, without their capacity."""
    large = [row for row in velib if int(row["Capacité de la station"]) >= 40]
    path = tmp_path / "velib-grandes-stations.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Identifiant station", "Nom de la station"])
        writer.writerows([row["Identifiant station"], row["Nom de la station"]] for row in large)
    services.import_file(path, "velib")
    first, second = get_store().versions("velib")
    return {"all": velib, "large": large, "first": first, "second": second}


def test_the_current_version_is_read_by_default_and_version_1_on_request(api, two_versions):
    assert api(STATIONS).data["total_count"] == len(two_versions["large"])

    past = api(STATIONS, version=1, where="capacite_de_la_station >= 60", order_by="capacite_de_la_station desc")
    assert past.status_code == 200, past.data
    expected = sorted(
        (row for row in two_versions["all"] if int(row["Capacité de la station"]) >= 60),
        key=lambda row: -int(row["Capacité de la station"]),
    )
    assert past.data["total_count"] == len(expected) > 0
    assert [r["capacite_de_la_station"] for r in past.data["results"]] == [
        int(row["Capacité de la station"]) for row in expected[:10]
    ]
    assert api(STATIONS, version=1).data["total_count"] == len(two_versions["all"]) == 1468
    # the field exists in version 1 only
    current = api(STATIONS, where="capacite_de_la_station >= 60")
    assert current.status_code == 400 and "capacite_de_la_station" in current.data["message"]


def test_an_aggregation_reads_the_version_asked_for(api, two_versions):
    total = api(STATIONS, version=1, select="sum(capacite_de_la_station) AS places")
    assert total.data["results"] == [{"places": sum(int(row["Capacité de la station"]) for row in two_versions["all"])}]
    counted = api(STATIONS, version=2, select="count(*) AS n")
    assert counted.data["results"] == [{"n": len(two_versions["large"])}]


def test_at_reads_the_version_current_at_that_time(api, two_versions):
    first, second = two_versions["first"], two_versions["second"]
    between = first.created_at + (second.created_at - first.created_at) / 2
    assert api(STATIONS, at=between.isoformat()).data["total_count"] == 1468
    assert api(STATIONS, at=second.created_at.isoformat()).data["total_count"] == len(two_versions["large"])
    # without a zone, the time is in `timezone`: the same instant said in Paris time
    paris = between.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None)
    assert api(STATIONS, at=paris.isoformat(), timezone="Europe/Paris").data["total_count"] == 1468

    before = api(STATIONS, at=(first.created_at.replace(year=first.created_at.year - 1)).isoformat())
    assert before.status_code == 404 and "had no version yet" in before.data["message"]


def test_unknown_or_contradictory_versions_are_refused_clearly(api, two_versions):
    missing = api(STATIONS, version=7)
    assert missing.status_code == 404 and missing.data["error_code"] == "NotFound"
    assert "no version 7" in missing.data["message"]
    zero = api(STATIONS, version=0)
    assert zero.status_code == 400 and "version API parameter" in zero.data["message"]
    both = api(STATIONS, version=1, at=two_versions["second"].created_at.isoformat())
    assert both.status_code == 400 and "not both" in both.data["message"]
    garbled = api(STATIONS, at="yesterday")
    assert garbled.status_code == 400


def test_a_record_of_a_past_version_links_to_itself_in_that_version(api, two_versions):
    page = api(STATIONS, version=1, include_links="true", where="capacite_de_la_station < 40", limit=1)
    record = page.data["results"][0]
    assert record["_links"][0]["href"].endswith(f"/records/{record['_id']}?version=1")
    assert api(f"{STATIONS}/{record['_id']}").status_code == 404  # a small station: gone from version 2
    again = api(f"{STATIONS}/{record['_id']}", version=1)
    assert again.status_code == 200
    assert again.data == {key: value for key, value in record.items() if not key.startswith("_")}


def test_facets_and_exports_read_the_version_asked_for(api, two_versions):
    facets = api("/catalog/datasets/velib/facets", version=1, facet="capacite_de_la_station")
    counts = {item["name"]: item["count"] for item in facets.data["facets"][0]["facets"]}
    assert sum(counts.values()) == 1468

    export = api("/catalog/datasets/velib/exports/csv", version=1)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 1468 and "capacite_de_la_station" in rows[0]
    current = api("/catalog/datasets/velib/exports/csv")
    rows = list(csv.reader(io.StringIO(b"".join(current.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + len(two_versions["large"]) and "capacite_de_la_station" not in rows[0]
