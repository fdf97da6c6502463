"""Back-office work done by the job worker (`datapolis worker` finds this module by itself)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_upload_import(job_id: int) -> None:
    """Import a large upload, in a process of its own; the agent follows the job on its status page."""
    from datapolis.jobs.supervision import run_job

    run_job(job_id)


def release_upload(job) -> None:
    """An upload import that was interrupted: the agent may try again, and a dataset it created without data goes."""
    from datapolis.backoffice.models import Upload, UploadState
    from datapolis.catalog.models import Dataset

    upload = Upload.objects.filter(pk=job.parameters.get("upload")).first()
    if upload is None:
        return
    if upload.state == UploadState.IMPORTING:
        upload.state = UploadState.FAILED
        upload.save(update_fields=["state"])
    if not upload.is_replacement:
        Dataset.objects.filter(dataset_id=job.dataset_id, current_version__isnull=True).delete()


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_stale_uploads() -> int:
    """Every night: delete unfinished uploads older than DATAPOLIS_BACKOFFICE_UPLOAD_DAYS."""
    from datapolis.backoffice.services import purge_stale_uploads as purge

    return purge()
