"""data.gouv.fr's real harvester harvests a Datapolis portal, and a portal moved from Opendatasoft, without duplicates.

data.gouv.fr harvests Opendatasoft portals with udata's DCAT backend, at the URL udata-ods's
2023 migration gave their sources (`/api/explore/v2.1/catalog/exports/dcat/?include_exports=
json,csv,shp,geojson&lang=fr`), and knows their datasets by their page URL
(`/explore/dataset/<id>/`). udata_harvest.py runs that backend, the real one (udata and
mongomock pinned in udata-requirements.txt, installed by scripts/install in `.venv-udata`),
against the live server of conftest.py; this test checks its report against the Explore
API's own view of the catalog.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.api.compat.conftest import REPO

DRIVER = Path(__file__).with_name("udata_harvest.py")
UDATA_PYTHON = REPO / ".venv-udata" / "bin" / "python"
PUBLIC = ("arrondissements", "mesures-no2", "velib")  # joconde, restricted, is not in the anonymous catalog
# Datapolis licence -> data.gouv.fr's licence identifier.
DATA_GOUV_LICENSES = {"etalab-2.0": "lov2", "odbl-1.0": "odc-odbl"}
# The udata-ods filters of the `filtered` scenario, and the datasets they leave.
FILTERS = [{"key": "publisher", "value": "Ville de Paris"}, {"key": "tags", "value": "mobilité", "type": "exclude"}]
FILTERED = ("arrondissements",)


@pytest.fixture
def udata_python() -> Path:
    """The harvester's interpreter; checked before the server starts. Never skipped: CI installs it."""
    assert UDATA_PYTHON.exists(), (
        f"data.gouv.fr's harvester is not installed ({UDATA_PYTHON} is missing): run ./scripts/install, "
        "which creates .venv-udata from tests/api/compat/udata-requirements.txt"
    )
    return UDATA_PYTHON


def run_harvester(python: Path, request: dict) -> dict:
    # No proxy from the machine's environment between the harvester and 127.0.0.1.
    env = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}
    completed = subprocess.run(
        [str(python), str(DRIVER)],
        input=json.dumps(request),
        cwd=DRIVER.parent,  # udata reads ./udata.cfg: there is none there
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-5000:]
    return json.loads(completed.stdout)


def parse_instant(text: str) -> datetime:
    """An ISO date-time as a naive UTC one (MongoDB keeps UTC without its offset)."""
    value = datetime.fromisoformat(text)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def same_instant(harvested: str | None, published: str | None) -> bool:
    """MongoDB keeps milliseconds: equal to the millisecond."""
    if harvested is None or published is None:
        return harvested == published
    return abs((parse_instant(harvested) - parse_instant(published)).total_seconds()) < 0.001


def expected_resources(base: str, dataset: dict) -> set[tuple[str, str, str]]:
    """(url, format, mime) of the distributions of `include_exports=json,csv,shp,geojson`."""
    exports = f"{base}/api/explore/v2.1/catalog/datasets/{dataset['dataset_id']}/exports"
    resources = {(f"{exports}/csv?use_labels=true", "csv", "text/csv"), (f"{exports}/json", "json", "application/json")}
    if "geo" in dataset["features"]:
        resources |= {(f"{exports}/geojson", "geo+json", "application/geo+json"),
                      (f"{exports}/shp", "zip", "application/zip")}  # fmt: skip
    return resources


def assert_done(report: dict, remote_ids: list[str]) -> None:
    assert report["status"] == "done" and report["errors"] == [], report
    assert [item["status"] for item in report["items"]] == ["done"] * len(remote_ids), report["items"]
    assert sorted(item["remote_id"] for item in report["items"]) == remote_ids
    assert [dataset["remote_id"] for dataset in report["datasets"]] == remote_ids  # each one once
    assert all(dataset["archived"] is None and dataset["harvest_archived_at"] is None for dataset in report["datasets"])


