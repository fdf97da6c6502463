"""The indexed search strategy finds exactly what the scanning one finds.

Each table is copied into its own database with the engine's word index
(`engine.search_index.build`), then every full-text predicate (bare strings, LIKE,
search(), suggest()) runs twice: with `FoldedWordSearch`, which splits every row's text,
and with `IndexedWordSearch`, which reads the index. The results must be equal — on real
French data and on generated text.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datapolis.engine import search_index
from datapolis.odsql import QuerySpec, compile_count, compile_query
from datapolis.odsql.search import FoldedWordSearch, IndexedWordSearch, search_strategy
from datapolis.schema import FieldSpec, Relation
from datapolis.schema.words import fold

_databases = itertools.count()


class Indexed:
    """A table copied into its own database, with its word index."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, schema: list[FieldSpec]) -> None:
        self.con = con
        self.schema = schema
        database = f"indexed_{next(_databases)}"
        con.execute(f"ATTACH ':memory:' AS {database}")
        con.execute(f"CREATE TABLE {database}.data AS SELECT * FROM {source}")
        index = search_index.build(con, database, "data")
        assert index is not None
        self.index = index
        self.relation = f"{database}.data"

    def rows(self, strategy, **spec) -> list[tuple]:
        compiled = compile_query(QuerySpec(**spec), self.schema, self.relation, search=strategy)
        return self.con.execute(compiled.sql, compiled.params).fetchall()

    def both(self, **spec) -> tuple[list[tuple], list[tuple], str]:
        """(scanned rows, indexed rows, indexed SQL) of one query."""
        indexed = compile_query(QuerySpec(**spec), self.schema, self.relation, search=IndexedWordSearch(self.index))
        return (
            self.rows(FoldedWordSearch(), **spec),
            self.con.execute(indexed.sql, indexed.params).fetchall(),
            indexed.sql,
        )

    def assert_same(self, where: str, **spec) -> list[tuple]:
        scanned, indexed, _ = self.both(where=where, **spec)
        assert indexed == scanned, where
        return scanned


VELIB_QUERIES = [
    '"gare"',
    '"Gares"',
    '"GARE du nord"',
    '"république"',
    '"republique"',
    '"saint"',
    '"rue de la"',
    '"église"',
    '"12"',
    '"zzzz"',
    '"gare" or capacity > 60',
    'not "gare"',
    'search("gare")',
    'search(name, "republiqe")',
    'search("sai")',
    'search("bastile opera")',
    'suggest("rép")',
    'suggest("gare nor")',
    'name like "gare"',
    'name like "rép*"',
    'name like "gare nor*"',
    'startswith(name, "Gare")',
    '"gare" and search("nord")',
]


@pytest.fixture(scope="module")
def velib_indexed(velib) -> Indexed:
    return Indexed(velib.con, velib.relation, velib.schema)


@pytest.mark.parametrize("where", VELIB_QUERIES)
def test_station_names_match_the_scan(velib_indexed, where):
    velib_indexed.assert_same(where, select="id", order_by="id")


def test_the_index_is_read_not_the_text(velib_indexed):
    scanned, indexed, sql = velib_indexed.both(where='"gare"', select="id", order_by="id")
    assert indexed == scanned and len(scanned) > 5
    assert "search_postings" in sql
    assert "regexp_split_to_array" not in sql.lower()


def test_french_words_are_found_through_the_index(velib_indexed):
    with_accent = velib_indexed.assert_same('"république"', select="name")
    without = velib_indexed.assert_same('"REPUBLIQUES"', select="name")
    assert with_accent == without and with_accent
    assert all("republique" in fold(name) for (name,) in with_accent)
    assert any("république" not in name.lower() for (name,) in with_accent)  # "Richard Lenoir - Republique"


def test_counts_match_and_restrictions_still_apply(velib_indexed):
    spec = {"where": '"gare"', "restrictions": ["capacity > 30"]}
    scanned = compile_count(QuerySpec(**spec), velib_indexed.schema, velib_indexed.relation)
    indexed = compile_count(
        QuerySpec(**spec), velib_indexed.schema, velib_indexed.relation, search=IndexedWordSearch(velib_indexed.index)
    )
    assert "search_postings" in indexed.sql
    count = velib_indexed.con.execute(indexed.sql, indexed.params).fetchone()[0]
    assert count == velib_indexed.con.execute(scanned.sql, scanned.params).fetchone()[0]
    unrestricted = velib_indexed.rows(IndexedWordSearch(velib_indexed.index), where='"gare"', select="capacity")
    assert 0 < count < len(unrestricted)
    restricted = velib_indexed.rows(IndexedWordSearch(velib_indexed.index), select="capacity", **spec)
    assert all(capacity > 30 for (capacity,) in restricted)


