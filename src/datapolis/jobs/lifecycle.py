"""How a job goes from queued to its end, for every kind of job.

QUEUED (`create`, then `enqueue`) → RUNNING (`claim`, atomically: a job queued twice
runs once) → SUCCEEDED or FAILED (`execute`, the one runner, whether Huey runs the job
in its own process or a supervised child process does). A job whose own code did not
finish it — interrupted, or abandoned by a process that died — is failed from outside
(`mark_failed`), and its kind undoes what it left half done. Which process runs a job,
and what happens when it dies, is `datapolis.jobs.supervision`'s part.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from datapolis.jobs import kinds
from datapolis.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

HOST = socket.gethostname()

STOPPED = gettext_noop("The import was interrupted: the job worker was stopped before it finished.")
LOST = gettext_noop(
    "The import was interrupted: the job worker stopped unexpectedly (it was killed, or the machine restarted) "
    "before it finished."
)


class JobInterrupted(BaseException):
    """Raised in the child's main thread by SIGTERM or SIGINT (a BaseException: no `except Exception` keeps it)."""


def interrupted_error(template: str) -> dict[str, Any]:
    return {"code": "interrupted", "template": template, "params": {}}


def create(kind: str, dataset_id: str, *, parameters: dict[str, Any], user: Any = None) -> Job:
    """A new QUEUED job of a registered kind; `enqueue` it once what it reads is saved."""
    if kinds.get(kind) is None:
        raise ValueError(f"no job kind {kind!r} is registered")
    return Job.objects.create(kind=kind, dataset_id=dataset_id, created_by=user, parameters=parameters)


def queue_once(kind: str, dataset_id: str, *, parameters: dict[str, Any], user: Any = None) -> Job:
    """Queue a job, unless the same one (kind, dataset, parameters) is already queued or running: that one."""
    pending = Job.objects.filter(
        kind=kind, dataset_id=dataset_id, parameters=parameters, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).first()
    if pending is not None:
        return pending
    job = create(kind, dataset_id, parameters=parameters, user=user)
    enqueue(job)
    return job


def enqueue(job: Job) -> None:
    """Queue a job for the worker (again, if it had not started: a job queued twice still runs once)."""
    kinds.get(job.kind).task(job.pk)


def claim(job_id: int) -> Job | None:
    """Take a queued job for this process; None when it is not queued (done, or another process has it)."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started=now, heartbeat=now, worker_host=HOST, worker_pid=os.getpid()
    )
    return Job.objects.get(pk=job_id) if taken else None


def execute(job_id: int, *, interrupted: Callable[[], bool] = lambda: False) -> Job | None:
    """Claim and run a job in this process; it ends SUCCEEDED or FAILED (None: it was not ours to run)."""
    job = claim(job_id)
    if job is None:
        logger.info("job %s is not queued any more: skipped", job_id)
        return None
    try:
        run(job)
    except JobInterrupted:
        pass
    except BaseException:
        if not interrupted():
            logger.exception("job %s failed", job_id)
    job.refresh_from_db()
    if interrupted() and job.status != JobStatus.SUCCEEDED:
        mark_failed(job, STOPPED)
    elif not job.is_done:
        mark_failed(job, LOST)
    return job


def run(job: Job) -> None:
    """Do a claimed job's work and record its end; an unexpected error is raised again once recorded."""
    kind = kinds.get(job.kind)
    if kind is None:
        raise LookupError(f"job {job.pk}: no job kind {job.kind!r} is registered")
    try:
        result = kind.run(job)
    except Exception as error:
        finish(job, JobStatus.FAILED, error=kind.describe_error(error))
        if not isinstance(error, kind.expected_errors):
            raise
    else:
        finish(job, JobStatus.SUCCEEDED, result=result)


def finish(job: Job, status: str, *, result: dict | None = None, error: dict | None = None) -> None:
    job.status, job.finished = status, timezone.now()
    job.result, job.error = result or {}, error or {}
    job.save(update_fields=["status", "finished", "result", "error"])


def mark_failed(job: Job, template: str) -> None:
    """Fail a job whose own code did not finish it, and let its kind undo what it left half done."""
    updated = (
        Job.objects.filter(pk=job.pk)
        .exclude(status=JobStatus.SUCCEEDED)
        .update(status=JobStatus.FAILED, finished=timezone.now(), error=interrupted_error(template), result={})
    )
    if not updated:
        return
    job.refresh_from_db()
    kind = kinds.get(job.kind)
    if kind is not None and kind.abandoned is not None:
        try:
            kind.abandoned(job)
        except Exception:
            logger.exception("could not clean up after job %s", job.pk)
