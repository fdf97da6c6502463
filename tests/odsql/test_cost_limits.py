"""Every query has a cost ceiling the checker enforces before the engine plans anything."""

from __future__ import annotations

import pytest

from datapolis.odsql import ODSQLError, QuerySpec, compile_query
from datapolis.odsql.checker import MAX_SEARCH_WORDS

pytestmark = pytest.mark.once

WORDS = [f"mot{n}" for n in range(200)]


@pytest.fixture
def run(no2, duck):
    def execute(**spec):
        compiled = compile_query(QuerySpec(**spec), no2.schema, "no2")
        return duck.execute(compiled.sql, compiled.params).fetchall()

    return execute


@pytest.mark.parametrize(
    "where",
    [
        '"' + " ".join(WORDS) + '"',
        " and ".join(f'"{word}"' for word in WORDS[:40]),
        'search(station, "' + " ".join(WORDS[:40]) + '")',
        'suggest("' + " ".join(WORDS[:40]) + '")',
        'station like "' + " ".join(WORDS[:40]) + '"',
        '"' + " ".join(WORDS[:20]) + '" and search("' + " ".join(WORDS[20:40]) + '")',
    ],
)
def test_more_search_words_than_the_ceiling_is_refused_before_planning(run, where):
    with pytest.raises(ODSQLError) as caught:
        run(where=where)
    assert caught.value.clause == "where"
    assert f"{MAX_SEARCH_WORDS} words at most" in caught.value.message


def test_the_ceiling_itself_is_searched(run, no2):
    station = no2.rows[0]["station"]
    words = station.split()
    padding = [station.split()[0]] * (MAX_SEARCH_WORDS - len(words))
    rows = run(where='"' + " ".join(words + padding) + '"', select="station")
    assert rows and all(row[0] == station or set(words) <= set(row[0].split()) for row in rows)


def test_a_clause_of_too_many_terms_is_refused_before_planning(run):
    from datapolis.odsql.parser import MAX_NODES

    where = " or ".join(f"niveau = {n}" for n in range(MAX_NODES // 3 + 1))
    with pytest.raises(ODSQLError) as caught:
        run(where=where)
    assert f"more than {MAX_NODES} terms" in caught.value.message


def test_a_long_but_reasonable_clause_runs(run):
    where = " or ".join(f"niveau = {n}" for n in range(500))
    assert run(where=where, select="count(*)")[0][0] > 0
