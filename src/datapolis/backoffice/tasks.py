"""Back-office work done by the worker (`datapolis worker` finds this module by itself)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_upload_import(job_id: int) -> None:
    """Import a large upload; the agent follows the job on its status page."""
    from datapolis.backoffice.services import run_import_job

    run_import_job(job_id)


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_stale_uploads() -> int:
    """Every night: delete unfinished uploads older than DATAPOLIS_BACKOFFICE_UPLOAD_DAYS."""
    from datapolis.backoffice.services import purge_stale_uploads as purge

    return purge()
