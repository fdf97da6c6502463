"""Back-office work done by the job worker, and the kind of job that imports a large upload.

Django imports this module when it starts (`BackofficeConfig.ready`), so every process —
web, worker, job child — knows the kind before it creates, queues or runs such a job.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from datapolis.backoffice import services
from datapolis.ingest import IngestError
from datapolis.jobs import kinds, supervision


@db_task()
def run_upload_import(job_id: int) -> None:
    """Import a large upload, in a process of its own; the agent follows the job on its status page."""
    supervision.run_job(job_id)


UPLOAD_IMPORT = kinds.register(
    kinds.JobKind(
        name=services.IMPORT_JOB,
        run=services.run_import_job,
        task=run_upload_import,
        describe_error=services.import_job_error,
        expected_errors=(IngestError,),
        abandoned=services.release_upload,
    )
)


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_stale_uploads() -> int:
    """Every night: delete unfinished uploads older than DATAPOLIS_BACKOFFICE_UPLOAD_DAYS."""
    return services.purge_stale_uploads()
