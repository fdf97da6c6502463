"""A dataset's personal data declaration, and the register (JSON and CSV) for instance and portal admins."""

from __future__ import annotations

import csv
import io

import pytest

from datapolis.catalog.personal_data import REGISTER_COLUMNS

pytestmark = pytest.mark.django_db

DECLARATION = {
    "fields": ["patronyme_uai"],
    "purpose": "Annuaire des établissements",
    "legal_basis": "public_task",
    "retention": "5 ans",
    "contact": "dpo@example.fr",
}


def test_declare_read_register_withdraw(editor, admin, portal_admin, stranger, ecoles):
    assert editor.get("/datasets/ecoles/personal-data").status_code == 404
    response = editor.put("/datasets/ecoles/personal-data", DECLARATION)
    assert response.status_code == 200, response.content
    read = editor.get("/datasets/ecoles/personal-data").json()
    assert {key: read[key] for key in DECLARATION} == DECLARATION
    assert read["unprotected_fields"] == ["patronyme_uai"]

    for reader in (admin, portal_admin):
        register = reader.get("/personal-data")
        assert register.status_code == 200, register.content
        (entry,) = register.json()
        assert entry["dataset_id"] == "ecoles" and entry["fields"] == ["patronyme_uai"]
        assert entry["unprotected_fields"] == ["patronyme_uai"]
    exported = admin.get("/personal-data", format="csv")
    assert exported["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode()), delimiter=";"))
    assert table[0] == list(REGISTER_COLUMNS)
    assert table[1][0] == "ecoles" and table[1][REGISTER_COLUMNS.index("legal_basis")] == "public_task"

    assert editor.get("/personal-data").status_code == 403  # a publisher is not the register's reader
    assert stranger.get("/personal-data").status_code == 403

    assert editor.delete("/datasets/ecoles/personal-data").status_code == 204
    assert admin.get("/personal-data").json() == []


def test_an_unknown_field_or_basis_is_refused(editor, ecoles):
    assert editor.put("/datasets/ecoles/personal-data", {**DECLARATION, "fields": ["nope"]}).status_code == 400
    assert editor.put("/datasets/ecoles/personal-data", {**DECLARATION, "legal_basis": "whim"}).status_code == 400
