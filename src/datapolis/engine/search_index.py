"""The word index of a serving copy: French full-text search without scanning every row.

Built once per version, in the serving file beside its `data` table, from the words that
ODSQL's full-text predicates compare (`datapolis.schema.words`: text folded to lower case
without accents, split on non-alphanumerics; a word's normalised form is its Snowball
French stem without a final plural s/x):

- `search_words(word_id, word, norm)`: every distinct word of the indexed columns, sorted
  by word, so the words with a given prefix have consecutive ids;
- `search_postings(word_id, col, row_id)`: which column of which row (the `rowid` of
  `data`) holds each word, sorted by word id so a lookup reads only the row groups of the
  wanted words (DuckDB pushes the ids found in `search_words` into the scan);
- `search_columns(col, name)`: the indexed columns (every text column, multivalued ones
  included, but the technical record id).

A query then filters `data` with `rowid IN (SELECT row_id FROM search_postings ...)`, which
DuckDB runs as a semi-join whose bloom filter is pushed into the scan of `data`.
"""

from __future__ import annotations

from types import MappingProxyType

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.schema.fields import RECORD_ID_COLUMN
from datapolis.schema.relation import POSTINGS_TABLE, WORDS_TABLE, SearchIndex
from datapolis.schema.words import NORMALISE_SQL, WORDS_SQL

COLUMNS_TABLE = "search_columns"
ROW_COLUMN = "rowid"  # the pseudo-column of `data` the postings point to
TEXT_TYPES = ("VARCHAR", "VARCHAR[]")


def shadows_row_id(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a column of `table` is named `rowid`, so `rowid` would not name the row."""
    return any(str(row[0]).lower() == ROW_COLUMN for row in con.execute(f"DESCRIBE {table}").fetchall())


def indexable_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """The text columns of `table` worth indexing, with their types; none if a column shadows `rowid`."""
    if shadows_row_id(con, table):
        return []  # the postings' row ids could not be matched: no index, queries scan
    described = con.execute(f"DESCRIBE {table}").fetchall()
    return [(str(name), str(kind)) for name, kind, *_ in described if kind in TEXT_TYPES and name != RECORD_ID_COLUMN]


def build(con: duckdb.DuckDBPyConnection, database: str, table: str = "data") -> SearchIndex | None:
    """Create the index tables of `database`.`table` in `database`; None when nothing to index."""
    source = f"{quote_identifier(database)}.{quote_identifier(table)}"
    columns = indexable_columns(con, source)
    if not columns:
        return None
    tokens = "search_tokens_" + "".join(ch if ch.isalnum() else "_" for ch in database)
    per_column = [
        f"SELECT rowid AS row_id, CAST({number} AS USMALLINT) AS col, "
        f"unnest(list_distinct({WORDS_SQL.replace(':text', _text(name, kind))})) AS word FROM {source}"
        for number, (name, kind) in enumerate(columns)
    ]
    target = quote_identifier(database)
    con.execute(f"CREATE TEMP TABLE {tokens} AS SELECT * FROM ({' UNION ALL '.join(per_column)}) WHERE word <> ''")
    try:
        con.execute(
            f"CREATE TABLE {target}.{WORDS_TABLE} AS "
            f"SELECT CAST(row_number() OVER (ORDER BY word) - 1 AS UINTEGER) AS word_id, word, "
            f"{NORMALISE_SQL.replace(':word', 'word')} AS norm "
            f"FROM (SELECT DISTINCT word FROM {tokens}) ORDER BY word"
        )
        con.execute(
            f"CREATE TABLE {target}.{POSTINGS_TABLE} AS "
            f"SELECT w.word_id, t.col, t.row_id FROM {tokens} t JOIN {target}.{WORDS_TABLE} w USING (word) "
            f"ORDER BY w.word_id, t.col, t.row_id"
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {tokens}")
    values = ", ".join(f"({number}, {quote_literal(name)})" for number, (name, _) in enumerate(columns))
    con.execute(f"CREATE TABLE {target}.{COLUMNS_TABLE} AS SELECT * FROM (VALUES {values}) AS t(col, name)")
    return SearchIndex(database, MappingProxyType({name: number for number, (name, _) in enumerate(columns)}))


def _text(name: str, kind: str) -> str:
    """A column's searchable text: a list's values joined by spaces, as the query side does."""
    column = quote_identifier(name)
    return f"array_to_string({column}, ' ')" if kind.endswith("[]") else column


def load(con: duckdb.DuckDBPyConnection, database: str) -> SearchIndex | None:
    """The index of an attached serving file, or None if it has none."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
        [database, COLUMNS_TABLE],
    ).fetchone()
    if not found or not found[0]:
        return None
    rows = con.execute(f"SELECT col, name FROM {quote_identifier(database)}.{COLUMNS_TABLE}").fetchall()
    return SearchIndex(database, MappingProxyType({str(name): int(col) for col, name in rows}))
