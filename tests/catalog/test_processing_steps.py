"""A dataset's processing steps run on every import, are re-applied from the kept raw data, and leave a lineage.

The geolocated schools of Ille-et-Vilaine (`;`, BOM, CRLF, Lambert-93) go through real
steps; counts are checked against the file read with Python's csv module.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from datapolis.catalog import preparation, services
from datapolis.catalog.models import Dataset
from datapolis.engine import Store
from datapolis.ingest import IngestError
from datapolis.steps import StepError, parse_steps

pytestmark = pytest.mark.django_db

PUBLIC = {"kind": "filter", "options": {"where": "secteur_public_prive = 'Public'"}}
UPPER = {"kind": "case", "options": {"fields": ["commune"], "case": "upper"}}


@pytest.fixture
def schools(shared_datasets: Path) -> Path:
    return (
        shared_datasets / "education-35" / "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"
    )


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def public_count(path: Path) -> int:
    return sum(1 for row in rows_of(path) if row["Secteur Public/Privé"] == "Public")


def test_new_steps_publish_the_raw_data_again_with_their_lineage(catalog_store: Store, schools: Path) -> None:
    dataset = services.import_file(schools, "ecoles").dataset
    total = len(rows_of(schools))
    assert dataset.records_count == total

    version = services.set_steps(dataset, [UPPER, PUBLIC])
    dataset.refresh_from_db()
    assert version.row_count == dataset.records_count == public_count(schools)
    assert dataset.steps == [UPPER, PUBLIC]
    counts = dataset.source["step_counts"]
    assert [(c["rows_in"], c["rows_out"]) for c in counts] == [(total, total), (total, public_count(schools))]
    communes = {
        row[0]
        for row in catalog_store.cursor()
        .execute(f"SELECT commune FROM {catalog_store.relation_sql('ecoles')}")
        .fetchall()
    }
    assert communes and all(name == name.upper() for name in communes)
    assert catalog_store.version("ecoles").origin["steps"] == [UPPER, PUBLIC]


def test_a_new_import_goes_through_the_steps(catalog_store: Store, schools: Path) -> None:
    dataset = services.import_file(schools, "ecoles").dataset
    services.set_steps(dataset, [PUBLIC])
    again = services.import_file(schools, "ecoles")
    assert again.version.row_count == public_count(schools)
    assert again.version.origin["step_counts"][0]["rows_out"] == public_count(schools)


def test_a_step_failing_on_a_value_names_it_and_changes_nothing(catalog_store: Store, schools: Path) -> None:
    dataset = services.import_file(schools, "ecoles").dataset
    first_commune = rows_of(schools)[0]["Commune"]
    with pytest.raises(IngestError) as caught:
        services.set_steps(dataset, [{"kind": "retype", "options": {"field": "commune", "type": "int"}}])
    message = str(caught.value)
    assert "step 1 (retype)" in message and "row 1" in message and first_commune in message
    dataset.refresh_from_db()
    assert dataset.steps == [] and dataset.current_version == 1
    assert len(services.versions(dataset)) == 1


def test_an_invalid_step_is_refused_before_anything_runs(catalog_store: Store, schools: Path) -> None:
    dataset = services.import_file(schools, "ecoles").dataset
    with pytest.raises((StepError, IngestError)) as caught:  # checked against the fields when compiled
        services.set_steps(dataset, [{"kind": "rename", "options": {"fields": {"no_such_field": "x"}}}])
    assert "no_such_field" in str(caught.value)
    assert Dataset.objects.get(dataset_id="ecoles").current_version == 1


def test_the_preview_is_the_first_rows_through_the_steps(catalog_store: Store, schools: Path) -> None:
    dataset = services.import_file(schools, "ecoles").dataset
    preview = preparation.preview(dataset, parse_steps([PUBLIC, UPPER]), limit=5)
    expected = [row for row in rows_of(schools) if row["Secteur Public/Privé"] == "Public"][:5]
    assert [row["commune"] for row in preview.rows] == [row["Commune"].upper() for row in expected]
    assert dataset.current_version == 1  # a preview publishes nothing


def test_another_dataset_is_looked_up_only_when_it_is_open_data(catalog_store: Store, schools: Path) -> None:
    services.import_file(schools, "ecoles")
    services.import_file(schools, "ecoles-internes", visibility="restricted")
    sql, fields = preparation.lookup_dataset("ecoles")
    assert "commune" in {spec.name for spec in fields}
    assert catalog_store.cursor().execute(f"SELECT count(*) FROM ({sql})").fetchone()[0] == len(rows_of(schools))
    with pytest.raises(LookupError):
        preparation.lookup_dataset("ecoles-internes")


def test_an_unknown_processor_is_refused(catalog_store: Store, schools: Path) -> None:
    dataset = services.import_file(schools, "ecoles").dataset
    with pytest.raises(StepError) as caught:
        services.set_steps(dataset, [{"kind": "no_such_processor", "options": {}}])
    assert "no_such_processor" in str(caught.value)
    assert Dataset.objects.get(dataset_id="ecoles").steps == []
