"""Imports queued by the web process are done by a separate worker process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from datapolis.jobs.models import Job, JobStatus
from tests.conftest import instance_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(instance_env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """A `datapolis worker` process, with this process queueing into its queue."""
    from huey.storage import SqliteStorage

    from datapolis.jobs import tasks

    queue = SqliteStorage("datapolis", filename=str(Path(instance_env["DATAPOLIS_HOME"]) / "jobs.sqlite3"))
    monkeypatch.setattr(tasks.run_import.huey, "storage", queue)
    process = subprocess.Popen(
        [sys.executable, "-m", "datapolis.cli", "worker"],
        env=instance_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield instance_env
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


def test_the_worker_imports_and_reports(worker: dict[str, str], shared_datasets: Path) -> None:
    from datapolis.jobs.tasks import enqueue_import

    job = enqueue_import(shared_datasets / "joconde" / "joconde.csv", "joconde", metadata={"title": "Joconde"})

    done = wait_for(job)
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert done.result == {"version": 1, "records_count": 100}
    store = instance_store(worker)
    assert store.version("joconde").row_count == 100
    store.close()


def test_a_failed_import_is_reported_with_its_location(worker: dict[str, str], tmp_path: Path) -> None:
    from datapolis.jobs.tasks import enqueue_import

    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    done = wait_for(enqueue_import(ragged, "ragged"))

    assert done.status == JobStatus.FAILED
    assert done.error["line"] == 3
    assert done.error["code"]
