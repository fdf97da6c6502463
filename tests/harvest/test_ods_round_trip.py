"""Instance A harvested by instance B as `--kind ods`: B's records, fields, metadata and
attachments are A's; a second run changes nothing; a change upstream makes a new version;
a dataset gone upstream is marked, not deleted; a private dataset needs the API key."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
from django.test import Client

from datapolis.catalog.models import Dataset
from datapolis.fetching import FetchError
from datapolis.harvest import services
from datapolis.harvest.backends import ods
from datapolis.harvest.models import HarvestedDataset, RunStatus
from tests.harvest.conftest import REPO

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog_store", "local_network")]
API = "/api/explore/v2.1"
PUBLIC = ["arrondissements", "georef-france-departement", "velib"]


def canonical(records: list[dict]) -> list[str]:
    return sorted(json.dumps(record, sort_keys=True, ensure_ascii=False) for record in records)


def a_records(source_portal, dataset_id: str, **headers) -> list[dict]:
    answer = requests.get(f"{source_portal.url}{API}/catalog/datasets/{dataset_id}/exports/json", headers=headers)
    answer.raise_for_status()
    return answer.json()


def b_records(dataset_id: str) -> list[dict]:
    answer = Client().get(f"{API}/catalog/datasets/{dataset_id}/exports/json")
    assert answer.status_code == 200, answer.content[:300]
    return json.loads(b"".join(answer.streaming_content) if answer.streaming else answer.content)


def dataset_object(url_or_client, dataset_id: str) -> dict:
    if isinstance(url_or_client, str):
        return requests.get(f"{url_or_client}{API}/catalog/datasets/{dataset_id}").json()
    return url_or_client.get(f"{API}/catalog/datasets/{dataset_id}").json()


def test_b_holds_what_a_publishes_and_a_second_run_changes_nothing(source_portal):
    source = services.add_source("portail-a", source_portal.url, "ods")
    run = services.run_source(source)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.report["failed"] == []
    assert sorted(run.report["created"]) == PUBLIC  # the restricted dataset is not shown without a key
    for dataset_id in PUBLIC:
        assert canonical(b_records(dataset_id)) == canonical(a_records(source_portal, dataset_id)), dataset_id
        theirs, mine = dataset_object(source_portal.url, dataset_id), dataset_object(Client(), dataset_id)
        assert mine["fields"] == theirs["fields"], dataset_id
        for name in ("title", "description", "theme", "keyword", "license", "publisher", "language",
                     "records_count"):  # fmt: skip
            assert mine["metas"]["default"][name] == theirs["metas"]["default"][name], (dataset_id, name)
        for name in ("creator", "contact_name", "contact_email", "accrualperiodicity", "temporal_coverage_start"):
            assert mine["metas"]["dcat"][name] == theirs["metas"]["dcat"][name], (dataset_id, name)
    georef = dataset_object(Client(), "georef-france-departement")
    assert {f["name"]: f["annotations"].get("multivalued") for f in georef["fields"]}["reg_code"] == [","]

    velib = Dataset.objects.get(dataset_id="velib")
    attachment = velib.attachments.get()
    theirs = requests.get(f"{source_portal.url}{API}/catalog/datasets/velib/attachments/{attachment.attachment_id}")
    assert attachment.file.read() == theirs.content and attachment.title == "Schéma (exemple de pièce jointe)"
    harvested = HarvestedDataset.objects.get(dataset=velib)
    assert harvested.remote_uri == f"{source_portal.url}/explore/dataset/velib/"

    versions = {d.dataset_id: d.current_version for d in Dataset.objects.all()}
    again = services.run_source(source)
    assert again.status == RunStatus.SUCCEEDED and again.counts() == {
        "created": 0, "updated": 0, "unchanged": 3, "gone": 0, "failed": 0}  # fmt: skip
    assert {d.dataset_id: d.current_version for d in Dataset.objects.all()} == versions


def test_without_the_parquet_export_records_come_through_csv(source_portal, monkeypatch):
    monkeypatch.setattr(ods, "PARQUET", "no-such-export")  # a portal that answers 400 to the Parquet export
    source = services.add_source("portail-a", source_portal.url, "ods")
    run = services.run_source(source)

    assert run.status == RunStatus.SUCCEEDED and run.report["failed"] == [], run.report
    for dataset_id in PUBLIC:
        assert canonical(b_records(dataset_id)) == canonical(a_records(source_portal, dataset_id)), dataset_id
        theirs, mine = dataset_object(source_portal.url, dataset_id), dataset_object(Client(), dataset_id)
        assert mine["fields"] == theirs["fields"], dataset_id
    assert Dataset.objects.get(dataset_id="velib").source["filename"] == "data.csv"


def test_a_private_dataset_is_harvested_with_an_encrypted_api_key(source_portal):
    source = services.add_source("portail-a", source_portal.url, "ods", api_key=source_portal.api_key)
    assert source_portal.api_key not in source.api_key_encrypted

    run = services.run_source(source)

    assert "joconde" in run.report["created"], run.report
    joconde = Dataset.objects.get(dataset_id="joconde")
    assert joconde.visibility == "restricted"
    theirs = a_records(source_portal, "joconde", Authorization=f"Apikey {source_portal.api_key}")
    assert joconde.records_count == len(theirs) > 0


def test_a_dataset_that_failed_half_way_is_completed_by_the_next_run_not_duplicated(source_portal, monkeypatch):
    source = services.add_source("portail-a", source_portal.url, "ods")
    attachments = services._attachments

    def unreachable(*args, **kwargs):
        raise FetchError("The server did not send the file within %(seconds)d seconds.", {"seconds": 1}, "timeout")

    monkeypatch.setattr(services, "_attachments", unreachable)
    first = services.run_source(source)
    assert [failure["id"] for failure in first.report["failed"]] == PUBLIC  # each stopped at its attachments
    assert Dataset.objects.get(dataset_id="velib").records_count == 1468  # its data is in, served

    monkeypatch.setattr(services, "_attachments", attachments)
    second = services.run_source(source)
    assert second.counts() == {"created": 0, "updated": 3, "unchanged": 0, "gone": 0, "failed": 0}
    assert sorted(Dataset.objects.values_list("dataset_id", flat=True)) == PUBLIC
    assert Dataset.objects.get(dataset_id="velib").attachments.count() == 1
    assert Dataset.objects.get(dataset_id="velib").current_version == 1  # same data: no new version


def run_in_a(source_portal, code: str) -> None:
    script = "from datapolis.cli_support import ensure_instance; ensure_instance()\n" + code
    done = subprocess.run([sys.executable, "-c", script], env=source_portal.env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr


# Changes instance A (shared by the module's tests): kept last.
def test_changes_upstream_reach_b_and_gone_datasets_are_marked(source_portal, shared_datasets):
    source = services.add_source("portail-a", source_portal.url, "ods", organisation="Métropole")
    assert services.run_source(source).status == RunStatus.SUCCEEDED
    assert Dataset.objects.get(dataset_id="velib").publisher == "Métropole"
    assert Dataset.objects.get(dataset_id="velib").producer == "Ville de Paris"

    run_in_a(source_portal, f"""
from datapolis.catalog import services
from datapolis.catalog.models import Dataset
services.import_file({str(shared_datasets / 'paris' / 'arrondissements.geojson')!r}, "arrondissements-copie")
services.update_metadata(Dataset.objects.get(dataset_id="velib"), {{"title": "Stations Vélib' (2026)"}})
services.delete_dataset(Dataset.objects.get(dataset_id="georef-france-departement"))
""")  # fmt: skip
    run = services.run_source(source)

    assert run.report["created"] == ["arrondissements-copie"]
    assert run.report["updated"] == ["velib"]
    assert run.report["gone"] == ["georef-france-departement"]
    assert Dataset.objects.get(dataset_id="velib").title == "Stations Vélib' (2026)"
    assert Dataset.objects.get(dataset_id="velib").current_version == 1  # the data did not change
    gone = HarvestedDataset.objects.get(dataset__dataset_id="georef-france-departement")
    assert gone.gone and gone.dataset.records_count == 109  # marked, still served
