"""Harvest runs as jobs of the job worker: by hand (`datapolis harvest run`, the back office) or on schedule.

Every minute the worker queues a harvest job for each enabled source whose next run is
due and that has no harvest queued or running; the job runs the source in a child process
(`jobs.supervision`) and ends like every job (`jobs.lifecycle`).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from datapolis.harvest import services
from datapolis.harvest.models import HarvestSource, RunStatus
from datapolis.jobs import kinds, lifecycle, supervision
from datapolis.jobs.models import Job

HARVEST_JOB = "harvest"


@db_task()
def run_harvest(job_id: int) -> None:
    supervision.run_job(job_id)


def run_harvest_job(job: Job) -> dict[str, Any]:
    source = HarvestSource.objects.get(name=job.parameters["source"])
    run = services.run_source(source, actor=job.created_by or None, job_id=job.pk)
    if run.status == RunStatus.FAILED:
        raise services.HarvestError(run.error)
    return {"run": run.pk, **run.counts()}


def harvest_error(error: Exception) -> dict[str, Any]:
    return {"code": "harvest_failed", "message": str(error)}


HARVEST = kinds.register(
    kinds.JobKind(
        name=HARVEST_JOB,
        run=run_harvest_job,
        task=run_harvest,
        describe_error=harvest_error,
        expected_errors=(services.HarvestError,),
    )
)


def harvest_job(source: HarvestSource, *, user: Any = None) -> Job:
    """Queue a run of `source` (the one already queued or running, if there is one)."""
    return lifecycle.queue_once(HARVEST_JOB, "", parameters={"source": source.name}, user=user)


def queue_due_harvests() -> list[str]:
    due = HarvestSource.objects.filter(enabled=True, every__isnull=False, next_run__lte=timezone.now())
    return [harvest_job(source).parameters["source"] for source in due]


@db_periodic_task(crontab(minute="*"))
def schedule_harvests() -> list[str]:
    """Every minute: queue the harvests that are due."""
    return queue_due_harvests()
