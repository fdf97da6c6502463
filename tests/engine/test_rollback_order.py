"""A rollback serves the restored version's rows in the same order, with the same ids."""

from __future__ import annotations

import duckdb
import pytest

from datapolis.engine import Prepared, Store
from datapolis.schema import FieldSpec

FIELDS = [FieldSpec("n", "n", "int"), FieldSpec("label", "label", "text")]


def shuffled(rows: int):
    """Rows in an order no sort gives back: a rollback has to keep it, not rebuild it."""

    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute(
            f"CREATE TEMP VIEW src AS SELECT (range * 7919) % 1000003 AS n, 'r' || range AS label FROM range({rows})"
        )
        return Prepared("src", FIELDS)

    return prepare


def served(store: Store, number: int) -> list[tuple]:
    return store.cursor().execute(f"SELECT _id, n, label FROM {store.relation_sql('counts', number)}").fetchall()


@pytest.mark.slow
def test_a_million_rows_come_back_in_their_order(store: Store):
    """With several threads, DuckDB 1.5 wrote a million restored rows out of order."""
    store.publish("counts", shuffled(1_000_000))
    store.publish("counts", shuffled(10))
    original = served(store, 1)
    restored = store.rollback("counts", 1)
    assert served(store, restored.number) == original
    again = store.rollback("counts", restored.number)
    assert served(store, again.number) == original
