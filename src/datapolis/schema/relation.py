"""What a query reads: a relation's SQL and what the store knows about it.

The store describes each relation it serves with a `Relation`; the query layer reads the
description (its word index, row id column, clustered copy) to choose how to search and
where to read. A bare SQL text is a relation with none of these: queries scan it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WORDS_TABLE = "search_words"
POSTINGS_TABLE = "search_postings"


@dataclass(frozen=True)
class SearchIndex:
    """Where a relation's word index is (built by `engine.search_index`).

    `database` (an attached database's name, unquoted) holds a `words` table (word_id,
    word, norm) and a `postings` table (word_id, col, row_id), where `row_id` is the
    relation's `rowid`; `columns` numbers the indexed text columns.
    """

    database: str
    columns: Mapping[str, int] = field(hash=False)
    words: str = WORDS_TABLE
    postings: str = POSTINGS_TABLE


@dataclass(frozen=True)
class Relation:
    """A relation to query: `sql` is written as is in a FROM clause.

    `index` is its word index (None: searches scan). `row_id` names a column addressing
    each row by position (`rowid`; None if a field hides it). `clustered` holds the same
    rows clustered by the field `clustered_by` (`engine.clustering`), which equality
    filters on that field may read instead. SQL derived from `sql` (a sub-select around
    it) is another relation, without these: the index's row ids only hold for this one.
    """

    sql: str
    index: SearchIndex | None = None
    row_id: str | None = None
    clustered: Relation | None = None
    clustered_by: str | None = None

    def __str__(self) -> str:
        return self.sql

    @classmethod
    def of(cls, relation: Relation | str) -> Relation:
        """A relation, or a bare SQL text as a relation without index, row id or copy."""
        return relation if isinstance(relation, Relation) else cls(relation)
