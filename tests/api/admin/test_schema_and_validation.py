"""PUT schema declares a Table Schema (descriptor or url); GET validation checks the current version now."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from datapolis.catalog import services
from datapolis.catalog.models import Dataset

pytestmark = pytest.mark.django_db

URL = "https://schema.data.gouv.fr/scdl/subventions/latest/schema.json"


@pytest.fixture
def subsidies(catalog_store, shared_datasets: Path) -> Path:
    path = shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    services.import_file(path, "subventions")
    return path


@pytest.fixture
def schema(shared_data: Path) -> dict:
    return json.loads((shared_data / "schemas" / "scdl-subventions" / "schema.json").read_text())


def test_schema_put_get_validate_delete(admin, subsidies, schema):
    response = admin.put("/datasets/subventions/schema", {"descriptor": schema, "url": URL, "mode": "warn"})
    assert response.status_code == 200, response.content
    read = admin.get("/datasets/subventions/schema").json()
    assert read["url"] == URL and read["mode"] == "warn" and read["name"] == schema.get("name", "")
    assert read["descriptor"]["fields"] == schema["fields"]

    with subsidies.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    missing = {field["name"] for field in schema["fields"]} - set(header)
    report = admin.get("/datasets/subventions/validation").json()
    assert report["valid"] is False and report["version"] == 1
    assert set(report["missing_fields"]) == missing

    assert admin.delete("/datasets/subventions/schema").status_code == 204
    assert admin.get("/datasets/subventions/schema").status_code == 404
    assert admin.get("/datasets/subventions/validation").status_code == 404
    assert Dataset.objects.get(dataset_id="subventions").table_schema == {}


def test_a_bad_mode_or_no_schema_is_refused(admin, subsidies, schema):
    assert admin.put("/datasets/subventions/schema", {"descriptor": schema, "mode": "sometimes"}).status_code == 400
    assert admin.put("/datasets/subventions/schema", {"mode": "warn"}).status_code == 400
    assert Dataset.objects.get(dataset_id="subventions").table_schema == {}