def test_a_restriction_can_itself_be_a_search(velib_indexed):
    rows = velib_indexed.assert_same("capacity > 20", select="id", order_by="id", restrictions=['"gare"'])
    assert rows


def test_only_visible_text_fields_are_searched(velib_indexed):
    # "id" is text too: station ids are found when visible, not when hidden.
    identifier = velib_indexed.rows(FoldedWordSearch(), select="id", limit=1)[0][0]
    assert velib_indexed.assert_same(f'"{identifier}"', select="name")
    assert velib_indexed.assert_same(f'"{identifier}"', select="name", visible_fields=["name", "capacity"]) == []


def test_texts_outside_the_index_fall_back_to_the_scan(velib_indexed):
    # The technical _id is text but not indexed: the predicate ORs the index with a scan of _id.
    schema = [*velib_indexed.schema, FieldSpec("_id", "Id", "text")]
    ids = velib_indexed.con.execute(f"SELECT _id FROM {velib_indexed.relation} ORDER BY _id LIMIT 3").fetchall()
    run = velib_indexed.con.execute
    mixed = [f'search(name, _id, "{ids[0][0]}")', 'search(name, _id, "gare")', f'suggest(id, _id, "{ids[2][0]}")']
    for where in [*mixed, 'lower(name) like "gare"']:
        scanned = compile_query(QuerySpec(where=where, select="id"), schema, velib_indexed.relation)
        indexed = compile_query(
            QuerySpec(where=where, select="id"),
            schema,
            velib_indexed.relation,
            search=IndexedWordSearch(velib_indexed.index),
        )
        found = sorted(run(indexed.sql, indexed.params).fetchall())
        assert found == sorted(run(scanned.sql, scanned.params).fetchall()) and found
        assert ("search_postings" in indexed.sql) == (where in mixed)
        assert "regexp_split_to_array" in indexed.sql.lower()


def test_full_text_does_not_read_the_record_id(velib_indexed):
    schema = [*velib_indexed.schema, FieldSpec("_id", "Id", "text")]
    (record_id,) = velib_indexed.con.execute(f"SELECT _id FROM {velib_indexed.relation} LIMIT 1").fetchone()
    bare = compile_query(QuerySpec(where=f'"{record_id}"'), schema, velib_indexed.relation)
    named = compile_query(QuerySpec(where=f'search(_id, "{record_id}")'), schema, velib_indexed.relation)
    run = velib_indexed.con.execute
    assert run(bare.sql, bare.params).fetchall() == []
    assert run(named.sql, named.params).fetchall()  # named, it is searched


SUBSIDY_QUERIES = [
    '"association"',
    '"associations sportives"',
    '"subvention fonctionnement"',
    '"écoles"',
    '"ecole"',
    '"comité des fêtes"',
    'search("subventon")',
    'search(objet, "fonctionement exceptionnel")',
    'suggest("sport")',
    'objet like "exception*"',
    'nombeneficiaire like "comite"',
    'not "association" and montant > 1000',
]


@pytest.fixture(scope="module")
def subsidies(duck, shared_datasets: Path) -> Indexed:
    """Castelmaurou's subsidies: French free text (`objet`) and beneficiaries' names."""
    path = shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    source = (
        "(SELECT nomBeneficiaire AS nombeneficiaire, objet, CAST(montant AS DOUBLE) AS montant, "
        f"string_split(nature, ' ') AS nature FROM read_csv('{path}', header = true, all_varchar = true))"
    )
    schema = [
        FieldSpec("nombeneficiaire", "Bénéficiaire", "text"),
        FieldSpec("objet", "Objet", "text"),
        FieldSpec("montant", "Montant", "double"),
        FieldSpec("nature", "Nature", "text", annotations={"multivalued": [" "]}),
    ]
    return Indexed(duck, source, schema)


