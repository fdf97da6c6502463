"""Imports queued by the web process are done by a separate worker process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from datapolis.backoffice import services
from datapolis.backoffice.uploads import StoredFile, new_stored_name, uploads_folder
from datapolis.jobs.models import Job, JobStatus
from datapolis.portals.services import default_portal
from tests.conftest import instance_store
from tests.jobs.worker_process import jobs_queue, running_worker, wait_for


@pytest.fixture
def worker(instance_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, settings):
    """A `datapolis worker` process, with this process queueing into its queue every back-office import."""
    from huey.contrib.djhuey import HUEY

    settings.MEDIA_ROOT = Path(instance_env["DATAPOLIS_HOME"]) / "uploads"
    settings.DATAPOLIS_BACKOFFICE_SYNC_MAX_BYTES = 0
    monkeypatch.setattr(HUEY, "storage", jobs_queue(instance_env))
    with running_worker(instance_env):
        yield instance_env


def enqueue_import(path: Path, dataset_id: str, *, metadata: dict | None = None) -> Job:
    """An agent imports `path` as the new dataset `dataset_id` in the back office: a job, as the file is large."""
    agent = User.objects.get_or_create(username="agent")[0]
    stored_name = new_stored_name(path.name)
    uploads_folder().mkdir(parents=True, exist_ok=True)
    shutil.copy(path, uploads_folder() / stored_name)
    upload = services.start_from_file(
        StoredFile(path.name, stored_name, path.stat().st_size, "text/csv"), user=agent, portal=default_portal()
    )
    services.save_metadata(upload, {"dataset_id": dataset_id, **(metadata or {})})
    return services.import_upload(upload, publish=True, user=agent).job


def test_the_worker_imports_and_reports(worker: dict[str, str], shared_datasets: Path) -> None:
    job = enqueue_import(shared_datasets / "joconde" / "joconde.csv", "joconde", metadata={"title": "Joconde"})

    done = wait_for(job)
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert done.result == {"version": 1, "records_count": 100}
    store = instance_store(worker)
    assert store.version("joconde").row_count == 100
    store.close()


def test_a_failed_import_is_reported_with_its_location(worker: dict[str, str], tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    done = wait_for(enqueue_import(ragged, "ragged"))

    assert done.status == JobStatus.FAILED
    assert done.error["line"] == 3
    assert done.error["code"]
