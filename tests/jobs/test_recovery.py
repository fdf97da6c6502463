"""Claiming and recovery rules: a job runs once; jobs abandoned by a dead process are failed, lost ones queued again."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from huey.storage import SqliteStorage

from datapolis.jobs import lifecycle, supervision
from datapolis.jobs.models import Job, JobStatus


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from huey.contrib.djhuey import HUEY

    monkeypatch.setattr(HUEY, "storage", SqliteStorage("datapolis", filename=str(tmp_path / "jobs.sqlite3")))
    return HUEY


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_job(*, pid: int, host: str = lifecycle.HOST, silent_for: float = 0) -> Job:
    beat = timezone.now() - dt.timedelta(seconds=silent_for)
    return Job.objects.create(
        kind="import",
        dataset_id="x",
        status=JobStatus.RUNNING,
        started=beat,
        heartbeat=beat,
        worker_host=host,
        worker_pid=pid,
    )


def test_a_job_queued_twice_is_claimed_once(db) -> None:
    job = Job.objects.create(kind="import", dataset_id="x")

    first = lifecycle.claim(job.pk)

    assert first is not None and first.status == JobStatus.RUNNING
    assert (first.worker_host, first.worker_pid) == (lifecycle.HOST, os.getpid())
    assert lifecycle.claim(job.pk) is None


def test_recovery_fails_the_jobs_whose_process_is_gone_or_silent(db, queue) -> None:
    gone = running_job(pid=dead_pid())
    alive = running_job(pid=os.getpid())
    silent_elsewhere = running_job(pid=1, host="another-machine", silent_for=120)
    working_elsewhere = running_job(pid=1, host="another-machine", silent_for=2)

    recovered = supervision.recover_abandoned_jobs()

    assert sorted(recovered["failed"]) == sorted([gone.pk, silent_elsewhere.pk])
    for job in (gone, silent_elsewhere):
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.finished is not None
        assert job.error == {"code": "interrupted", "template": lifecycle.LOST, "params": {}}
    for job in (alive, working_elsewhere):
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING


def test_recovery_queues_again_a_queued_job_the_queue_lost(db, queue) -> None:
    old = timezone.now() - dt.timedelta(minutes=5)
    lost = Job.objects.create(kind="backoffice_import", dataset_id="x", created=old, parameters={"upload": "u"})
    still_queued = Job.objects.create(kind="backoffice_import", dataset_id="y", created=old)
    lifecycle.enqueue(still_queued)
    just_created = Job.objects.create(kind="backoffice_import", dataset_id="z")  # its task may not be queued yet

    recovered = supervision.recover_abandoned_jobs()

    assert recovered["requeued"] == [lost.pk]
    assert sorted((task.name, task.args[0]) for task in queue.pending()) == sorted(
        [("run_upload_import", lost.pk), ("run_upload_import", still_queued.pk)]
    )
    assert just_created.pk not in [task.args[0] for task in queue.pending()]


def test_an_interrupted_back_office_import_lets_the_agent_try_again(db, django_user_model) -> None:
    from datapolis.backoffice.models import Upload, UploadState
    from datapolis.catalog.models import Dataset

    agent = django_user_model.objects.create_user("agent")
    dataset = Dataset.objects.create(dataset_id="nouveau", title="Nouveau")  # created by the import, no data yet
    upload = Upload.objects.create(
        created_by=agent, original_name="a.csv", stored_name="a.csv", size=1, state=UploadState.IMPORTING
    )
    job = running_job(pid=dead_pid())
    job.kind, job.dataset_id, job.parameters = "backoffice_import", "nouveau", {"upload": str(upload.pk)}
    job.save()

    lifecycle.mark_failed(job, lifecycle.LOST)

    upload.refresh_from_db()
    assert upload.state == UploadState.FAILED
    assert not Dataset.objects.filter(pk=dataset.pk).exists()
