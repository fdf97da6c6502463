"""A publication killed midway (SIGKILL) leaves the previous version served and intact,
and concurrent readers in other processes only ever see complete versions."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from datapolis.engine import LakeLocation, Prepared, Store
from datapolis.schema import FieldSpec

REPO = Path(__file__).resolve().parents[2]
FIELDS = [FieldSpec("n", "n", "int"), FieldSpec("label", "label", "text")]


def numbers(rows: int):
    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute(f"CREATE TEMP VIEW src AS SELECT range AS n, 'row ' || range AS label FROM range({rows})")
        return Prepared("src", FIELDS)

    return prepare


def worker(location: LakeLocation, *args: str) -> list[str]:
    return [sys.executable, "-m", "tests.engine.lake_worker", json.dumps(dataclasses.asdict(location)), *args]


def checksum(store: Store, dataset_id: str, number: int | None = None) -> tuple[int, int]:
    relation = store.relation_sql(dataset_id, number)
    count, total = store.cursor().execute(f"SELECT count(*), sum(n) FROM {relation}").fetchone()
    return count, int(total)


def test_sigkill_during_publication_keeps_the_previous_version(
    store: Store, lake_location: LakeLocation, tmp_path: Path
) -> None:
    store.publish("counts", numbers(1000))
    before = checksum(store, "counts")
    marker = tmp_path / "marker"

    process = subprocess.Popen(worker(lake_location, "publish-slow", "counts", "30000000", str(marker)), cwd=REPO)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    assert marker.exists(), "the worker never reached the write"
    time.sleep(0.5)  # well inside the write of 30M rows
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL

    fresh = Store(lake_location)  # a new process's view of the lake
    assert [v.number for v in fresh.versions("counts")] == [1]
    assert checksum(fresh, "counts") == before == (1000, sum(range(1000)))
    following = fresh.publish("counts", numbers(10))
    assert following.number == 2
    assert checksum(fresh, "counts") == (10, 45)
    fresh.close()


def test_readers_in_another_process_only_see_complete_versions(store: Store, lake_location: LakeLocation) -> None:
    sizes = [1000, 200_000, 5, 300_000, 42]
    store.publish("counts", numbers(sizes[0]))
    reader = subprocess.Popen(
        worker(lake_location, "read-loop", "counts", "6"), cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    for size in sizes[1:]:
        store.publish("counts", numbers(size))
    output, _ = reader.communicate(timeout=120)

    assert reader.returncode == 0
    seen = {tuple(pair) for pair in json.loads(output)}
    complete = {(size, sum(range(size))) for size in sizes}
    assert seen, "the reader saw nothing"
    assert seen <= complete, f"partial versions seen: {seen - complete}"
