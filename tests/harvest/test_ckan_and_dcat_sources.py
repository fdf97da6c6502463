"""CKAN and DCAT sources: instance A read through its CKAN action API and its DCAT-AP
exports (RDF/XML, Turtle, JSON-LD), and the real DCAT export of data.rennesmetropole.fr
(an Opendatasoft portal; shared/data/ods-reference, recorded by data-fair's tests) served
by a local HTTP server, as it would be fetched from the internet."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from datapolis.catalog.models import Dataset
from datapolis.harvest import services
from datapolis.harvest.models import HarvestedDataset, RunStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog_store", "local_network")]
PUBLIC = {"arrondissements": 20, "georef-france-departement": 109, "velib": 1468}


def test_a_ckan_portal_is_harvested_with_its_data(source_portal):
    source = services.add_source("ckan-a", f"{source_portal.url}/api/3/action/package_search", "ckan")
    run = services.run_source(source)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.report["failed"] == [] and sorted(run.report["created"]) == sorted(PUBLIC)
    for dataset_id, count in PUBLIC.items():
        dataset = Dataset.objects.get(dataset_id=dataset_id)
        assert dataset.records_count == count, dataset_id
    velib = Dataset.objects.get(dataset_id="velib")
    assert (velib.title, velib.license, velib.publisher) == ("Vélib' - emplacement des stations", "odbl-1.0",
                                                              "Ville de Paris")  # fmt: skip
    assert sorted(velib.keywords) == ["mobilité", "vélo"]
    assert sorted(theme.name for theme in velib.themes.all()) == ["Mobilité", "Transports"]
    assert services.run_source(source).counts()["unchanged"] == len(PUBLIC)


@pytest.mark.parametrize("export", ["dcat", "ttl", "jsonld"])
def test_a_dcat_catalog_is_harvested_in_each_serialisation(source_portal, export):
    url = f"{source_portal.url}/api/explore/v2.1/catalog/exports/{export}"
    source = services.add_source("dcat-a", url, "dcat")
    run = services.run_source(source)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.report["failed"] == [] and sorted(run.report["created"]) == sorted(PUBLIC)
    for dataset_id, count in PUBLIC.items():
        assert Dataset.objects.get(dataset_id=dataset_id).records_count == count, dataset_id
    velib = HarvestedDataset.objects.get(dataset__dataset_id="velib")
    assert velib.remote_uri == f"{source_portal.url}/explore/dataset/velib/"
    assert velib.dataset.license == "odbl-1.0" and velib.dataset.publisher == "Ville de Paris"
    assert services.run_source(source).counts()["unchanged"] == len(PUBLIC)


@pytest.fixture
def recorded_rennes(shared_data: Path) -> Iterator[str]:
    folder = shared_data / "ods-reference"
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ods-export-rennes-metropole-dcat.rdf"
    finally:
        server.shutdown()


def test_a_real_ods_dcat_export_is_harvested_metadata_only(recorded_rennes):
    source = services.add_source("rennes", recorded_rennes, "dcat", metadata_only=True, organisation="Rennes")
    run = services.run_source(source)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.report["failed"] == []
    assert len(run.report["created"]) == 27
    harvested = HarvestedDataset.objects.get(
        remote_uri="https://data.rennesmetropole.fr/explore/dataset/"
        "subventions-versees-en-2017-aux-associations-noyal-chatillon-sur-seiche/"
    )
    dataset = harvested.dataset
    assert dataset.title and "Noyal-Châtillon-sur-Seiche" in dataset.description
    assert dataset.publisher == "Rennes" and dataset.is_published and dataset.current_version is None
    again = services.run_source(source)
    assert again.counts()["unchanged"] == 27 and again.counts()["created"] == 0
