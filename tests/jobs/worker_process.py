"""A real `datapolis worker` process for a test instance, its queue, and waiting for its jobs."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from huey.storage import SqliteStorage

from datapolis.jobs.models import Job

REPO = Path(__file__).resolve().parents[2]


def jobs_queue(instance_env: dict[str, str]) -> SqliteStorage:
    """The queue the worker of the instance in `instance_env` reads: queue into it from the test."""
    return SqliteStorage("datapolis", filename=str(Path(instance_env["DATAPOLIS_HOME"]) / "jobs.sqlite3"))


@contextmanager
def running_worker(instance_env: dict[str, str]) -> Iterator[None]:
    """`datapolis worker` running with the environment `instance_env`, stopped on leaving."""
    process = subprocess.Popen(
        [sys.executable, "-m", "datapolis.cli", "worker"],
        env=instance_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(job: Job, seconds: float = 120) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_done:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status}")
