"""The service survives an engine failure: an invalidated DuckDB database is replaced.

After an internal error DuckDB invalidates its database and every later statement fails
("database has been invalidated ... must be restarted"): before issue 10 the API then
answered 500 to every request until the process restarted. Now the failing request gets
a JSON error and the process's connection (with its serving copies) is replaced.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from datapolis.engine import LakeLocation, Prepared, Store
from datapolis.engine.failures import is_data_error, is_engine_failure
from datapolis.engine.serving import ServingCache
from datapolis.schema import FieldSpec

REPO = Path(__file__).resolve().parents[2]
RUNS = 8  # the corruption may kill a run outright (a double free); another run is started
RUN_SECONDS = 60  # a run takes 2-5 s; a corrupted heap can also deadlock it (a malloc lock held)


@pytest.mark.slow
@pytest.mark.once  # DuckDB's own failure: the metadata database plays no part
def test_a_really_invalidated_database_is_replaced_and_the_next_request_answered(instance_env, shared_datasets):
    csv = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    outcomes = []
    for _ in range(RUNS):
        try:
            run = subprocess.run(
                [sys.executable, "-m", "tests.engine.engine_failure_child", str(csv)],
                cwd=REPO, env=instance_env, capture_output=True, text=True, timeout=RUN_SECONDS,
            )  # fmt: skip
        except subprocess.TimeoutExpired:  # killed by subprocess.run; another run is started
            outcomes.append(("hung", ""))
            continue
        if run.returncode == 0:
            report = json.loads(run.stdout.strip().splitlines()[-1])
            if report["failure"] is not None:
                break
        outcomes.append((run.returncode, run.stderr[-500:]))
    else:
        pytest.fail(f"DuckDB was never invalidated in {RUNS} runs: {outcomes}")
    assert report["before"]["status"] == 200 and len(report["before"]["body"]["results"]) == 3
    assert report["invalidated"], report  # the database really refused every statement
    during = report["during"]
    assert during["status"] == 500 and during["type"].startswith("application/json"), during
    assert during["body"]["error_code"] == "InternalServerError"
    assert report["after"]["status"] == 200, report["after"]
    assert report["after"]["body"]["results"] == report["before"]["body"]["results"]
    assert report["again"]["status"] == 200
    assert report["generation_after"] == report["generation_before"] + 1  # replaced once


@pytest.fixture
def served(tmp_path: Path, lake_location: LakeLocation):
    store = Store(lake_location, serving=ServingCache(tmp_path / "serving"))

    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute("CREATE TEMP VIEW src AS SELECT range AS n FROM range(5)")
        return Prepared("src", [FieldSpec("n", "n", "int")])

    version = store.publish("numbers", prepare)
    yield store, version
    store.close()


def test_an_invalidated_attached_database_replaces_the_connection_and_reattaches_copies(served, tmp_path):
    """DuckDB can also invalidate one attached database (a failed checkpoint): the same recovery."""
    store, version = served
    relation = store.serving_relation_sql("numbers", version.snapshot_id)
    assert store.cursor().execute(f"SELECT sum(n) FROM {relation}").fetchone() == (10,)
    cursor = store.cursor()
    cursor.execute(f"ATTACH '{tmp_path / 'scratch.duckdb'}' AS scratch")
    cursor.execute("CREATE TABLE scratch.t AS SELECT range AS i FROM range(1000)")
    cursor.execute("SET debug_checkpoint_abort = 'before_header'")
    with pytest.raises(duckdb.Error) as failure:
        cursor.execute("CHECKPOINT scratch")
    assert is_engine_failure(failure.value)
    with pytest.raises(duckdb.Error, match="has been invalidated"):
        cursor.execute("SELECT count(*) FROM scratch.t")

    assert store.recover(failure.value) is True
    fresh = store.cursor()
    assert fresh is not cursor
    assert fresh.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'scratch'").fetchone() == (0,)
    relation = store.serving_relation_sql("numbers", version.snapshot_id)
    assert store.cursor().execute(f"SELECT sum(n) FROM {relation}").fetchone() == (10,)


def test_threads_reporting_the_same_failure_replace_the_connection_once(served):
    store, version = served
    store.cursor()
    other_thread: list = []
    taken, reported, recovered = threading.Event(), threading.Event(), threading.Event()

    def other() -> None:
        stale = store.cursor()  # taken before the failure
        taken.set()
        reported.wait(10)
        other_thread.append(store.recover(duckdb.FatalException("database has been invalidated")))
        other_thread.append(store.cursor() is not stale)
        recovered.set()

    worker = threading.Thread(target=other)
    worker.start()
    taken.wait(10)
    assert store.recover(duckdb.InternalException("INTERNAL Error: an assertion failed")) is True
    reported.set()
    recovered.wait(10)
    worker.join()
    assert other_thread == [True, True]
    assert store._generation == 1
    relation = store.serving_relation_sql("numbers", version.snapshot_id)
    assert store.cursor().execute(f"SELECT count(*) FROM {relation}").fetchone() == (5,)


def test_errors_of_a_query_are_not_engine_failures(served):
    store, _ = served
    cursor = store.cursor()
    with pytest.raises(duckdb.Error) as missing:
        cursor.execute("SELECT * FROM no_such_table")
    assert not is_engine_failure(missing.value) and store.recover(missing.value) is False
    with pytest.raises(duckdb.Error) as overflow:
        cursor.execute("SELECT 9223372036854775807::BIGINT + 1")
    assert is_data_error(overflow.value) and not is_engine_failure(overflow.value)
    assert store.cursor() is cursor  # the connection is kept
