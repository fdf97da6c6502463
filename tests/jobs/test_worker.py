"""Imports queued by the web process are done by a separate worker process."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.jobs.models import JobStatus
from tests.conftest import instance_store
from tests.jobs.worker_process import jobs_queue, running_worker, wait_for


@pytest.fixture
def worker(instance_env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """A `datapolis worker` process, with this process queueing into its queue."""
    from datapolis.jobs import tasks

    monkeypatch.setattr(tasks.run_import.huey, "storage", jobs_queue(instance_env))
    with running_worker(instance_env):
        yield instance_env


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
