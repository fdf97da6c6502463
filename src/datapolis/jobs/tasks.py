"""The jobs app's own work in the job worker (`datapolis worker`, or the one `datapolis serve` starts).

Each kind of job has its Huey task, registered with the kind by the app that owns it
(`datapolis.jobs.kinds`); the task only runs its job in a child process
(`supervision.run_job`), which makes sure the job ends SUCCEEDED or FAILED whatever stops it.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from datapolis.jobs import supervision


@db_periodic_task(crontab(minute="*"))
def recover_abandoned_jobs() -> dict[str, list[int]]:
    """Every minute: fail the jobs whose process is gone (a worker on another machine may have died)."""
    return supervision.recover_abandoned_jobs()
