"""Work done off the request path by the job worker (`datapolis worker`, or the one `datapolis serve` starts).

A task only runs its job in a child process (`supervision.run_job`), which makes sure
the job ends SUCCEEDED or FAILED whatever stops it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from datapolis.jobs import supervision
from datapolis.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)


def enqueue_import(
    path: Path,
    dataset_id: str,
    *,
    options: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    visibility: str | None = None,
    publish: bool = True,
    user=None,
) -> Job:
    """Record an import job and queue it for the worker."""
    job = Job.objects.create(
        kind="import",
        dataset_id=dataset_id,
        created_by=user,
        parameters={
            "path": str(path),
            "options": options or {},
            "metadata": metadata or {},
            "visibility": visibility,
            "publish": publish,
        },
    )
    run_import(job.pk)
    return job


@db_task()
def run_import(job_id: int) -> None:
    supervision.run_job(job_id)


@db_periodic_task(crontab(minute="*"))
def recover_abandoned_jobs() -> dict[str, list[int]]:
    """Every minute: fail the jobs whose process is gone (a worker on another machine may have died)."""
    return supervision.recover_abandoned_jobs()


def import_job(job_id: int) -> None:
    """An import job's work, in the job's process (the job is RUNNING, claimed by it)."""
    from datapolis.catalog import services
    from datapolis.engine import StoreError
    from datapolis.ingest import IngestError, ReadOptions

    job = Job.objects.get(pk=job_id)
    params = job.parameters
    try:
        result = services.import_file(
            Path(params["path"]),
            job.dataset_id,
            options=ReadOptions(**params["options"]),
            metadata=params["metadata"] or None,
            visibility=params["visibility"],
            publish=params["publish"],
            author=job.created_by.get_username() if job.created_by else None,
        )
    except IngestError as error:
        _finish(job, JobStatus.FAILED, error={**error.to_dict(), "template": error.template, "params": error.params})
    except (StoreError, ValueError) as error:
        _finish(job, JobStatus.FAILED, error={"message": str(error), "code": "store_error"})
    except Exception as error:
        logger.exception("import job %s failed", job_id)
        _finish(job, JobStatus.FAILED, error={"message": f"unexpected error: {error}", "code": "internal_error"})
        raise
    else:
        version = result.version
        _finish(job, JobStatus.SUCCEEDED, result={"version": version.number, "records_count": version.row_count})


def _finish(job: Job, status: str, *, result: dict | None = None, error: dict | None = None) -> None:
    job.status, job.finished = status, timezone.now()
    job.result, job.error = result or {}, error or {}
    job.save(update_fields=["status", "finished", "result", "error"])
