"""Two versions compared in DuckDB: rows added, removed, changed, by key or by whole row.

The schools of Ille-et-Vilaine are imported, then again with rows removed, changed and
added; the counts are checked against the same comparison made in Python on the files.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

from datapolis.access import services as access
from datapolis.catalog import services
from datapolis.catalog.comparison import compare_versions
from datapolis.catalog.models import Dataset
from datapolis.engine import Store
from datapolis.engine.store import VersionNotFound

pytestmark = pytest.mark.django_db

KEY = "Code établissement"
NAME = "Appellation officielle"


@pytest.fixture
def schools(shared_datasets: Path) -> Path:
    return (
        shared_datasets / "education-35" / "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"
    )


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def two_versions(catalog_store: Store, schools: Path, tmp_path: Path):
    """Version 1: the file; version 2: 5 rows removed, 3 renamed, 2 added (copies under new codes)."""
    header, rows = read(schools)
    first = write(tmp_path / "ecoles.csv", header, rows)
    later = [dict(row) for row in rows[5:]]
    for row in later[10:13]:
        row[NAME] = row[NAME] + " (renommé)"
    later += [{**rows[20], KEY: "9999999A"}, {**rows[21], KEY: "9999999B"}]
    second = write(tmp_path / "ecoles-2.csv", header, later)
    dataset = services.import_file(first, "ecoles").dataset
    services.import_file(second, "ecoles")
    return Dataset.objects.get(pk=dataset.pk), rows, later


def by_key(before: list[dict], after: list[dict]) -> tuple[int, int, int]:
    old, new = {row[KEY]: row for row in before}, {row[KEY]: row for row in after}
    added = sum(1 for key in new if key not in old)
    removed = sum(1 for key in old if key not in new)
    changed = sum(1 for key in new if key in old and new[key] != old[key])
    return added, removed, changed


def by_row(before: list[dict], after: list[dict]) -> tuple[int, int]:
    old = Counter(tuple(row.values()) for row in before)
    new = Counter(tuple(row.values()) for row in after)
    return sum((new - old).values()), sum((old - new).values())


def test_by_key(two_versions):
    dataset, before, after = two_versions
    key_field = dataset.fields.get(label=KEY)
    dataset.fields.filter(pk=key_field.pk).update(is_id=True)

    comparison = compare_versions(dataset, 1, 2)

    assert (comparison.added, comparison.removed, comparison.changed) == by_key(before, after) == (2, 5, 3)
    assert comparison.by == "key" and comparison.key == [key_field.name]
    assert (comparison.rows_from, comparison.rows_to) == (len(before), len(after))
    assert comparison.unchanged == len(after) - 2 - 3
    name = dataset.fields.get(label=NAME).name
    changed = comparison.samples["changed"]
    assert len(changed) == 3 and all(pair["fields"] == [name] for pair in changed)
    assert {pair["after"][name] for pair in changed} == {row[NAME] for row in after[10:13]}
    assert {pair["before"][name] + " (renommé)" for pair in changed} == {row[NAME] for row in after[10:13]}
    assert {row[key_field.name] for row in comparison.samples["added"]} == {"9999999A", "9999999B"}
    assert {row[key_field.name] for row in comparison.samples["removed"]} == {row[KEY] for row in before[:5]}
    assert compare_versions(dataset, 2, 1).to_dict()["added"] == 5


def test_by_whole_row_without_a_key(two_versions):
    dataset, before, after = two_versions

    comparison = compare_versions(dataset, 1, 2).to_dict()

    assert (comparison["added"], comparison["removed"]) == by_row(before, after) == (5, 8)
    assert comparison["changed"] == 0 and comparison["by"] == "row" and comparison["key"] == []
    assert "changed is 0" in comparison["note"]
    assert len(comparison["samples"]["added"]) == 5 and len(comparison["samples"]["removed"]) == 8


def test_unknown_version(two_versions):
    with pytest.raises(VersionNotFound):
        compare_versions(two_versions[0], 1, 7)


def test_the_compare_endpoint(two_versions):
    access.create_user("admin", admin=True, actor="test")
    key = access.create_api_key("admin", scope="write", actor="test")[1]
    client, headers = Client(), {"HTTP_AUTHORIZATION": f"Apikey {key}"}
    response = client.get("/api/admin/datasets/ecoles/compare", {"from": 1, "to": 2}, **headers)
    assert response.status_code == 200, response.content
    assert (response.json()["added"], response.json()["removed"]) == (5, 8)
    assert client.get("/api/admin/datasets/ecoles/compare", {"from": 1, "to": 9}, **headers).status_code == 404
    assert client.get("/api/admin/datasets/ecoles/compare", {"from": 1}, **headers).status_code == 422
