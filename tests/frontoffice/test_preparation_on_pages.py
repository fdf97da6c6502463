"""The dataset page shows the Table Schema the data follows, its lineage, a freshness badge; DCAT: dct:conformsTo.

Real files: the subsidies of Castelmaurou against the SCDL subsidies schema (which the
file predates: errors), and the schools of Ille-et-Vilaine fetched from a folder source
and filtered by a processing step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from datapolis.catalog import services
from datapolis.catalog.models import Dataset, UpdateFrequency
from datapolis.sources import services as sources

pytestmark = pytest.mark.django_db

SCHEMA_URL = "https://schema.data.gouv.fr/scdl/subventions/latest/schema.json"
SCHOOLS = "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"
PUBLIC = {"kind": "filter", "options": {"where": "secteur_public_prive = 'Public'"}}


def page(path: str) -> str:
    response = Client().get(path, HTTP_HOST="data.example.fr")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def subsidies(catalog_store, shared_data: Path) -> Dataset:
    path = shared_data / "datasets" / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    dataset = services.import_file(path, "subventions").dataset
    schema = json.loads((shared_data / "schemas" / "scdl-subventions" / "schema.json").read_text())
    services.set_schema(dataset, schema, url=SCHEMA_URL, mode="warn")
    services.import_file(path, "subventions")  # validated on import
    return Dataset.objects.get(dataset_id="subventions")


def test_the_schema_and_its_errors(subsidies):
    report = subsidies.source["validation"]
    assert report["valid"] is False and report["error_count"] > 0
    html = page("/dataset/subventions/")
    assert f'href="{SCHEMA_URL}"' in html
    assert subsidies.table_schema["title"] in html
    assert f"{report['error_count']} error" in html


def test_dcat_says_conforms_to(subsidies):
    response = Client().get("/api/explore/v2.1/catalog/exports/ttl", HTTP_HOST="data.example.fr")
    assert response.status_code == 200
    assert "conformsTo" in response.content.decode() and SCHEMA_URL in response.content.decode()


def test_lineage_fetched_file_and_steps(catalog_store, shared_datasets, settings):
    folder = shared_datasets / "education-35"
    settings.DATAPOLIS_SOURCE_FOLDERS = [str(folder)]
    dataset = services.create_draft("ecoles", title="Écoles")
    sources.set_source(dataset, str(folder / SCHOOLS), kind="folder")
    dataset.steps = [PUBLIC]
    dataset.save(update_fields=["steps"])
    result = sources.refresh(dataset, force=True, publish=True)
    assert result.refresh.outcome == "changed", result.refresh.error
    dataset = result.dataset
    counts = dataset.source["step_counts"][0]

    html = page("/dataset/ecoles/")

    assert hashlib.sha256((folder / SCHOOLS).read_bytes()).hexdigest() in html
    assert SCHOOLS in html and str(folder) not in html  # a server folder's path is not shown
    assert "<code>filter</code>" in html
    assert f'<td class="number">{counts["rows_in"]}</td><td class="number">{counts["rows_out"]}</td>' in html


def test_a_late_dataset_has_a_badge_on_its_page_and_card(catalog_store, shared_datasets):
    services.import_file(shared_datasets / "education-35" / SCHOOLS, "ecoles", metadata={"title": "Écoles"})
    long_ago = timezone.now() - dt.timedelta(days=10)
    Dataset.objects.filter(dataset_id="ecoles").update(update_frequency=UpdateFrequency.DAILY,
                                                       data_modified=long_ago, modified=long_ago)  # fmt: skip
    assert "Late since" in page("/dataset/ecoles/")
    assert "badge freshness late" in page("/catalog/")

    Dataset.objects.filter(dataset_id="ecoles").update(data_modified=timezone.now())
    assert "badge freshness" not in page("/dataset/ecoles/")
