"""A dataset's source is set, read (never its password), refreshed in the request or as a job, and removed."""

from __future__ import annotations

import pytest

from datapolis.jobs.models import Job
from datapolis.sources.models import DatasetSource
from tests.api.admin.conftest import rows_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(settings, schools_path):
    settings.DATAPOLIS_SOURCE_FOLDERS = [str(schools_path.parent)]
    return schools_path


def test_source_put_get_refresh_delete(admin, ecoles, folder):
    body = {"kind": "folder", "location": str(folder), "schedule": "1d", "password": "secret", "username": "u"}
    response = admin.put("/datasets/ecoles/source", body)
    assert response.status_code == 200, response.content
    read = admin.get("/datasets/ecoles/source").json()
    assert read["kind"] == "folder" and read["schedule"] == "1d" and read["has_password"] is True
    assert "secret" not in response.content.decode() and "password" not in read

    admin.put("/datasets/ecoles/source", {key: value for key, value in body.items() if key != "password"})
    assert admin.get("/datasets/ecoles/source").json()["has_password"] is True  # kept when left out

    refreshed = admin.post("/datasets/ecoles/refresh?wait=true&force=true")
    assert refreshed.status_code == 200, refreshed.content
    result = refreshed.json()
    assert result["outcome"] == "changed" and result["records"] == len(rows_of(folder))
    assert len(result["fetched"]["sha256"]) == 64

    queued = admin.post("/datasets/ecoles/refresh")
    assert queued.status_code == 202, queued.content
    assert Job.objects.get(pk=queued.json()["job"]).kind == "refresh"

    assert admin.delete("/datasets/ecoles/source").status_code == 204
    assert not DatasetSource.objects.exists()
    assert admin.get("/datasets/ecoles/source").status_code == 404
    assert admin.post("/datasets/ecoles/refresh").status_code == 404


def test_a_source_outside_the_allowed_folders_is_refused(admin, ecoles, folder):
    response = admin.put("/datasets/ecoles/source", {"kind": "folder", "location": "/etc/passwd"})
    assert response.status_code == 400
    assert not DatasetSource.objects.exists()
