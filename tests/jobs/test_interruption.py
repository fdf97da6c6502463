"""A job worker stopped mid-import (SIGTERM) or killed (SIGKILL): the job ends in a final state.

Real processes: `datapolis worker` and its job process, on the test's databases; the
import is a back-office replacement of a dataset by a file above the 20 MB threshold.
Whatever stops the worker, the version published before is still the one served, and
the agent's job page says the import was interrupted and offers to try again.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from datapolis.access.models import PublisherRole
from datapolis.backoffice import services
from datapolis.backoffice.models import Upload, UploadState
from datapolis.backoffice.uploads import StoredFile, new_stored_name, uploads_folder
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset
from datapolis.catalog.storage import use_store
from datapolis.jobs import lifecycle, supervision
from datapolis.jobs.models import Job, JobStatus
from datapolis.portals.services import default_portal
from tests.backoffice.conftest import french_csv
from tests.conftest import instance_store
from tests.jobs.worker_process import jobs_queue, large_french_csv, start_worker, wait_for, wait_until

ORGANISATION = "Ville de Testville"
LARGE_ROWS = 600_000  # about 40 MB: above the 20 MB threshold, and an import of many seconds


@pytest.fixture
def instance(instance_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path):
    """An instance whose dataset `communes` has a first version of 50 rows, and this process queueing into it."""
    from huey.contrib.djhuey import HUEY

    settings.MEDIA_ROOT = Path(instance_env["DATAPOLIS_HOME"]) / "uploads"
    settings.LANGUAGE_CODE = "en"
    monkeypatch.setattr(HUEY, "storage", jobs_queue(instance_env))
    store = instance_store(instance_env)
    use_store(store)
    catalog.import_file(french_csv(tmp_path / "communes.csv", rows=50), "communes", metadata={"title": "Communes"})
    use_store(None)
    store.close()
    return instance_env


@pytest.fixture
def agent(instance) -> User:
    user = User.objects.create_user("agent", password="x")
    PublisherRole.objects.create(user=user, organisation=ORGANISATION)
    Dataset.objects.filter(dataset_id="communes").update(publisher=ORGANISATION)
    return user


def replace_with_large_file(agent: User) -> Job:
    """The agent replaces `communes` by a large file: the import is queued as a job."""
    stored_name = new_stored_name("communes.csv")
    path = large_french_csv(uploads_folder() / stored_name, LARGE_ROWS)
    dataset = Dataset.objects.get(dataset_id="communes")
    upload = services.start_from_file(
        StoredFile("communes.csv", stored_name, path.stat().st_size, "text/csv"),
        user=agent,
        portal=default_portal(),
        dataset=dataset,
    )
    services.read_preview(upload)
    outcome = services.import_upload(upload, publish=True, user=agent)
    assert outcome.job is not None, "a file above the threshold goes through a job"
    return outcome.job


def running(job: Job) -> Job | None:
    job.refresh_from_db()
    return job if job.status == JobStatus.RUNNING and job.worker_pid else None


def assert_first_version_still_served(env: dict[str, str]) -> None:
    dataset = Dataset.objects.get(dataset_id="communes")
    assert (dataset.current_version, dataset.records_count) == (1, 50)
    store = instance_store(env)
    try:
        assert store.version("communes").row_count == 50
    finally:
        store.close()


def assert_job_page_says_interrupted(agent: User, job: Job) -> None:
    upload = Upload.objects.get(job=job)
    assert upload.state == UploadState.FAILED
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)
    page = client.get(f"/backoffice/jobs/{job.pk}/").content.decode()
    assert "The import was interrupted" in page
    assert "Nothing was published" in page
    assert f"/backoffice/uploads/{upload.pk}/preview/" in page  # try again
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(agent)
    assert "L’import a été interrompu" in french.get(f"/backoffice/jobs/{job.pk}/").content.decode()


def test_sigterm_interrupts_the_import_cleanly(instance, agent, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    worker = start_worker(instance, log)
    try:
        job = replace_with_large_file(agent)
        wait_until(lambda: running(job), 60, "the import running")

        worker.send_signal(signal.SIGTERM)
        returncode = worker.wait(timeout=supervision.STOP_GRACE_SECONDS + 30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    output = log.read_text(errors="replace")
    assert returncode == 0, output
    assert "terminate called" not in output
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error["code"] == "interrupted"
    assert job.error["template"] == lifecycle.STOPPED
    assert_first_version_still_served(instance)
    assert_job_page_says_interrupted(agent, job)


def test_after_sigkill_the_next_worker_fails_the_abandoned_job(instance, agent, tmp_path: Path) -> None:
    worker = start_worker(instance, tmp_path / "worker.log")
    try:
        job = replace_with_large_file(agent)
        wait_until(lambda: running(job), 60, "the import running")
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its job process, as a machine stop would
        worker.wait(timeout=30)
        wait_until(lambda: not supervision.process_alive(job.worker_pid), 30, "the job process gone")
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING  # nobody is left to say otherwise

        worker = start_worker(instance, tmp_path / "worker.log")
        done = wait_for(job, 60)
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)

    assert done.status == JobStatus.FAILED
    assert done.error["code"] == "interrupted"
    assert done.error["template"] == lifecycle.LOST
    assert_first_version_still_served(instance)
    assert_job_page_says_interrupted(agent, done)
