"""PUT steps publishes the kept raw data again through them; a bad step answers 400 naming step, row and value."""

from __future__ import annotations

import pytest

from datapolis.catalog.models import Dataset
from tests.api.admin.conftest import rows_of

pytestmark = pytest.mark.django_db

PUBLIC = {"kind": "filter", "options": {"where": "secteur_public_prive = 'Public'"}}
UPPER = {"kind": "case", "options": {"fields": ["commune"], "case": "upper"}}


def test_put_steps_publishes_a_new_version(admin, ecoles, schools_path):
    rows = rows_of(schools_path)
    public = sum(1 for row in rows if row["Secteur Public/Privé"] == "Public")
    assert admin.get("/datasets/ecoles/steps").json()["steps"] == []

    response = admin.put("/datasets/ecoles/steps", {"steps": [UPPER, PUBLIC]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["steps"] == [UPPER, PUBLIC]
    assert body["records"] == public and body["version"] == 2
    assert [(c["rows_in"], c["rows_out"]) for c in body["step_counts"]] == [(len(rows), len(rows)), (len(rows), public)]
    assert admin.get("/datasets/ecoles/steps").json()["steps"] == [UPPER, PUBLIC]


def test_a_step_failing_on_a_value_names_its_row_and_value(admin, ecoles, schools_path):
    first = rows_of(schools_path)[0]["Appellation officielle"]
    response = admin.put("/datasets/ecoles/steps", {"steps": [{"kind": "retype", "options": {
        "field": "appellation_officielle", "type": "int"}}]})  # fmt: skip
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error_code"] in ("StepError", "IngestError")
    assert first in body["message"]
    assert "1" in body["message"]
    dataset = Dataset.objects.get(dataset_id="ecoles")
    assert dataset.steps == [] and dataset.current_version == 1  # nothing changed


def test_an_invalid_step_names_the_step(admin, ecoles):
    unknown_field = {"kind": "case", "options": {"fields": ["nope"]}}
    response = admin.put("/datasets/ecoles/steps", {"steps": [UPPER, unknown_field]})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error_code"] == "StepError"
    assert body["detail"]["step"] == 2 and body["detail"]["kind"] == "case"
