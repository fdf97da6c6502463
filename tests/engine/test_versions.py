"""Every publication is a version; earlier versions stay readable; rollback republishes one."""

from __future__ import annotations

import duckdb
import pytest

from datapolis.engine import DatasetNotFound, Prepared, Store, VersionNotFound
from datapolis.schema import FieldSpec

FIELDS = [FieldSpec("code_insee", "Code INSEE", "text"), FieldSpec("population", "Population", "int")]


def communes(rows: list[tuple[str, int]]):
    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute("CREATE TEMP TABLE src (code_insee VARCHAR, population BIGINT)")
        con.executemany("INSERT INTO src VALUES (?, ?)", rows)
        return Prepared("src", FIELDS, {"format": "test"})

    return prepare


def rows_of(store: Store, dataset_id: str, number: int | None = None) -> list[tuple]:
    relation = store.relation_sql(dataset_id, number)
    return store.cursor().execute(f"SELECT code_insee, population FROM {relation} ORDER BY 1").fetchall()


def test_each_publication_is_a_new_numbered_version(store: Store) -> None:
    first = store.publish("communes", communes([("35238", 227830)]), author="agent", message="import")
    second = store.publish("communes", communes([("35238", 227830), ("35047", 17000)]))

    assert (first.number, first.row_count, first.author, first.message) == (1, 1, "agent", "import")
    assert (second.number, second.row_count) == (2, 2)
    assert [v.number for v in store.versions("communes")] == [1, 2]
    assert [f.name for f in second.fields] == ["code_insee", "population"]
    assert second.source == {"format": "test"}


def test_any_version_stays_readable(store: Store) -> None:
    store.publish("communes", communes([("35238", 227830)]))
    store.publish("communes", communes([("35047", 17000)]))

    assert rows_of(store, "communes", 1) == [("35238", 227830)]
    assert rows_of(store, "communes") == [("35047", 17000)]


def test_rollback_publishes_the_old_data_as_a_new_version(store: Store) -> None:
    store.publish("communes", communes([("35238", 227830)]))
    store.publish("communes", communes([("35047", 17000), ("35051", 5000)]))

    restored = store.rollback("communes", 1, author="admin")

    assert (restored.number, restored.restored_from, restored.row_count) == (3, 1, 1)
    assert rows_of(store, "communes") == [("35238", 227830)]
    assert rows_of(store, "communes", 2) == [("35047", 17000), ("35051", 5000)]


def test_record_ids_are_stable_fingerprints(store: Store) -> None:
    store.publish("communes", communes([("35238", 227830), ("35047", 17000)]))
    store.publish("communes", communes([("35047", 17000)]))
    ids = {
        n: dict(store.cursor().execute(f"SELECT code_insee, _id FROM {store.relation_sql('communes', n)}").fetchall())
        for n in (1, 2)
    }
    assert ids[1]["35047"] == ids[2]["35047"]
    assert ids[1]["35047"] != ids[1]["35238"]
    assert len(ids[1]["35047"]) == 32


def test_unknown_dataset_and_version_are_errors(store: Store) -> None:
    with pytest.raises(DatasetNotFound):
        store.version("nope")
    store.publish("communes", communes([("35238", 227830)]))
    with pytest.raises(VersionNotFound):
        store.version("communes", 7)


def test_delete_removes_the_dataset_and_numbers_keep_growing(store: Store) -> None:
    store.publish("communes", communes([("35238", 227830)]))
    store.delete("communes")

    assert not store.has_dataset("communes")
    assert store.dataset_ids() == []
    again = store.publish("communes", communes([("35047", 17000)]))
    assert again.number == 2
    assert [v.number for v in store.versions("communes")] == [2]


def test_dataset_ids_may_hold_any_character(store: Store) -> None:
    store.publish('odd"name; DROP TABLE x', communes([("1", 1)]))
    assert store.dataset_ids() == ['odd"name; DROP TABLE x']


def test_a_failing_reader_leaves_the_current_version_served(store: Store) -> None:
    store.publish("communes", communes([("35238", 227830)]))

    def broken(con: duckdb.DuckDBPyConnection) -> Prepared:
        raise ValueError("bad file")

    with pytest.raises(ValueError):
        store.publish("communes", broken)
    assert [v.number for v in store.versions("communes")] == [1]
    assert rows_of(store, "communes") == [("35238", 227830)]
