"""Serving copies hold a word index of their text columns, and hand its search strategy out."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from datapolis.engine import LakeLocation, Prepared, Store
from datapolis.engine.serving import FILE_FORMAT, ServingCache
from datapolis.odsql import QuerySpec, compile_query
from datapolis.odsql.search import IndexedWordSearch, search_strategy
from datapolis.schema import FieldSpec

FIELDS = [
    FieldSpec("name", "Name", "text"),
    FieldSpec("tags", "Tags", "text", annotations={"multivalued": [","]}),
    FieldSpec("n", "N", "int"),
]
ROWS = """
    ('Les Vélos de la Gare', ['Mobilité', 'Écologie'], 1),
    ('vélo électrique', ['mobilité'], 2),
    ('Le cheval et les chevaux', NULL, 3),
    (NULL, ['gare'], 4),
    ('Piscine municipale', [], 5)
"""


def rows(fields: list[FieldSpec], values: str = ROWS):
    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        names = ", ".join(spec.name for spec in fields)
        con.execute(f"CREATE TEMP TABLE src AS SELECT * FROM (VALUES {values}) t({names})")
        return Prepared("src", fields)

    return prepare


@pytest.fixture
def store(lake_location: LakeLocation, tmp_path: Path):
    store = Store(lake_location, serving=ServingCache(tmp_path / "serving"))
    yield store
    store.close()


def query(store: Store, relation: str, where: str, fields: list[FieldSpec] = FIELDS) -> list[int]:
    compiled = compile_query(QuerySpec(select="n", where=where, order_by="n"), fields, relation)
    return [n for (n,) in store.cursor().execute(compiled.sql, compiled.params).fetchall()]


def test_publication_indexes_every_text_column_but_the_record_id(store: Store):
    version = store.publish("words", rows(FIELDS))
    relation = store.serving_relation_sql("words", version.snapshot_id)

    assert isinstance(search_strategy(relation), IndexedWordSearch)
    assert dict(relation.index.columns) == {"name": 0, "tags": 1}
    database = relation.index.database
    words = dict(store.cursor().execute(f'SELECT word, norm FROM "{database}".search_words').fetchall())
    assert words["velos"] == "velo" and words["chevaux"] == "cheval" and words["ecologie"]
    assert "Vélos" not in words and "" not in words


def test_postings_point_to_the_rows_and_columns_holding_each_word(store: Store):
    version = store.publish("words", rows(FIELDS))
    relation = store.serving_relation_sql("words", version.snapshot_id)
    database = relation.index.database
    postings = (
        store.cursor()
        .execute(
            f'SELECT d.n, p.col FROM "{database}".search_postings p JOIN "{database}".search_words w USING (word_id) '
            f"JOIN {relation} d ON d.rowid = p.row_id WHERE w.word = 'gare' ORDER BY 1"
        )
        .fetchall()
    )
    assert postings == [(1, 0), (4, 1)]


def test_queries_on_the_copy_use_the_index_and_find_french_words(store: Store):
    version = store.publish("words", rows(FIELDS))
    relation = store.serving_relation_sql("words", version.snapshot_id)

    compiled = compile_query(QuerySpec(where='"velo"'), FIELDS, relation)
    assert "search_postings" in compiled.sql
    assert query(store, relation, '"velo"') == [1, 2]
    assert query(store, relation, '"GARES"') == [1, 4]
    assert query(store, relation, '"cheval"') == [3]
    assert query(store, relation, 'suggest("mobi")') == [1, 2]
    assert query(store, relation, 'search(name, "piscin")') == [5]


def test_a_sub_select_around_the_copy_scans_instead(store: Store):
    version = store.publish("words", rows(FIELDS))
    relation = store.serving_relation_sql("words", version.snapshot_id)
    wrapped = f"(SELECT * FROM {relation} WHERE n > 1)"

    compiled = compile_query(QuerySpec(where='"velo"'), FIELDS, wrapped)
    assert "search_postings" not in compiled.sql
    assert query(store, wrapped, '"velo"') == [2]


def test_a_column_named_rowid_gets_no_index_and_queries_still_work(store: Store):
    fields = [FieldSpec("rowid", "Row", "int"), FieldSpec("name", "Name", "text"), FieldSpec("n", "N", "int")]
    version = store.publish("shadow", rows(fields, "(10, 'Vélos', 1), (11, 'gare', 2)"))
    relation = store.serving_relation_sql("shadow", version.snapshot_id)

    assert search_strategy(relation) is None
    assert query(store, relation, '"velo"', fields) == [1]


def test_a_copy_of_an_older_format_is_replaced(lake_location: LakeLocation, tmp_path: Path):
    publisher = Store(lake_location)
    version = publisher.publish("words", rows(FIELDS))
    cache = ServingCache(tmp_path / "serving")
    current = cache.path_for("words", version.snapshot_id)
    older = current.with_name(current.name.replace(f".f{FILE_FORMAT}", ""))
    older.write_bytes(b"an older serving file")

    con = publisher.connect()
    cache.build(con, "words", version.snapshot_id, publisher.relation_sql("words"))
    con.close()
    assert current.exists() and not older.exists()
    publisher.close()
