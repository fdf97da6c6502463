"""POST steps/preview shows what the steps would publish, without publishing."""

from __future__ import annotations

import pytest

from datapolis.catalog.models import Dataset
from tests.api.admin.conftest import rows_of

pytestmark = pytest.mark.django_db


def test_preview_answers_fields_rows_and_counts(editor, ecoles, schools_path):
    rows = rows_of(schools_path)
    steps = [{"kind": "keep", "options": {"fields": ["code_etablissement", "commune"]}},
             {"kind": "case", "options": {"fields": ["commune"], "case": "upper"}}]  # fmt: skip

    response = editor.post("/datasets/ecoles/steps/preview?limit=5", {"steps": steps})

    assert response.status_code == 200, response.content
    body = response.json()
    assert [field["name"] for field in body["fields"]] == ["code_etablissement", "commune"]
    assert [row["commune"] for row in body["rows"]] == [row["Commune"].upper() for row in rows[:5]]
    assert [count["rows_in"] for count in body["counts"]] == [len(rows), len(rows)]
    assert Dataset.objects.get(dataset_id="ecoles").current_version == 1  # nothing published


def test_preview_of_an_invalid_step_is_400(editor, ecoles):
    response = editor.post("/datasets/ecoles/steps/preview", {"steps": [{"kind": "no_such_step"}]})
    assert response.status_code == 400
    assert response.json()["detail"]["step"] == 1
