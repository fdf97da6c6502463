"""Current versions are served from a local read-only copy, built at publication."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from datapolis.engine import LakeLocation, Prepared, Store
from datapolis.engine.serving import ServingCache
from datapolis.schema import FieldSpec

FIELDS = [FieldSpec("n", "n", "int")]


def numbers(rows: int):
    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute(f"CREATE TEMP VIEW src AS SELECT range AS n FROM range({rows})")
        return Prepared("src", FIELDS)

    return prepare


def total(store: Store, relation: str) -> tuple[int, int]:
    count, total = store.cursor().execute(f"SELECT count(*), sum(n) FROM {relation}").fetchone()
    return count, int(total)


def test_publication_builds_the_serving_copy_and_queries_use_it(lake_location: LakeLocation, tmp_path: Path) -> None:
    store = Store(lake_location, serving=ServingCache(tmp_path / "serving"))
    version = store.publish("numbers", numbers(100))

    relation = store.serving_relation_sql("numbers", version.snapshot_id)

    assert store.serving.is_built("numbers", version.snapshot_id)
    assert relation.sql.startswith('"serving_') and "AT (VERSION" not in relation.sql
    assert total(store, relation) == (100, 4950)
    store.close()


def test_a_new_version_supersedes_the_old_copy(lake_location: LakeLocation, tmp_path: Path) -> None:
    store = Store(lake_location, serving=ServingCache(tmp_path / "serving"))
    first = store.publish("numbers", numbers(10))
    second = store.publish("numbers", numbers(20))

    assert not store.serving.is_built("numbers", first.snapshot_id)
    assert total(store, store.serving_relation_sql("numbers", second.snapshot_id)) == (20, 190)
    # the old version stays readable from the lake
    assert total(store, store.relation_sql("numbers", 1)) == (10, 45)
    store.close()


def test_a_version_published_elsewhere_is_served_from_the_lake_then_copied(
    lake_location: LakeLocation, tmp_path: Path
) -> None:
    publisher = Store(lake_location)  # e.g. another machine, without this one's cache
    version = publisher.publish("numbers", numbers(50))
    reader = Store(lake_location, serving=ServingCache(tmp_path / "serving"))

    first = reader.serving_relation_sql("numbers", version.snapshot_id)
    assert "AT (VERSION" in first.sql
    assert total(reader, first) == (50, 1225)
    deadline = time.monotonic() + 30
    while not reader.serving.is_built("numbers", version.snapshot_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    later = reader.serving_relation_sql("numbers", version.snapshot_id)
    assert later.sql.startswith('"serving_')
    assert total(reader, later) == (50, 1225)
    publisher.close()
    reader.close()


def test_delete_removes_the_copies(lake_location: LakeLocation, tmp_path: Path) -> None:
    store = Store(lake_location, serving=ServingCache(tmp_path / "serving"))
    version = store.publish("numbers", numbers(5))
    store.delete("numbers")
    assert not store.serving.is_built("numbers", version.snapshot_id)
    store.close()


def test_an_evicted_copy_stays_readable_until_its_grace_period_ends(
    lake_location: LakeLocation, tmp_path: Path
) -> None:
    cache = ServingCache(tmp_path / "serving", max_attached=1, detach_grace_seconds=0.2)
    store = Store(lake_location, serving=cache)
    first = store.publish("first", numbers(3000))
    second = store.publish("second", numbers(10))
    old = store.serving_relation_sql("first", first.snapshot_id)
    reading = store.cursor().cursor().execute(f"SELECT n FROM {old} ORDER BY n")  # an export's own cursor
    store.serving_relation_sql("second", second.snapshot_id)  # evicts the first copy

    assert reading.fetchmany(5) == [(0,), (1,), (2,), (3,), (4,)]
    assert total(store, old) == (3000, sum(range(3000)))

    def attached() -> set[str]:
        rows = store.cursor().execute("SELECT database_name FROM duckdb_databases()").fetchall()
        return {name for (name,) in rows if name.startswith("serving_")}

    assert len(attached()) == 2  # the evicted copy waits out its grace period
    time.sleep(0.3)
    store.serving_relation_sql("first", first.snapshot_id)  # back in use; the second is evicted
    store.serving_relation_sql("second", second.snapshot_id)  # the first evicted long ago: detached now
    assert total(store, store.serving_relation_sql("second", second.snapshot_id)) == (10, 45)
    assert len(attached()) == 2
    time.sleep(0.3)
    store.serving_relation_sql("second", second.snapshot_id)
    assert attached() == {store.serving_relation_sql("second", second.snapshot_id).sql.split(".")[0].strip('"')}
    store.close()
