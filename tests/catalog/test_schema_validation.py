"""Every import of a dataset that declares a Table Schema is validated; in block mode invalid data is refused.

The SCDL subsidies schema (schema.data.gouv.fr) against its own valid example, then
against Castelmaurou's real file, which predates two of the schema's columns.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from datapolis.engine import Store
from datapolis.ingest import IngestError

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(shared_data: Path) -> dict:
    return json.loads((shared_data / "schemas" / "scdl-subventions" / "schema.json").read_text())


@pytest.fixture
def valid_file(shared_data: Path) -> Path:
    return shared_data / "schemas" / "scdl-subventions" / "exemple_valide.csv"


@pytest.fixture
def castelmaurou(shared_datasets: Path) -> Path:
    return shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"


def missing_columns(schema: dict, path: Path) -> set[str]:
    """Schema fields the file lacks, read independently of the platform."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    return {item["name"] for item in schema["fields"]} - set(header)


def declared(path: Path, schema: dict, mode: str) -> Dataset:
    dataset = services.import_file(path, "subventions").dataset
    services.set_schema(dataset, schema, url="https://schema.data.gouv.fr/scdl/subventions", mode=mode)
    return Dataset.objects.get(pk=dataset.pk)


def test_a_warned_import_is_published_with_its_report(catalog_store: Store, schema, valid_file, castelmaurou) -> None:
    dataset = declared(valid_file, schema, "warn")
    result = services.import_file(castelmaurou, "subventions")
    report = result.version.origin["validation"]
    assert report["valid"] is False
    assert {issue["schema_field"] for issue in report["errors"] if issue["rule"] == "missing-field"} == missing_columns(
        schema, castelmaurou
    )
    assert report["schema"]["url"] == "https://schema.data.gouv.fr/scdl/subventions"
    dataset.refresh_from_db()
    assert dataset.current_version == 2 and dataset.source["validation"]["error_count"] == report["error_count"]


def test_a_blocked_import_leaves_the_last_good_version(catalog_store: Store, schema, valid_file, castelmaurou) -> None:
    dataset = declared(valid_file, schema, "block")
    assert services.validate_current(dataset).valid
    with pytest.raises(IngestError) as caught:
        services.import_file(castelmaurou, "subventions")
    assert caught.value.code == "schema_blocked"
    assert "rnaBeneficiaire" in str(caught.value) or "dispositifAide" in str(caught.value)
    dataset.refresh_from_db()
    assert dataset.current_version == 1
    assert [version.number for version in catalog_store.versions("subventions")] == [1]


def test_validating_the_current_version(catalog_store: Store, schema, castelmaurou) -> None:
    dataset = declared(castelmaurou, schema, "warn")
    report = services.validate_current(dataset)
    with castelmaurou.open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert report.rows == rows
    assert not report.valid and set(report.missing_fields) == missing_columns(schema, castelmaurou)


def test_a_dataset_without_schema_has_nothing_to_validate(catalog_store: Store, castelmaurou) -> None:
    dataset = services.import_file(castelmaurou, "subventions").dataset
    with pytest.raises(ValueError, match="no Table Schema"):
        services.validate_current(dataset)
    assert "validation" not in dataset.source


def test_the_schema_text_fields_are_read_as_text(catalog_store: Store, schema, castelmaurou) -> None:
    """The schema's strings stay text, as written (here periods the reader alone takes for dates)."""
    types = {field.name: field.type for field in services.import_file(castelmaurou, "subventions").dataset.fields.all()}
    assert types["datesperiodeversement"] == "date"  # what the reader infers alone
    dataset = declared(castelmaurou, schema, "warn")
    reimported = services.import_file(castelmaurou, "subventions").dataset
    assert {field.name: field.type for field in reimported.fields.all()}["datesperiodeversement"] == "text"
    with castelmaurou.open(encoding="utf-8", newline="") as handle:
        written = {row["datesPeriodeVersement"] or None for row in csv.DictReader(handle)}
    query = f"SELECT DISTINCT datesperiodeversement FROM {catalog_store.relation_sql(dataset.dataset_id)}"
    assert {value for (value,) in catalog_store.cursor().execute(query).fetchall()} == written
