"""A process opens its DuckDB databases once: writes get private cursors of one writing database.

Opening a database costs about a second (its extensions, the lake's attachment); each
publication used to open one. A cursor costs nothing, and stays private: its temporary
tables and views are its own.
"""

from __future__ import annotations

import duckdb
import pytest

from datapolis.engine import LakeLocation, Prepared, Store
from datapolis.schema import FieldSpec


def _numbers(count: int):
    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute(f"CREATE TEMP VIEW src AS SELECT range AS n FROM range({count})")
        return Prepared("src", [FieldSpec("n", "n", "int")])

    return prepare


def _loaded(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}


def test_writes_share_one_database_and_keep_their_temporary_views_private(store: Store):
    first, second = store.connect(), store.connect()
    try:
        first.execute("CREATE TEMP VIEW mine AS SELECT 1 AS one")
        with pytest.raises(duckdb.CatalogException):
            second.execute("SELECT * FROM mine")
        first.execute("CREATE TABLE memory.main.probe AS SELECT 42 AS answer")  # not temporary: shared
        assert second.execute("SELECT answer FROM memory.main.probe").fetchone() == (42,)
        second.execute("DROP TABLE memory.main.probe")
        # the same view name in two cursors at once: two publications side by side do this
        store.publish("a", _numbers(3))
        store.publish("b", _numbers(4))
        assert [v.row_count for v in store.versions("a")] == [3] and store.version("b").row_count == 4
        assert second.execute(f"SELECT count(*) FROM {store.relation_sql('b')}").fetchone() == (4,)
    finally:
        first.close()
        second.close()


def test_a_closed_store_opens_a_new_writing_database(lake_location: LakeLocation):
    store = Store(lake_location)
    store.publish("numbers", _numbers(5))
    store.close()
    store.publish("numbers", _numbers(6))  # on a new database, which sees the first version too
    assert [v.row_count for v in store.versions("numbers")] == [5, 6]
    store.close()


def test_a_connection_loads_what_its_lake_uses(store: Store):
    con = store.connect()
    try:
        loaded = _loaded(con)
    finally:
        con.close()
    assert {"ducklake", "spatial", "fts", "excel"} <= loaded
    if store.location.is_postgres:
        assert "postgres_scanner" in loaded and "sqlite_scanner" not in loaded
    else:
        assert "sqlite_scanner" in loaded and "postgres_scanner" not in loaded
    assert "httpfs" not in loaded  # the data is on local disk here
    assert _loaded(store.cursor()) == loaded
