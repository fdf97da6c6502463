"""Refreshes run as jobs of the job worker: by hand (`datapolis refresh --queue`, the back office) or on schedule.

Every minute the worker queues a refresh job for each enabled source whose next refresh
is due and that has none queued or running; every ten minutes it checks every dataset's
freshness (`freshness.check_all`), which opens incidents and e-mails owners.
"""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from datapolis.catalog.models import Dataset
from datapolis.jobs import kinds, lifecycle, supervision
from datapolis.jobs.models import Job
from datapolis.sources import freshness, services
from datapolis.sources.models import Outcome

REFRESH_JOB = "refresh"


class RefreshFailed(Exception):
    """The refresh ended as failed (the last good version stays served)."""


@db_task()
def run_refresh(job_id: int) -> None:
    supervision.run_job(job_id)


def run_refresh_job(job: Job) -> dict[str, Any]:
    dataset = Dataset.objects.get(dataset_id=job.dataset_id)
    result = services.refresh(dataset, force=bool(job.parameters.get("force")), actor=job.created_by or None,
                              job_id=job.pk)  # fmt: skip
    if result.refresh.outcome == Outcome.FAILED:
        raise RefreshFailed(result.refresh.error)
    return {"refresh": result.refresh.pk, "outcome": result.refresh.outcome, "version": result.refresh.version}


def refresh_error(error: Exception) -> dict[str, Any]:
    return {"code": "refresh_failed", "message": str(error)}


REFRESH = kinds.register(
    kinds.JobKind(
        name=REFRESH_JOB,
        run=run_refresh_job,
        task=run_refresh,
        describe_error=refresh_error,
        expected_errors=(RefreshFailed,),
    )
)


def refresh_job(dataset: Dataset, *, force: bool = False, user: Any = None) -> Job:
    """Queue a refresh of `dataset` (the one already queued or running, if there is one)."""
    return lifecycle.queue_once(REFRESH_JOB, dataset.dataset_id, parameters={"force": force}, user=user)


def queue_due_refreshes() -> list[str]:
    due = services.due_sources().select_related("dataset")
    return [refresh_job(source.dataset).dataset_id for source in due]


@db_periodic_task(crontab(minute="*"))
def schedule_refreshes() -> list[str]:
    """Every minute: queue the refreshes that are due."""
    return queue_due_refreshes()


@db_periodic_task(crontab(minute="*/10"))
def check_freshness() -> dict[str, int]:
    """Every ten minutes: open and close freshness incidents."""
    return freshness.check_all()