@pytest.mark.slow
def test_data_gouv_fr_harvests_the_catalog_once_and_a_moved_portal_without_duplicates(udata_python, server) -> None:
    base = server.url
    catalog = requests.get(server.api + "/catalog/datasets", params={"limit": 100}, timeout=30).json()["results"]
    published = {dataset["dataset_id"]: dataset for dataset in catalog}
    assert sorted(published) == list(PUBLIC)
    home = {dataset_id: f"{base}/explore/dataset/{dataset_id}/" for dataset_id in PUBLIC}
    licenses = {dataset_id: DATA_GOUV_LICENSES[published[dataset_id]["metas"]["default"]["license"]]
                for dataset_id in PUBLIC}  # fmt: skip
    assert sorted(licenses.values()) == ["lov2", "lov2", "odc-odbl"]  # both licences of the seeded datasets

    report = run_harvester(udata_python, {
        "base": base,
        "ods_datasets": [{"dataset_id": dataset_id, "title": published[dataset_id]["metas"]["default"]["title"],
                          "license": licenses[dataset_id], "geo": "geo" in published[dataset_id]["features"]}
                         for dataset_id in PUBLIC],
        "filters": FILTERS,
    })  # fmt: skip

    # The URL udata-ods's migration builds, answered as it is (a HEAD then a GET, no redirect).
    first = report["first"]
    assert first["source_url"] == (
        f"{base}/api/explore/v2.1/catalog/exports/dcat/?include_exports=json%2Ccsv%2Cshp%2Cgeojson&lang=fr"
    )
    # A new source: every public dataset once, known by its page URL, with its licence,
    # its distributions and its dates.
    remote_ids = sorted(home.values())
    assert_done(first, remote_ids)
    for harvested in first["datasets"]:
        dataset_id = harvested["remote_id"].removeprefix(f"{base}/explore/dataset/").rstrip("/")
        default, dcat = published[dataset_id]["metas"]["default"], published[dataset_id]["metas"]["dcat"]
        assert harvested["title"] == default["title"]
        assert harvested["uri"] == harvested["remote_url"] == home[dataset_id]
        assert harvested["license"] == licenses[dataset_id], dataset_id
        resources = {(r["url"], r["format"], r["mime"]) for r in harvested["resources"]}
        assert resources == expected_resources(base, published[dataset_id])
        assert len(harvested["resources"]) == len(resources)
        assert same_instant(harvested["issued_at"], dcat["issued"]), (harvested["issued_at"], dcat["issued"])
        assert same_instant(harvested["modified_at"], default["modified"]), (harvested["modified_at"], default)

    # Harvested again: the same datasets and resources, nothing new.
    again = report["again"]
    assert_done(again, remote_ids)
    assert [(d["id"], [r["id"] for r in d["resources"]]) for d in again["datasets"]] == [
        (d["id"], [r["id"] for r in d["resources"]]) for d in first["datasets"]
    ]

    # A portal moved from Opendatasoft: data.gouv.fr's datasets, harvested from Opendatasoft's
    # DCAT export a year ago, are found again: none created, none archived, the same
    # resources (the distribution URLs are Opendatasoft's).
    migration = report["migration"]
    assert migration["source_url"] == first["source_url"]
    before = {dataset["remote_id"]: dataset for dataset in migration["before"]}
    assert sorted(before) == remote_ids
    assert_done(migration, remote_ids)
    for harvested in migration["datasets"]:
        previous = before[harvested["remote_id"]]
        assert harvested["id"] == previous["id"]
        assert harvested["source_id"] == previous["source_id"]
        assert harvested["license"] == previous["license"]
        assert [r["id"] for r in harvested["resources"]] == [r["id"] for r in previous["resources"]]
        assert {r["url"] for r in harvested["resources"]} == {r["url"] for r in previous["resources"]}
        assert harvested["last_update"] > previous["last_update"]  # harvested now

    # A source with udata-ods filters: its `where` clause chooses the datasets.
    filtered = report["filtered"]
    assert "where=publisher%3D%22Ville+de+Paris%22+AND+NOT+keyword%3D%22mobilit%C3%A9%22" in filtered["source_url"]
    assert_done(filtered, [home[dataset_id] for dataset_id in FILTERED])
