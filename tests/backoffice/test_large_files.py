"""Large files are imported by the worker; the agent follows the job on a page that polls with htmx."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from datapolis.access.models import PublisherRole
from datapolis.audit.models import AuditEvent
from datapolis.backoffice import services
from datapolis.backoffice.models import Upload, UploadState
from datapolis.catalog.models import Dataset, Status
from datapolis.jobs.models import Job, JobStatus
from tests.backoffice.conftest import ORGANISATION, field_forms, french_csv, metadata_form, start_upload
from tests.conftest import instance_store
from tests.jobs.worker_process import jobs_queue, running_worker, wait_for

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def small_sync_limit(settings):
    settings.DATAPOLIS_BACKOFFICE_SYNC_MAX_BYTES = 1_000


def prepared_upload(client, path: Path) -> str:
    upload_id = start_upload(client, path)
    upload = Upload.objects.get(pk=upload_id)
    assert client.post(f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields)).status_code == 302
    return upload_id


def test_a_large_file_goes_through_a_job(agent_client, catalog_store, small_sync_limit, immediate_jobs, tmp_path):
    upload_id = prepared_upload(agent_client, french_csv(tmp_path / "grand.csv", rows=200))

    response = agent_client.post(f"/backoffice/uploads/{upload_id}/description/", metadata_form("grand"))

    job = Job.objects.get(kind="backoffice_import")
    assert response["Location"] == f"/backoffice/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"version": 1, "records_count": 200}
    page = agent_client.get(response["Location"]).content.decode()
    assert "Done: version 1, 200 records." in page
    polled = agent_client.get(response["Location"], **HTMX)
    assert polled.status_code == 204
    assert polled["HX-Redirect"] == "/backoffice/datasets/grand/"
    dataset = Dataset.objects.get(dataset_id="grand")
    assert dataset.status == Status.PUBLISHED and dataset.records_count == 200
    assert AuditEvent.objects.filter(target="grand", action="dataset_created").exists()
    assert Upload.objects.get(pk=upload_id).state == UploadState.IMPORTED


def test_a_queued_job_page_polls_until_done(agent_client, agent, catalog_store):
    job = Job.objects.create(kind="backoffice_import", dataset_id="x", created_by=agent)

    page = agent_client.get(f"/backoffice/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "waits for the import worker" in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript

    job.status = JobStatus.RUNNING
    job.save()
    partial = agent_client.get(f"/backoffice/jobs/{job.pk}/", **HTMX)
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b'hx-trigger="every 2s"' in partial.content


def test_a_failed_job_explains_the_error_and_offers_a_retry(
    agent_client, catalog_store, small_sync_limit, immediate_jobs, settings, tmp_path
):
    settings.DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES = 2_000
    path = french_csv(tmp_path / "grand.csv", rows=200)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[150] += ";de trop"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    upload_id = prepared_upload(agent_client, path)

    response = agent_client.post(f"/backoffice/uploads/{upload_id}/description/", metadata_form("grand"))

    job = Job.objects.get(kind="backoffice_import")
    assert job.status == JobStatus.FAILED
    assert (job.error["line"], job.error["code"]) == (151, "ragged_row")
    page = agent_client.get(response["Location"]).content.decode()
    assert "Line 151, column 8" in page
    assert "Nothing was published" in page
    assert f"/backoffice/uploads/{upload_id}/preview/" in page
    assert not Dataset.objects.filter(dataset_id="grand").exists()
    partial = agent_client.get(response["Location"], **HTMX)
    assert b"hx-trigger" not in partial.content  # done: polling stops

    retry_page = agent_client.get(f"/backoffice/uploads/{upload_id}/preview/").content.decode()
    assert "The import stopped" in retry_page and "Line 151" in retry_page


def test_another_user_cannot_follow_the_job(admin_client, agent, catalog_store):
    job = Job.objects.create(kind="backoffice_import", dataset_id="x", created_by=agent)
    assert admin_client.get(f"/backoffice/jobs/{job.pk}/").status_code == 404


@pytest.fixture
def worker(instance_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, settings):
    """A real `datapolis worker` process sharing this test's databases, uploads folder and queue."""
    from huey.contrib.djhuey import HUEY

    settings.MEDIA_ROOT = Path(instance_env["DATAPOLIS_HOME"]) / "uploads"
    monkeypatch.setattr(HUEY, "storage", jobs_queue(instance_env))
    with running_worker(instance_env):
        yield instance_env


def test_the_worker_process_runs_back_office_imports(worker, catalog_store, small_sync_limit, tmp_path):
    """`datapolis worker` finds the back office's task by itself and imports into the instance."""
    from datapolis.backoffice.uploads import StoredFile, new_stored_name, uploads_folder
    from datapolis.portals.services import default_portal

    user = User.objects.create_user("agent-w", password="x")
    PublisherRole.objects.create(user=user, organisation=ORGANISATION)
    stored_name = new_stored_name("grand.csv")
    french_csv(uploads_folder() / stored_name, rows=300)
    size = (uploads_folder() / stored_name).stat().st_size
    upload = services.start_from_file(
        StoredFile("grand.csv", stored_name, size, "text/csv"), user=user, portal=default_portal()
    )
    services.read_preview(upload)
    services.save_fields(upload, [{"name": "population", "label": "Habitants"}])
    services.save_metadata(upload, {"dataset_id": "grand-w", "title": "Grand", "publisher": ORGANISATION})

    outcome = services.import_upload(upload, publish=True, user=user)

    assert outcome.job is not None
    job = wait_for(outcome.job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    dataset = Dataset.objects.get(dataset_id="grand-w")
    assert (dataset.records_count, dataset.status) == (300, Status.PUBLISHED)
    assert dataset.fields.get(name="population").label == "Habitants"
    store = instance_store(worker)
    assert store.version("grand-w").row_count == 300
    store.close()