@pytest.mark.parametrize("where", SUBSIDY_QUERIES)
def test_french_free_text_matches_the_scan(subsidies, where):
    subsidies.assert_same(where, select="objet, montant", order_by="objet, montant")


def test_plurals_and_accents_of_free_text(subsidies):
    singular = subsidies.assert_same('"association"', select="objet, montant", order_by="objet, montant")
    plural = subsidies.assert_same('"ASSOCIATIONS"', select="objet, montant", order_by="objet, montant")
    assert singular == plural and singular


def test_multivalued_text_is_indexed(subsidies):
    assert "nature" in subsidies.index.columns
    found = subsidies.assert_same('"numéraire"', select="nature")
    assert found and all(any("numéraire" in value for value in nature) for (nature,) in found)


# Generated text ------------------------------------------------------------------------

WORDS = ["vélo", "velos", "Vélos", "gare", "GARES", "cheval", "chevaux", "école", "ecoles", "rue", "a", "l", "12"]
SEPARATORS = [" ", "  ", "-", "'", ", ", ".", "_", "\t", "/"]

texts = st.one_of(
    st.none(),
    st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=6).map(
        lambda parts: "".join(word + separator for word, separator in parts)
    ),
    st.text(alphabet="aàeéèêcçoôiïuù AEÉ-'0123456789", max_size=20),
)
queries = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(alphabet="aàeécoiu-'", min_size=1, max_size=6)), min_size=1, max_size=3
).map(" ".join)
PREDICATES = ['"{q}"', 'search("{q}")', 'search(a, "{q}")', 'suggest("{q}")', 'a like "{q}"', 'b like "{q}*"']


@pytest.fixture(scope="module")
def generated_con(duck) -> duckdb.DuckDBPyConnection:
    return duck.cursor()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(texts, texts), min_size=1, max_size=8), query=queries)
def test_generated_text_matches_the_scan(generated_con, rows, query):
    con = generated_con
    name = f"generated_{next(_databases)}"
    con.execute(f"CREATE TEMP TABLE {name} (n INTEGER, a VARCHAR, b VARCHAR)")
    con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?)", [(i, a, b) for i, (a, b) in enumerate(rows)])
    schema = [FieldSpec("n", "N", "int"), FieldSpec("a", "A", "text"), FieldSpec("b", "B", "text")]
    try:
        table = Indexed(con, name, schema)
        for template in PREDICATES:
            where = template.format(q=query.replace('"', ""))
            scanned, indexed, _ = table.both(where=where, select="n", order_by="n")
            assert indexed == scanned, (where, rows)
    finally:
        con.execute(f"DROP TABLE {name}")


def test_the_strategy_is_indexed_only_for_duckdb_relations_with_an_index(velib_indexed):
    strategy = search_strategy(Relation(velib_indexed.relation, velib_indexed.index))
    assert isinstance(strategy, IndexedWordSearch)
    assert set(strategy.index.columns) == {"id", "name"}


@pytest.mark.parametrize(
    "where",
    ['"gare"', '"gare du nord"', '"gare" and "nord"', 'search("republiqe")', 'suggest("rép")', 'name like "gar*"'],
)
def test_counts_of_searches_alone_read_only_the_postings(velib_indexed, where):
    scanned = compile_count(QuerySpec(where=where), velib_indexed.schema, velib_indexed.relation)
    indexed = compile_count(
        QuerySpec(where=where),
        velib_indexed.schema,
        velib_indexed.relation,
        search=IndexedWordSearch(velib_indexed.index),
    )
    run = velib_indexed.con.execute
    count = run(indexed.sql, indexed.params).fetchone()[0]
    assert count == run(scanned.sql, scanned.params).fetchone()[0] and count > 0
    assert f"FROM {velib_indexed.relation}" not in indexed.sql  # the relation itself is not read


def test_counts_with_other_filters_still_read_the_relation(velib_indexed):
    spec = QuerySpec(where=['"gare"', "capacity > 30"])
    indexed = compile_count(
        spec, velib_indexed.schema, velib_indexed.relation, search=IndexedWordSearch(velib_indexed.index)
    )
    scanned = compile_count(spec, velib_indexed.schema, velib_indexed.relation)
    run = velib_indexed.con.execute
    assert f"FROM {velib_indexed.relation}" in indexed.sql
    assert run(indexed.sql, indexed.params).fetchone() == run(scanned.sql, scanned.params).fetchone()
