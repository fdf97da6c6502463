"""A multivalued field a reader produced is versioned, served and queried as a list of values.

The communes of France (a JSON array of postal codes each) and the ODS CSV export of the
départements (multivalued fields joined by `,`) go through the readers, the store, its
serving copy (word index, clustered copy) and ODSQL; answers are computed from the files.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from datapolis.engine import LakeLocation, Store, Version
from datapolis.engine.serving import ServingCache
from datapolis.ingest import ReadOptions, prepare
from datapolis.odsql import QuerySpec, compile_query
from datapolis.odsql.search import IndexedWordSearch, search_strategy
from datapolis.schema import Relation

MARSEILLE_8 = "13008"


@pytest.fixture
def store(lake_location: LakeLocation, tmp_path: Path):
    store = Store(lake_location, serving=ServingCache(tmp_path / "serving", cluster_min_rows=1_000))
    yield store
    store.close()


@pytest.fixture
def communes(shared_datasets: Path) -> list[dict]:
    return json.loads((shared_datasets / "decoupage-administratif" / "communes.json").read_text())


@pytest.fixture
def published(store: Store, shared_datasets: Path) -> Version:
    return store.publish("communes", prepare(shared_datasets / "decoupage-administratif" / "communes.json"))


def relations(store: Store, version: Version) -> dict[str, Relation | str]:
    return {
        "lake": store.relation_sql(version.dataset_id),
        "serving": store.serving_relation_sql(version.dataset_id, version.snapshot_id),
    }


def run(store: Store, version: Version, relation: Relation | str, spec: QuerySpec) -> list[dict]:
    compiled = compile_query(spec, version.fields, relation)
    return compiled.decode_rows(store.cursor().execute(compiled.sql, compiled.params).fetchall())


def described(store: Store, relation: Relation | str) -> dict[str, str]:
    return {
        str(name): str(kind)
        for name, kind, *_ in store.cursor().execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    }


def test_a_list_is_versioned_and_served_as_a_list(store: Store, published: Version) -> None:
    spec = {s.name: s for s in published.fields}["codespostaux"]
    assert (spec.type, spec.annotations) == ("text", {"multivalued": [","]})
    assert spec.annotations == {s.name: s for s in store.version("communes").fields}["codespostaux"].annotations
    for relation in relations(store, published).values():
        assert described(store, relation)["codespostaux"] == "VARCHAR[]"
    serving = store.serving_relation_sql("communes", published.snapshot_id)
    assert isinstance(serving, Relation) and serving.index is not None
    assert "codespostaux" in serving.index.columns
    assert serving.clustered_by not in (None, "codespostaux")  # a list is no category to sort by


@pytest.mark.parametrize("where", ["lake", "serving"])
def test_in_and_refine_select_the_records_holding_a_value(
    store: Store, published: Version, communes: list[dict], where: str
) -> None:
    relation = relations(store, published)[where]
    expected = sorted(c["code"] for c in communes if MARSEILLE_8 in (c.get("codesPostaux") or []))

    found = run(store, published, relation, QuerySpec(select="code", where=f'"{MARSEILLE_8}" in codespostaux'))
    refined = run(store, published, relation, QuerySpec(select="code", refine=[("codespostaux", MARSEILLE_8)]))

    assert sorted(row["code"] for row in found) == expected == sorted(row["code"] for row in refined)
    assert "13055" in expected  # Marseille, with its 8th arrondissement


@pytest.mark.parametrize("where", ["lake", "serving"])
def test_group_by_counts_each_record_once_per_value(
    store: Store, published: Version, communes: list[dict], where: str
) -> None:
    relation = relations(store, published)[where]
    rows = run(
        store,
        published,
        relation,
        QuerySpec(select="codespostaux, count(*) as n", where='departement = "13"', group_by="codespostaux"),
    )

    expected = Counter(
        code for c in communes if c["departement"] == "13" for code in set(c.get("codesPostaux") or [None])
    )
    assert {row["codespostaux"]: row["n"] for row in rows} == expected
    assert expected[MARSEILLE_8] >= 2


def test_words_of_a_list_are_found_through_the_index(store: Store, published: Version, communes: list[dict]) -> None:
    serving = store.serving_relation_sql("communes", published.snapshot_id)
    lake = store.relation_sql("communes")
    words = QuerySpec(select="code", where=f'codespostaux like "{MARSEILLE_8}"')  # its words, not fuzzy
    fuzzy = QuerySpec(select="code", where=f'search(codespostaux, "{MARSEILLE_8}")')  # 13001 is close enough

    def codes(relation: Relation | str, spec: QuerySpec) -> list[str]:
        return sorted(row["code"] for row in run(store, published, relation, spec))

    assert isinstance(search_strategy(serving), IndexedWordSearch)
    assert "search_postings" in compile_query(words, published.fields, serving).sql
    expected = sorted(c["code"] for c in communes if MARSEILLE_8 in (c.get("codesPostaux") or []))
    assert codes(serving, words) == expected == codes(lake, words)
    assert codes(serving, fuzzy) == codes(lake, fuzzy)
    records = run(store, published, serving, QuerySpec(select="codespostaux", where='code = "13055"'))
    assert [len(row["codespostaux"]) for row in records] == [16]  # a list in the records


def test_an_ods_csv_export_with_the_option_answers_per_region(store: Store, shared_data: Path) -> None:
    exports = shared_data / "ods-reference"
    options = ReadOptions(multivalued={"code_officiel_region": ",", "statut_departement": ","})
    version = store.publish("departements", prepare(exports / "georef-france-departement.csv", options))
    departements = json.loads((exports / "georef-france-departement.json").read_text())

    serving = store.serving_relation_sql("departements", version.snapshot_id)
    found = run(store, version, serving, QuerySpec(select="siren", where='"76" in code_officiel_region'))
    by_status = QuerySpec(select="statut_departement, count(*) as n", group_by="statut_departement")
    statuses = run(store, version, serving, by_status)

    occitanie = [d for d in departements if "76" in d["reg_code"]]
    assert sorted(row["siren"] for row in found) == sorted(d["dep_siren_code"] for d in occitanie)
    assert len(found) == 13
    expected = Counter(status for d in departements for status in (d["dep_status"] or [None]))
    assert {row["statut_departement"]: row["n"] for row in statuses} == expected
