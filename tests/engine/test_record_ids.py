"""A record id is stable for the same row across versions and reveals nothing of the row's values."""

from __future__ import annotations

import duckdb

from datapolis.engine import LakeLocation, Prepared, Store
from datapolis.engine.store import RECORD_ID_SEEDS
from datapolis.schema import FieldSpec

FIELDS = [FieldSpec("agent", "Agent", "text"), FieldSpec("salaire", "Salaire", "int")]
ROWS = [(f"agent-{n}", 2000 + 37 * n) for n in range(10)]


def agents(con: duckdb.DuckDBPyConnection) -> Prepared:
    values = ", ".join(f"('{name}', {salary})" for name, salary in ROWS)
    con.execute(f"CREATE TEMP VIEW agents AS SELECT * FROM (VALUES {values}) AS t(agent, salaire)")
    return Prepared("agents", FIELDS)


def ids(store: Store, number: int | None = None) -> dict[str, str]:
    rows = store.cursor().execute(f"SELECT agent, _id FROM {store.relation_sql('agents', number)}").fetchall()
    return dict(rows)


def test_the_same_row_keeps_its_id_across_versions_and_processes(lake_location: LakeLocation):
    first = Store(lake_location, record_id_key="instance-key")
    first.publish("agents", agents)
    second = Store(lake_location, record_id_key="instance-key")  # another process of the instance
    second.publish("agents", agents)
    assert ids(second, 1) == ids(second, 2)
    assert len(set(ids(second, 2).values())) == len(ROWS)
    first.close()
    second.close()


def test_another_instance_key_gives_other_ids(lake_location: LakeLocation):
    store = Store(lake_location, record_id_key="one key")
    store.publish("agents", agents)
    other = Store(lake_location, record_id_key="another key")
    other.publish("agents", agents)
    assert set(ids(other, 1).values()).isdisjoint(ids(other, 2).values())
    store.close()
    other.close()


OLD_ID = f"printf('%016x%016x', hash({RECORD_ID_SEEDS[0]}, agent, salaire), hash({RECORD_ID_SEEDS[1]}, agent, salaire))"


def guessed_salaries(con: duckdb.DuckDBPyConnection, published: dict[str, str]) -> dict[str, int]:
    """The attack that worked: knowing the visible field, hash every candidate salary as the code does."""
    con.execute("CREATE OR REPLACE TEMP TABLE published (agent VARCHAR, id VARCHAR)")
    con.executemany("INSERT INTO published VALUES (?, ?)", list(published.items()))
    rows = con.execute(
        f"""
        SELECT p.agent, g.salaire FROM published p, range(1500, 3000) AS g(salaire)
        WHERE p.id = (SELECT {OLD_ID} FROM (SELECT p.agent AS agent, g.salaire AS salaire))
        """
    ).fetchall()
    return dict(rows)


def test_hashing_guesses_finds_no_hidden_value(store: Store):
    con = duckdb.connect()
    values = ", ".join(f"('{name}', {salary})" for name, salary in ROWS)
    old_ids = dict(con.execute(f"SELECT agent, {OLD_ID} FROM (VALUES {values}) AS t(agent, salaire)").fetchall())
    assert guessed_salaries(con, old_ids) == dict(ROWS)  # ids without a secret gave every salary away

    store.publish("agents", agents)
    assert guessed_salaries(con, ids(store)) == {}
