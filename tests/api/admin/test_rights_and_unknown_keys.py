"""Each preparation endpoint: 404 to a caller who does not edit the dataset, 401 when anonymous, 422 on unknown keys."""

from __future__ import annotations

import pytest
from django.test import Client

from datapolis.audit.models import AuditEvent
from datapolis.catalog.models import Dataset

pytestmark = pytest.mark.django_db

DECLARATION = {"fields": [], "purpose": "p", "legal_basis": "consent", "retention": "r", "contact": "c"}
ENDPOINTS = [
    ("GET", "/datasets/ecoles/source", None),
    ("PUT", "/datasets/ecoles/source", {"location": "/tmp"}),
    ("DELETE", "/datasets/ecoles/source", None),
    ("POST", "/datasets/ecoles/refresh", None),
    ("GET", "/datasets/ecoles/steps", None),
    ("PUT", "/datasets/ecoles/steps", {"steps": []}),
    ("POST", "/datasets/ecoles/steps/preview", {"steps": []}),
    ("GET", "/datasets/ecoles/schema", None),
    ("PUT", "/datasets/ecoles/schema", {"descriptor": {"fields": []}}),
    ("DELETE", "/datasets/ecoles/schema", None),
    ("GET", "/datasets/ecoles/validation", None),
    ("GET", "/datasets/ecoles/lineage", None),
    ("GET", "/datasets/ecoles/compare?from=1&to=1", None),
    ("GET", "/datasets/ecoles/personal-data", None),
    ("PUT", "/datasets/ecoles/personal-data", DECLARATION),
    ("DELETE", "/datasets/ecoles/personal-data", None),
]
WITH_BODY = [(method, path, body) for method, path, body in ENDPOINTS if body is not None]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_caller_without_rights_gets_404(stranger, ecoles, method, path, body):
    before = AuditEvent.objects.count()
    response = stranger.call(method, path, body)
    assert response.status_code == 404, response.content
    assert response.json()["error_code"] == "HttpError"
    assert AuditEvent.objects.count() == before
    assert Dataset.objects.get(dataset_id="ecoles").steps == []


@pytest.mark.parametrize(("method", "path", "body"), [*ENDPOINTS, ("GET", "/personal-data", None)])
def test_no_credentials_gets_401(ecoles, method, path, body):
    send = getattr(Client(), method.lower())
    response = send(f"/api/admin{path}", body, content_type="application/json")
    assert response.status_code == 401


def test_the_register_is_403_for_others(stranger, editor):
    assert stranger.get("/personal-data").status_code == 403
    assert editor.get("/personal-data").status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), WITH_BODY)
def test_an_unknown_key_answers_422(admin, ecoles, method, path, body):
    before = AuditEvent.objects.count()
    response = admin.call(method, path, {**body, "unexpected_key": 1})
    assert response.status_code == 422, response.content
    assert response.json()["error_code"] == "InvalidRESTParameterError"
    assert "unexpected_key" in response.json()["message"]
    assert AuditEvent.objects.count() == before


def test_an_unknown_key_inside_a_step_answers_422(admin, ecoles):
    response = admin.put("/datasets/ecoles/steps", {"steps": [{"kind": "trim", "options": {}, "when": "now"}]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "when"
