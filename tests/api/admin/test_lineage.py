"""GET lineage: each version with its records, origin, steps and their counts, and validation summary."""

from __future__ import annotations

import pytest

from tests.api.admin.conftest import rows_of

pytestmark = pytest.mark.django_db

PUBLIC = {"kind": "filter", "options": {"where": "secteur_public_prive = 'Public'"}}


def test_lineage_lists_versions_newest_first(admin, ecoles, schools_path):
    rows = rows_of(schools_path)
    public = sum(1 for row in rows if row["Secteur Public/Privé"] == "Public")
    assert admin.put("/datasets/ecoles/steps", {"steps": [PUBLIC]}).status_code == 200

    body = admin.get("/datasets/ecoles/lineage").json()

    assert body["current_version"] == 2
    latest, first = body["versions"]
    assert (latest["version"], latest["current"], latest["records"]) == (2, True, public)
    assert latest["steps"] == [{"step": 1, "kind": "filter", "options": PUBLIC["options"], "rows_in": len(rows),
                                "rows_out": public, "changed": 0}]  # fmt: skip
    assert (first["version"], first["current"], first["records"], first["steps"]) == (1, False, len(rows), [])
    assert first["filename"] == schools_path.name
    assert latest["validation"] is None  # no schema declared
