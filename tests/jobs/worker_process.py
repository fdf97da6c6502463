"""A real `datapolis worker` process for a test instance, its queue, and waiting for its jobs."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from huey.storage import SqliteStorage

from datapolis.jobs.models import Job

REPO = Path(__file__).resolve().parents[2]


def jobs_queue(instance_env: dict[str, str]) -> SqliteStorage:
    """The queue the worker of the instance in `instance_env` reads: queue into it from the test."""
    return SqliteStorage("datapolis", filename=str(Path(instance_env["DATAPOLIS_HOME"]) / "jobs.sqlite3"))


def start_worker(instance_env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """`datapolis worker` with the environment `instance_env`, leader of its own process group
    (its job processes are in it), its output in `log`."""
    output = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "datapolis.cli", "worker"],
        env=instance_env,
        cwd=REPO,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )


@contextmanager
def running_worker(instance_env: dict[str, str]) -> Iterator[None]:
    """`datapolis worker` running with the environment `instance_env`, stopped on leaving."""
    process = start_worker(instance_env)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until(condition: Callable[[], object], seconds: float = 60, what: str = "condition") -> object:
    """Poll `condition` until it returns something true; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: still not true after {seconds} s")


def wait_for(job: Job, seconds: float = 120) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_done:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status}")


def large_french_csv(path: Path, rows: int) -> Path:
    """A French-style CSV (`;`, decimal commas, dd/mm/yyyy dates) of `rows` rows, written by DuckDB in a second."""
    import duckdb

    duckdb.sql(
        f"""COPY (SELECT 'C' || lpad(i::VARCHAR, 7, '0') AS identifiant, 'Commune n°' || i AS nom,
            (hash(i) % 90000 + 100)::VARCHAR AS population,
            replace(printf('%.2f', (hash(i * 7) % 8000) / 100.0), '.', ',') AS surface_km2,
            printf('%02d/%02d/20%02d', hash(i * 3) % 28 + 1, hash(i * 5) % 12 + 1, hash(i * 11) % 14 + 10)
                AS date_recensement,
            replace(printf('%.6f', 43 + (hash(i * 13) % 6000000) / 1000000.0), '.', ',') AS latitude,
            replace(printf('%.6f', -1 + (hash(i * 17) % 7000000) / 1000000.0), '.', ',') AS longitude
        FROM range({int(rows)}) t(i)) TO '{path}' (HEADER, DELIMITER ';', QUOTE '')"""
    )
    return path
